/**
 * The Redis record store, on ioredis: one Redis (5 or later), or a Redis Cluster.
 * It implements the persistence primitive (./records.ts, whose header holds the
 * rules); {@link redisStores} puts the typed stores (./typed-stores.ts) on top.
 *
 * The host app creates the `Redis` or `Cluster` (with {@link redisFailFastOptions} or
 * {@link redisClusterFailFastOptions}), waits until it is ready, hands it to
 * {@link redisStores}, and closes it itself. This module imports only types from
 * ioredis, so an app on the memory stores never loads it.
 *
 * Keys (P is the prefix, default `oauth2:`; in `<x>` the characters `%`, `:`, `{`
 * and `}` are percent-escaped, so keys are unambiguous and no value makes a hash tag):
 *
 * | key                           | holds: a hash of                   | Redis TTL (cleanup)     |
 * | ----------------------------- | ---------------------------------- | ----------------------- |
 * | P`<kind>:<id>`                | a record: v, n, e, c, l (below)    | ttl of put(); or none   |
 * | P`<kind>:<id>`                | a counter: i = the count, e        | the window's            |
 * | P`<kind>:by:<lookup>:<value>` | a lookup index: id → `<seq> <e>`   | its latest e; or none   |
 *
 * Fields: v = the value as JSON, n = the version, e = expiresAt (epoch ms; absent,
 * or `-` in an index entry, for no expiry), c = consumedAt (epoch ms; set by
 * consume()), l = the lookups as JSON (absent when none). A record key has one
 * unescaped `:` after the prefix and an index key three, so the two never meet; a
 * counter shares the record keys, so a kind holds records or counters, not both.
 *
 * Time: every expiry is epoch milliseconds from the store's `clock`, kept in the
 * hash; every read and every script compares it with now (a script gets now as an
 * argument), so a record past it is never returned while Redis still holds it. The
 * PEXPIRE each write sets is only the cleanup of what is dead anyway.
 *
 * One key per command: every command and every script touches exactly one key, so
 * nothing is CROSSSLOT on a Cluster, no hash tag is needed and keys spread over all
 * slots (a prefix may carry its own tag, `oauth2:{auth}:`, to pin everything to one
 * slot; that works but is not needed). The one place where two keys belong together
 * is a record and its lookup index; they are written by separate commands, and
 * neither can be trusted alone, so:
 * - put() writes the record first and, once that succeeded, adds the id to each
 *   lookup's index. A put that fails between leaves a record no lookup finds, and
 *   rejects, so the caller knows.
 * - An index entry is only a hint: getBy() and listBy() read the record and return
 *   it only if it is live and its own `l` still holds that lookup value. A record
 *   that was replaced (other lookups), deleted or expired is skipped.
 * - getBy() returns the most recently put record: an entry's seq is the server's
 *   TIME in microseconds at the index write, forced above every seq in the index,
 *   so it grows with every put into that index (TIME inside a script that writes is
 *   why Redis 5 is the oldest supported); getBy walks the entries from the
 *   highest seq down and stops at the first record that checks out.
 * - Index entries do not outlive their use: each index write drops entries whose
 *   expiry passed (and keeps the later expiry when one id is put again, so a lost
 *   race never shortens it); getBy() and listBy() drop the stale entries they met
 *   with a script that removes an entry only if it is still the very entry read
 *   (same seq). A put racing that reader wrote its record before its index entry,
 *   so the reader either saw the new record (and keeps the entry) or the entry
 *   changed under it (and stays).
 *
 * Atomicity, each by one Lua script on one hash (EVALSHA, EVAL on NOSCRIPT); Redis
 * runs a script alone, so it holds across any number of connections and processes:
 * - put(): DEL, HSET and PEXPIRE in one script, so a reader never sees half a
 *   record (then the index writes, one script per lookup, sent together).
 * - consume(): reads v, e, c and, only if v is there, e is after now and c is unset,
 *   sets c to now and returns the record as it was. Exactly one caller gets it; the
 *   consumed record keeps its TTL.
 * - addOnce(): writes only if there is no live record (v there and e after now).
 * - update(): the patch is merged here (JSON as written, never re-encoded by Lua);
 *   the script writes the new value and version only if the version is still the
 *   one read, and returns the record after it. With an expected version that is the
 *   compare-and-set; without, a lost race merges again onto the winner's value
 *   (a retry only ever follows another update's success).
 * - increment(): HINCRBY while the window (e) is after now; otherwise a fresh
 *   counter at 1 with the ttl.
 *
 * Errors: anything the client throws (connection refused, "Connection is closed",
 * MaxRetriesPerRequestError, "Command timed out", CLUSTERDOWN, a script error, ...)
 * is rethrown as `StoreUnavailableError` with the original as `cause`; the engine
 * answers 503. That includes replies that mean a misconfiguration (NOAUTH,
 * WRONGTYPE or a failing script from a prefix shared with other data): still no
 * token, and the cause is in the log. A value read back that is not what this
 * module wrote is a plain `Error` (500).
 */
