/**
 * The Redis stores, on ioredis: one Redis, or a Redis Cluster.
 *
 * The host app creates the `Redis` or `Cluster` (with {@link redisFailFastOptions} or
 * {@link redisClusterFailFastOptions}), waits until it is ready, hands it to
 * {@link redisStores}, and closes it itself. This module imports only types from
 * ioredis, so an app on the memory stores never loads it.
 *
 * Keys (P is the prefix, default `oauth2:`; in `<x>` the characters `%`, `:`, `{`
 * and `}` are percent-escaped, so keys are unambiguous and no value makes a hash tag):
 *
 * | key                           | value                                        | TTL                        |
 * | ----------------------------- | -------------------------------------------- | -------------------------- |
 * | P`client:`<id>                | the client, JSON                             | none (clients are config)  |
 * | P`code:`<id>                  | hash: r = record JSON, e = expiresAt, c = set once consumed | ttl of save()  |
 * | P`access:`<id>                | the record, JSON                             | ttl of save()              |
 * | P`access-unique:`<uniqueKey>  | the id of the token saved with that key      | ttl of save()              |
 * | P`access-revoked:`<grantId>   | `1`                                          | ttl of revokeGrant()       |
 * | P`refresh:`<id>               | hash as for codes; c = consumedAt            | ttl of save()              |
 * | P`refresh-revoked:`<grantId>  | `1`                                          | ttl of revokeGrant()       |
 * | P`consent:`<subject>`:`<client> | the scopes, a JSON array                   | ttl of save()              |
 *
 * Every TTL is set by the write itself (`SET ... PX`, or `PEXPIRE` in the same
 * MULTI), and every read also checks `expiresAt` against `clock`, so a record past
 * it is never returned while Redis still holds it.
 *
 * Hash tags: none are needed, so none are added. Every command, transaction and
 * script touches exactly one key, so nothing is CROSSSLOT on a Cluster and keys
 * spread over all slots. The one pair written together, an access token and its
 * unique-key pointer, cannot share a slot anyway (one is found by the token id, the
 * other by the unique key): both SETs are sent at once, one round trip, and
 * neither order of arrival matters (a pointer to a missing token reads as "none";
 * a token without a pointer is simply not reused; save() rejects if either fails,
 * so the engine never hands out that token). A prefix may carry its own tag
 * (`oauth2:{auth}:`) to pin every key to one slot; that works but is not needed.
 *
 * consume(): one Lua script on the record's hash (EVALSHA, EVAL on NOSCRIPT) reads
 * r, e and c and, only if the record exists, is unexpired and has no c, sets c and
 * returns r. Redis runs a script alone, so of any number of callers on any number
 * of connections exactly one gets the record; the consumed record keeps its TTL.
 *
 * revokeGrant(g, ttl): sets the marker P`*-revoked:`g for ttl seconds (a script
 * that only ever lengthens it), and every find() and consume() of a token checks
 * the marker of the record's grant. Why a marker and not an index set per grant:
 * revocation is one write to one key, so it is atomic and O(1) however many tokens
 * the family holds, it needs no cross-slot fan-out (an index would have to delete
 * tokens on many nodes and could stop half way), it covers tokens saved later for
 * free, and nothing grows with every rotation. The cost is a second round trip on
 * reads of a live token (the grant id is only known once the record is read).
 *
 * Errors: anything the client throws (connection refused, "Connection is closed",
 * MaxRetriesPerRequestError, "Command timed out", CLUSTERDOWN, ...) is rethrown
 * as `StoreUnavailableError` with the original as `cause`; the engine answers 503.
 * That includes replies that mean a misconfiguration (NOAUTH, WRONGTYPE from a
 * prefix shared with other data): still no token, and the cause is in the log.
 * Only a value that is not the JSON this module wrote fails otherwise (500).
 */
import { createHash } from 'node:crypto';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  Clock,
  RefreshTokenRecord,
} from '../types.js';
import type {
  AccessTokenStore,
  AuthorizationCodeStore,
  ClientStore,
  ConsentStore,
  RefreshTokenStore,
} from './types.js';

/** A connection the host app made: one Redis (or Sentinel-managed) or a Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisStoreOptions {
  /** The ioredis `Redis` or `Cluster`. The host creates it, waits for `ready`, and closes it. Required. */
  client: RedisClient;
  /** Prepended to every key. Default `'oauth2:'`. */
  prefix?: string;
  /** The clock for expiry on read and `consumedAt`, in milliseconds. Default `Date.now`. */
  clock?: Clock;
}

const retry = (times: number): number => Math.min(times * 100, 1000);

/**
 * ioredis options that make a Redis outage fail within about a second instead of
 * queueing commands for over a minute: spread them into `new Redis({...})`, then
 * wait for `ready` before serving (without the offline queue, a command sent
 * before the connection is up fails at once).
 *
 * - `enableOfflineQueue: false`: while disconnected, a command fails at once;
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops
 *   fails instead of being sent again after the reconnect (a resent `consume()`
 *   could be taken for a replay);
 * - `commandTimeout: 1000` (ms): a server that stops answering fails the command;
 * - `connectTimeout: 1000` (ms): a connection attempt gives up after a second;
 * - `retryStrategy`: reconnect forever, every 100 ms growing to 1 s, so the same
 *   process works again once Redis is back.
 */
export const redisFailFastOptions: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 1000,
  retryStrategy: retry,
});

/**
 * The same for `new Cluster(nodes, {...})`: no offline queue, per-node timeouts,
 * and at most 10 retries 100 ms apart on CLUSTERDOWN, TRYAGAIN or a failover, so a
 * call fails within about 2 s.
 */
export const redisClusterFailFastOptions: Readonly<ClusterOptions> = Object.freeze({
  enableOfflineQueue: false,
  clusterRetryStrategy: retry,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 100,
  maxRedirections: 10,
  slotsRefreshTimeout: 1000,
  redisOptions: Object.freeze({
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 1000,
  }),
});

/** A Lua script run by EVALSHA, sent with EVAL when the server does not know it yet. */
class Script {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: RedisClient, key: string, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return client.eval(this.#lua, 1, key, ...args);
    }
  }
}

/** KEYS[1] a code or refresh token hash; ARGV[1] now (ms); ARGV[2] the value of c. Returns r, or nil. */
const CONSUME = new Script(`
local v = redis.call('HMGET', KEYS[1], 'r', 'e', 'c')
if not v[1] or v[3] or tonumber(v[2]) * 1000 <= tonumber(ARGV[1]) then return false end
redis.call('HSET', KEYS[1], 'c', ARGV[2])
return v[1]`);

/** KEYS[1] a revoked-grant marker; ARGV[1] its TTL (ms). Sets it, never shortening a longer one. */
const REVOKE_GRANT = new Script(`
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`);

/** A TTL in seconds as Redis milliseconds; a TTL that is not a positive number is a bug of the caller. */
function milliseconds(ttl: number): number {
  if (!Number.isFinite(ttl) || ttl <= 0)
    throw new RangeError(`ttl must be a positive number of seconds, got ${ttl}`);
  return Math.ceil(ttl * 1000);
}

const escape = (part: string): string =>
  part.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** What the code and refresh token stores keep in their hashes. */
interface OneTime {
  readonly id: string;
  readonly expiresAt: number;
  readonly consumed?: boolean | undefined;
  readonly consumedAt?: number | undefined;
}

/** Shared base: the client, the key scheme, the clock and the error translation. */
abstract class RedisStore {
  protected readonly client: RedisClient;
  readonly #prefix: string;
  protected readonly clock: Clock;

  constructor(options: RedisStoreOptions) {
    const { client, prefix = 'oauth2:', clock = Date.now } = options ?? ({} as RedisStoreOptions);
    if (typeof client?.evalsha !== 'function' || typeof client.get !== 'function') {
      throw new TypeError('Redis store: options.client must be an ioredis Redis or Cluster');
    }
    if (typeof prefix !== 'string')
      throw new TypeError('Redis store: options.prefix must be a string');
    if (typeof clock !== 'function')
      throw new TypeError('Redis store: options.clock must be a function');
    this.client = client;
    this.#prefix = prefix;
    this.clock = clock;
  }

  protected key(kind: string, ...parts: string[]): string {
    return `${this.#prefix}${kind}:${parts.map(escape).join(':')}`;
  }