import { createHash } from 'node:crypto';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import type { Clock } from '../types.js';
import {
  checkTtl,
  expiryOf,
  isExpired,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { recordStores, type RecordStores } from './typed-stores.js';

/** A connection the host app made: one Redis (or Sentinel-managed) or a Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisStoreOptions {
  /** The ioredis `Redis` or `Cluster`. The host creates it, waits for `ready`, and closes it. Required. */
  client: RedisClient;
  /** Prepended to every key. Default `'oauth2:'`. */
  prefix?: string;
  /** The clock for expiry, `consumedAt` and counter windows, in epoch milliseconds. Default `Date.now`. */
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

/** A Lua script on one key, run by EVALSHA, sent with EVAL when the server does not know it yet. */
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

/** The record fields, in the order every script and read returns them. */
const FIELDS = ['v', 'e', 'c', 'n', 'l'] as const;

/** KEYS[1] a record; ARGV value JSON, expiresAt ('' for none), ttl ms, lookups JSON (''). */
const PUT = new Script(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'n', 1)
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'e', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'l', ARGV[4]) end
return 1`);

/** KEYS[1] a record; ARGV now, value JSON, expiresAt, ttl ms. 1 if added, 0 if a live one is there. */
const ADD_ONCE = new Script(`
local r = redis.call('HMGET', KEYS[1], 'v', 'e')
if r[1] and (not r[2] or tonumber(r[2]) > tonumber(ARGV[1])) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'n', 1, 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`);

/** KEYS[1] a record; ARGV now. The fields as they were (c unset), or nil. */
const CONSUME = new Script(`
local r = redis.call('HMGET', KEYS[1], 'v', 'e', 'c', 'n', 'l')
if not r[1] or r[3] or (r[2] and tonumber(r[2]) <= tonumber(ARGV[1])) then return false end
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return r`);

/**
 * KEYS[1] a record; ARGV now, the version read, the new value JSON. The fields
 * after the update; 0 when the version moved; nil when there is no live record.
 */
const UPDATE = new Script(`
local r = redis.call('HMGET', KEYS[1], 'v', 'e', 'c', 'n', 'l')
if not r[1] or (r[2] and tonumber(r[2]) <= tonumber(ARGV[1])) then return false end
if r[4] ~= ARGV[2] then return 0 end
local n = tonumber(r[4]) + 1
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'n', n)
r[1] = ARGV[3]
r[4] = tostring(n)
return r`);

/** KEYS[1] a counter; ARGV now, expiresAt of a new window, ttl ms. The new count. */
const INCREMENT = new Script(`
local r = redis.call('HMGET', KEYS[1], 'i', 'e')
if r[1] and r[2] and tonumber(r[2]) > tonumber(ARGV[1]) then
  return redis.call('HINCRBY', KEYS[1], 'i', 1)
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'i', 1, 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`);

/**
 * KEYS[1] a lookup index; ARGV now, a record id, its expiresAt ('-' for none).
 * Adds the entry with a seq above every other, drops expired entries, and sets the
 * index's TTL to its latest entry's expiry (none if one has none).
 */
const INDEX_ADD = new Script(`
local now = tonumber(ARGV[1])
local t = redis.call('TIME')
local seq = tonumber(t[1]) * 1000000 + tonumber(t[2])
local entry = ARGV[3]
local forever, latest = false, 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local s, e = string.match(all[i + 1], '^(%d+) (.+)$')
  if tonumber(s) >= seq then seq = tonumber(s) + 1 end
  if all[i] == ARGV[2] then
    if e == '-' or (entry ~= '-' and tonumber(e) > tonumber(entry)) then entry = e end
  elseif e ~= '-' and tonumber(e) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif e == '-' then
    forever = true
  elseif tonumber(e) > latest then
    latest = tonumber(e)
  end