  /** Runs one round trip; whatever the client throws becomes StoreUnavailableError. */
  protected async redis<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`Redis store: ${operation} failed`, { cause: err });
    }
  }

  protected expired(record: { expiresAt: number }): boolean {
    return record.expiresAt * 1000 <= this.clock();
  }

  /** The record unless it expired or the marker `kind`-revoked of its grant is set. */
  protected async live<T extends { expiresAt: number; grantId: string }>(
    kind: string,
    record: T | undefined,
    operation = 'find',
  ): Promise<T | undefined> {
    if (record === undefined || this.expired(record)) return undefined;
    const revoked = await this.redis(operation, () =>
      this.client.exists(this.key(`${kind}-revoked`, record.grantId)),
    );
    return revoked === 0 ? record : undefined;
  }

  protected async revokeGrantOf(kind: string, grantId: string, ttl: number): Promise<void> {
    const ms = milliseconds(ttl);
    await this.redis('revokeGrant', () =>
      REVOKE_GRANT.run(this.client, this.key(`${kind}-revoked`, grantId), ms),
    );
  }

  /** Saves a code or refresh token as a hash (see the header), replacing any earlier one. */
  protected async saveOneTime(kind: string, record: OneTime, ttl: number): Promise<void> {
    const ms = milliseconds(ttl);
    const key = this.key(kind, record.id);
    const fields: Record<string, string | number> = { e: record.expiresAt };
    if (record.consumed === true) {
      const { consumed: _consumed, consumedAt, ...rest } = record;
      fields['r'] = JSON.stringify(rest);
      fields['c'] = consumedAt ?? '';
    } else {
      fields['r'] = JSON.stringify(record);
    }
    const results = await this.redis('save', () =>
      this.client.multi().del(key).hset(key, fields).pexpire(key, ms).exec(),
    );
    const failed =
      results === null
        ? new Error('transaction aborted')
        : results.find(([err]) => err !== null)?.[0];
    if (failed) throw new StoreUnavailableError('Redis store: save failed', { cause: failed });
  }

  /** The stored record, with `consumed` (and the raw c) when it was consumed; expiry is the caller's. */
  protected async findOneTime<T extends OneTime>(
    kind: string,
    id: string,
  ): Promise<{ record: T; c: string | null } | undefined> {
    const [r, c] = await this.redis('find', () => this.client.hmget(this.key(kind, id), 'r', 'c'));
    if (r === null || r === undefined) return undefined;
    const record = JSON.parse(r) as T;
    return {
      record: c === null || c === undefined ? record : { ...record, consumed: true },
      c: c ?? null,
    };
  }

  /** The atomic consume script; the record as it was, or undefined. */
  protected async consumeOneTime<T extends OneTime>(
    kind: string,
    id: string,
    consumedAt: number,
  ): Promise<T | undefined> {
    const r = await this.redis('consume', () =>
      CONSUME.run(this.client, this.key(kind, id), this.clock(), consumedAt),
    );
    return typeof r === 'string' ? (JSON.parse(r) as T) : undefined;
  }
}

/** Clients kept in Redis (without TTL), e.g. by a registration endpoint. */
export class RedisClientStore extends RedisStore implements ClientStore {
  async find(clientId: string): Promise<Client | undefined> {
    const json = await this.redis('find', () => this.client.get(this.key('client', clientId)));
    return json === null ? undefined : (JSON.parse(json) as Client);
  }

  async save(client: Client): Promise<void> {
    await this.redis('save', () =>
      this.client.set(this.key('client', client.id), JSON.stringify(client)),
    );
  }

  async delete(clientId: string): Promise<void> {
    await this.redis('delete', () => this.client.del(this.key('client', clientId)));
  }
}

/** Authorization codes: one hash per code, consumed by a Lua script. */
export class RedisAuthorizationCodeStore extends RedisStore implements AuthorizationCodeStore {
  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    await this.saveOneTime('code', record, ttl);
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const found = await this.findOneTime<AuthorizationCodeRecord>('code', id);
    return found === undefined || this.expired(found.record) ? undefined : found.record;
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.consumeOneTime<AuthorizationCodeRecord>(
      'code',
      id,
      Math.floor(this.clock() / 1000),
    );
  }
}

/** Access tokens (records and JWT ids), unique-key pointers and revoked-grant markers. */
export class RedisAccessTokenStore extends RedisStore implements AccessTokenStore {
  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    const ms = milliseconds(ttl);
    const json = JSON.stringify(record);
    const uniqueKey = record.uniqueKey;
    await this.redis('save', () =>
      Promise.all([
        this.client.set(this.key('access', record.id), json, 'PX', ms),
        uniqueKey === undefined
          ? undefined
          : this.client.set(this.key('access-unique', uniqueKey), record.id, 'PX', ms),
      ]),
    );
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    const json = await this.redis('find', () => this.client.get(this.key('access', id)));
    return this.live('access', json === null ? undefined : (JSON.parse(json) as AccessTokenRecord));
  }

  async revoke(id: string): Promise<void> {
    // The unique-key pointer may stay: it then points at nothing, which reads as "no token".
    await this.redis('revoke', () => this.client.del(this.key('access', id)));
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.revokeGrantOf('access', grantId, ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const id = await this.redis('findByUniqueKey', () =>
      this.client.get(this.key('access-unique', uniqueKey)),
    );
    if (id === null) return undefined;
    const record = await this.find(id);
    // The pointer is overwritten by a newer token with the key; never return another key's token.
    return record?.uniqueKey === uniqueKey ? record : undefined;
  }
}

/** Refresh tokens: one hash per token, rotated out by a Lua script; revoked-grant markers. */
export class RedisRefreshTokenStore extends RedisStore implements RefreshTokenStore {
  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    await this.saveOneTime('refresh', record, ttl);
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const found = await this.findOneTime<RefreshTokenRecord>('refresh', id);
    if (found === undefined) return undefined;
    const { record, c } = found;
    const consumedAt = c === null || c === '' ? undefined : Number(c);
    return this.live('refresh', consumedAt === undefined ? record : { ...record, consumedAt });
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    const record = await this.consumeOneTime<RefreshTokenRecord>(
      'refresh',
      id,
      Math.floor(this.clock() / 1000),
    );
    // Consumed even if its grant was revoked (harmless: the family is dead), but never handed out.
    return this.live('refresh', record, 'consume');
  }

  async revoke(id: string): Promise<void> {
    await this.redis('revoke', () => this.client.del(this.key('refresh', id)));
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.revokeGrantOf('refresh', grantId, ttl);
  }
}

/** Remembered consent: one JSON array per subject and client. */
export class RedisConsentStore extends RedisStore implements ConsentStore {
  async find(subject: string, clientId: string): Promise<readonly string[] | undefined> {
    const json = await this.redis('find', () =>
      this.client.get(this.key('consent', subject, clientId)),
    );
    return json === null ? undefined : (JSON.parse(json) as string[]);
  }

  async save(
    subject: string,
    clientId: string,
    scope: readonly string[],
    ttl: number,
  ): Promise<void> {
    const ms = milliseconds(ttl);
    await this.redis('save', () =>
      this.client.set(this.key('consent', subject, clientId), JSON.stringify(scope), 'PX', ms),
    );
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    await this.redis('revoke', () => this.client.del(this.key('consent', subject, clientId)));
  }
}

/** The Redis stores, each a class of its own (construct one alone to mix backends). */
export interface RedisStores {
  clients: RedisClientStore;
  authorizationCodes: RedisAuthorizationCodeStore;
  accessTokens: RedisAccessTokenStore;
  refreshTokens: RedisRefreshTokenStore;
  consents: RedisConsentStore;
}

/**
 * Every store on one ioredis connection:
 *
 *     const redis = new Redis(process.env.REDIS_URL, { ...redisFailFastOptions, lazyConnect: true });
 *     await redis.connect();
 *     const stores = redisStores({ client: redis, prefix: 'myapp:oauth2:' });
 */
export function redisStores(options: RedisStoreOptions): RedisStores {
  return {
    clients: new RedisClientStore(options),
    authorizationCodes: new RedisAuthorizationCodeStore(options),
    accessTokens: new RedisAccessTokenStore(options),
    refreshTokens: new RedisRefreshTokenStore(options),
    consents: new RedisConsentStore(options),
  };
}