end
redis.call('HSET', KEYS[1], ARGV[2], string.format('%.0f', seq) .. ' ' .. entry)
if forever or entry == '-' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(latest, tonumber(entry)) - now))
end
return 1`);

/** KEYS[1] a lookup index; ARGV pairs of record id and entry. Removes each entry that is still that entry. */
const INDEX_PRUNE = new Script(`
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`);

const escape = (part: string): string =>
  part.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The five record fields as Redis returns them (`null` for an absent one). */
type Fields = readonly unknown[];

/** A record read back, with the lookups it was put with. */
interface Found {
  readonly record: StoredRecord;
  readonly lookups: RecordLookups;
}

/** An entry of a lookup index. */
interface IndexEntry {
  readonly id: string;
  /** The raw entry, `<seq> <expiresAt or ->`, for the conditional prune. */
  readonly raw: string;
  readonly seq: number;
  readonly expiresAt: number | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An optional numeric field; throws when it is there but not a number. */
function numberField(raw: unknown): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw === '' || !Number.isFinite(n)) throw new Error('not a number');
  return n;
}

/** The record in `fields` (v, e, c, n, l); throws when they are not what this module writes. */
function parseFields(id: string, fields: Fields): Found {
  const [v, e, c, n, l] = fields;
  const value: unknown = JSON.parse(String(v));
  const lookups: unknown = l === null || l === undefined ? {} : JSON.parse(String(l));
  const version = numberField(n);
  if (!isObject(value) || !isObject(lookups) || version === undefined || version < 1) {
    throw new Error('not a record');
  }
  if (!Object.values(lookups).every((x) => typeof x === 'string')) throw new Error('bad lookups');
  const consumedAt = numberField(c);
  const record: StoredRecord = {
    id,
    value,
    expiresAt: numberField(e),
    version,
    ...(consumedAt === undefined ? {} : { consumedAt }),
  };
  return { record, lookups: lookups as RecordLookups };
}

/** The entries of an index (HGETALL), highest seq first; throws on one this module did not write. */
function parseIndex(key: string, hash: Record<string, string>): IndexEntry[] {
  const entries = Object.entries(hash).map(([id, raw]) => {
    const match = /^(\d+) (\d+|-)$/.exec(raw);
    if (match === null)
      throw new Error(`Redis store: ${key} holds an entry this module did not write`);
    const [, seq = '', expiry = ''] = match;
    return { id, raw, seq: Number(seq), expiresAt: expiry === '-' ? undefined : Number(expiry) };
  });
  return entries.sort((a, b) => b.seq - a.seq);
}

/**
 * The persistence primitive in Redis: one hash per record, one hash per lookup
 * value (see the module header for the keys and why each operation is atomic).
 * Every method rejects with `StoreUnavailableError` when Redis cannot be reached.
 *
 * @example
 * const records = new RedisRecordStore({ client: redis, prefix: 'myapp:oauth2:' });
 * await records.put('consent', id, { scope: ['read'] }, 3600, { subject: 'alice' });
 */
export class RedisRecordStore implements RecordStore {
  readonly clock: Clock;
  readonly #client: RedisClient;
  readonly #prefix: string;

  /** Throws a TypeError naming the option when `client`, `prefix` or `clock` is not usable. */
  constructor(options: RedisStoreOptions) {
    const { client, prefix = 'oauth2:', clock = Date.now } = options ?? ({} as RedisStoreOptions);
    if (typeof client?.evalsha !== 'function' || typeof client.hmget !== 'function') {
      throw new TypeError('Redis store: options.client must be an ioredis Redis or Cluster');
    }
    if (typeof prefix !== 'string')
      throw new TypeError('Redis store: options.prefix must be a string');
    if (typeof clock !== 'function')
      throw new TypeError('Redis store: options.clock must be a function');
    this.#client = client;
    this.#prefix = prefix;
    this.clock = clock;
  }

  async put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups: RecordLookups = {},
  ): Promise<void> {
    checkTtl(ttl, true);
    const now = this.clock();
    const expiresAt = expiryOf(now, ttl);
    const entries = Object.entries(lookups);
    const args = [
      JSON.stringify(value),
      expiresAt ?? '',
      ttl === undefined ? '' : Math.ceil(ttl * 1000),
      entries.length === 0 ? '' : JSON.stringify(lookups),
    ];
    await this.#redis('put', async () => {
      await PUT.run(this.#client, this.#key(kind, id), ...args);
      // Only once the record is written (see the header): an entry never comes before its record.
      await Promise.all(
        entries.map(([lookup, v]) =>
          INDEX_ADD.run(this.#client, this.#indexKey(kind, lookup, v), now, id, expiresAt ?? '-'),
        ),
      );
    });
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    return (await this.#read(kind, id))?.record;
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const key = this.#indexKey(kind, lookup, value);
    const stale: IndexEntry[] = [];
    let found: StoredRecord | undefined;
    for (const entry of await this.#entries(key)) {
      found = await this.#carrying(kind, entry, lookup, value);
      if (found !== undefined) break;
      stale.push(entry);
    }
    await this.#prune(key, stale);
    return found;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const key = this.#indexKey(kind, lookup, value);
    const entries = await this.#entries(key);
    const found = await Promise.all(entries.map((e) => this.#carrying(kind, e, lookup, value)));
    await this.#prune(
      key,
      entries.filter((_, i) => found[i] === undefined),
    );
    return found.filter((record) => record !== undefined);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    const now = this.clock();
    const args = [now, JSON.stringify(value), expiryOf(now, ttl) ?? '', Math.ceil(ttl * 1000)];
    const added = await this.#redis('addOnce', () =>
      ADD_ONCE.run(this.#client, this.#key(kind, id), ...args),
    );
    return added === 1;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const key = this.#key(kind, id);
    const fields = await this.#redis('consume', () => CONSUME.run(this.#client, key, this.clock()));
    return fields === null ? undefined : this.#parse(key, id, fields).record;
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    const key = this.#key(kind, id);
    for (;;) {
      const current = (await this.#read(kind, id))?.record;
      if (current === undefined) return undefined;
      if (expectedVersion !== undefined && current.version !== expectedVersion) return undefined;
      const json = JSON.stringify(mergePatch(current.value, patch));
      const reply = await this.#redis('update', () =>
        UPDATE.run(this.#client, key, this.clock(), current.version, json),
      );
      if (reply === null) return undefined;
      if (reply !== 0) return this.#parse(key, id, reply).record;
      // Another update won this version: without an expected version, merge onto its value.
      if (expectedVersion !== undefined) return undefined;
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    await this.#redis('delete', () => this.#client.del(this.#key(kind, id)));
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const now = this.clock();
    const args = [now, expiryOf(now, ttl) ?? '', Math.ceil(ttl * 1000)];
    const count = await this.#redis('increment', () =>
      INCREMENT.run(this.#client, this.#key(kind, id), ...args),
    );
    if (typeof count !== 'number')
      throw new Error(`Redis store: increment returned ${String(count)}`);
    return count;
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}${escape(kind)}:${escape(id)}`;
  }

  #indexKey(kind: string, lookup: string, value: string): string {
    return `${this.#prefix}${escape(kind)}:by:${escape(lookup)}:${escape(value)}`;
  }

  /** Runs round trips; whatever the client throws becomes StoreUnavailableError. */
  async #redis<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`Redis store: ${operation} failed`, { cause: err });
    }
  }

  /** The live record at `(kind, id)` and its lookups. */
  async #read(kind: string, id: string): Promise<Found | undefined> {
    const key = this.#key(kind, id);
    const fields = await this.#redis('get', () => this.#client.hmget(key, ...FIELDS));
    if (fields[0] === null || fields[0] === undefined) return undefined;
    const found = this.#parse(key, id, fields);
    return isExpired(found.record.expiresAt, this.clock()) ? undefined : found;
  }

  /** The record of an index entry if it is live and still carries `lookup` = `value`. */
  async #carrying(
    kind: string,
    entry: IndexEntry,
    lookup: string,
    value: string,
  ): Promise<StoredRecord | undefined> {
    if (isExpired(entry.expiresAt, this.clock())) return undefined;
    const found = await this.#read(kind, entry.id);
    return found?.lookups[lookup] === value ? found.record : undefined;
  }

  async #entries(key: string): Promise<IndexEntry[]> {
    return parseIndex(key, await this.#redis('lookup', () => this.#client.hgetall(key)));
  }

  /** Removes the stale entries a reader met, each only if no put changed it since. */
  async #prune(key: string, stale: readonly IndexEntry[]): Promise<void> {
    if (stale.length === 0) return;
    const args = stale.flatMap((entry) => [entry.id, entry.raw]);
    await this.#redis('lookup', () => INDEX_PRUNE.run(this.#client, key, ...args));
  }

  /** The record in a script's or HMGET's reply; a plain Error when it is not what this module wrote. */
  #parse(key: string, id: string, fields: unknown): Found {
    try {
      if (!Array.isArray(fields) || fields.length !== FIELDS.length) throw new Error('not a reply');
      return parseFields(id, fields);
    } catch (err) {
      throw new Error(`Redis store: ${key} holds a value this module did not write`, {
        cause: err,
      });
    }
  }
}

/**
 * Every typed store over one {@link RedisRecordStore} (the options are its
 * options; the same TypeErrors for bad ones):
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL, { ...redisFailFastOptions, lazyConnect: true });
 * await redis.connect();
 * const stores = redisStores({ client: redis, prefix: 'myapp:oauth2:' });
 */
export function redisStores(options: RedisStoreOptions): RecordStores {
  return recordStores(new RedisRecordStore(options));
}
