/**
 * Stores on memcached, through a memjs client the host app created.
 *
 * Keys (all under `keyPrefix`, default `oauth2:`):
 *
 * | key | value | lifetime |
 * | --- | --- | --- |
 * | `code:<id>` | the code record (JSON) | the `ttl` of `save()` |
 * | `code-used:<id>` | epoch seconds of the redemption | until the code's `expiresAt` |
 * | `at:<id>` | the access token record (JSON) | `ttl` |
 * | `at-key:<uniqueKey>` | the id of the last token saved with that key | `ttl` |
 * | `at-grant:<grantId>` | `1`: the grant's access tokens are revoked | the `ttl` of `revokeGrant()` |
 * | `rt:<id>`, `rt-used:<id>`, `rt-grant:<grantId>` | as for codes and access tokens | |
 * | `client:<id>` | the client (JSON) | no expiry |
 * | `consent:<subject, client>` | the scopes (JSON) | `ttl` |
 *
 * A key part that is not short and plain (letters, digits, `._~:@+=-`) is replaced
 * by `#` and its SHA-256, so every key stays within memcached's 250 bytes.
 *
 * memcached has no read-modify-write but `add`, `cas`, `incr` and `delete`. So a
 * record is never rewritten when it is consumed: `consume()` reads the record and,
 * if it is live and unused, `add`s its `-used` marker. `add` succeeds for exactly
 * one caller on every connection (it fails when the key exists), so the one whose
 * `add` succeeded is the winner. The marker is the consumed state: `find()` reads
 * the record and its marker together and reports `consumed: true` (and, for refresh
 * tokens, `consumedAt` from the marker's value). The marker lives until the
 * record's `expiresAt`, so a replay is seen for as long as the record is. (If memjs
 * resends an `add` whose answer was lost, the resent one fails: then nobody wins,
 * never two.)
 *
 * `revokeGrant()` writes a grant marker; `find()` of an access or refresh token
 * reads the marker of the token's grant, so tokens saved before and after the
 * call are hidden alike.
 *
 * TTLs: memcached reads an expiry over 30 days as an absolute Unix time, so longer
 * TTLs are sent as `now + ttl` (by this process's clock: keep the clocks in sync).
 * Every read also checks `expiresAt`, so a record is never returned past it.
 *
 * memcached is a cache: when its memory is full it evicts the least recently used
 * items, which here may be a consumed-marker or a revocation. Start it with `-M`
 * (answer "out of memory" instead of evicting) and give it enough memory (`-m`).
 * Every memjs error (refused connection, timeout, out of memory) becomes a
 * `StoreUnavailableError` with the original as `cause`. memjs's defaults retry
 * each command twice and log to the console; a fail-fast client:
 *
 *     memjs.Client.create('127.0.0.1:11211', { retries: 1, timeout: 0.5, conntimeout: 1, logger: { log() {} } })
 *
 * The client must use memjs's default (pass-through) serializer. A default
 * `expires` set on the client applies to the clients saved here, which have none.
 */
import { createHash } from 'node:crypto';
import type { Client as MemjsClient } from 'memjs';
import { StoreUnavailableError } from '../errors.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../types.js';
import type {
  AccessTokenStore,
  AuthorizationCodeStore,
  ClientStore,
  ConsentStore,
  RefreshTokenStore,
  Stores,
} from './types.js';

/** The memjs methods the stores use. */
export type MemcacheClient = Pick<MemjsClient, 'get' | 'set' | 'add' | 'delete'>;

export interface MemcacheStoreOptions {
  /** Prefix of every key, e.g. to share a memcached between apps. Default `'oauth2:'`. */
  keyPrefix?: string;
}

/** memcached reads an expiry over this many seconds as an absolute Unix time. */
const MAX_RELATIVE_EXPIRY = 60 * 60 * 24 * 30;

const PLAIN_KEY_PART = /^[A-Za-z0-9._~:@+=-]{1,128}$/;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The `expires` to send for a TTL in seconds: at least 1 (0 means "never"), absolute past 30 days. */
export function memcacheExpiry(ttl: number): number {
  const seconds = Math.max(1, Math.ceil(ttl));
  return seconds > MAX_RELATIVE_EXPIRY ? nowSeconds() + seconds : seconds;
}

function keyPart(value: string): string {
  return PLAIN_KEY_PART.test(value)
    ? value
    : `#${createHash('sha256').update(value).digest('base64url')}`;
}

/** Key building, JSON values and error translation, shared by every memcache store. */
abstract class MemcacheBase {
  protected readonly client: MemcacheClient;
  readonly #prefix: string;

  constructor(client: MemcacheClient, options: MemcacheStoreOptions) {
    this.client = client;
    this.#prefix = options.keyPrefix ?? 'oauth2:';
  }

  protected key(kind: string, part: string): string {
    return `${this.#prefix}${kind}:${keyPart(part)}`;
  }

  /** Runs a memjs call; any failure becomes StoreUnavailableError. */
  protected async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`memcached ${op} failed`, { cause: err });
    }
  }

  protected async getRaw(key: string): Promise<string | undefined> {
    const { value } = await this.call('get', () => this.client.get(key));
    return value === null ? undefined : value.toString('utf8');
  }

  protected async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.getRaw(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /** Sets `key`; without a TTL it never expires. */
  protected async setRaw(key: string, value: string, ttl: number | undefined): Promise<void> {
    const expires = ttl === undefined ? 0 : memcacheExpiry(ttl);
    await this.call('set', () => this.client.set(key, value, { expires }));
  }

  protected async setJson(key: string, value: unknown, ttl: number | undefined): Promise<void> {
    await this.setRaw(key, JSON.stringify(value), ttl);
  }

  protected async remove(key: string): Promise<void> {
    await this.call('delete', () => this.client.delete(key));
  }

  /** Adds `key` unless it exists: true for exactly one caller. */
  protected async addOnce(key: string, value: string, ttl: number): Promise<boolean> {
    return this.call('add', () => this.client.add(key, value, { expires: memcacheExpiry(ttl) }));
  }

  /** Whether the grant marker `kind:grantId` is set. */
  protected async grantRevoked(kind: string, grantId: string): Promise<boolean> {
    return (await this.getRaw(this.key(kind, grantId))) !== undefined;
  }
}

function expired(record: { expiresAt: number }): boolean {
  return record.expiresAt <= nowSeconds();
}

/** Seconds a consumed-marker must live: until the record's `expiresAt`, plus one for rounding. */
function markerTtl(record: { expiresAt: number }): number {
  return record.expiresAt - nowSeconds() + 1;
}

/** Clients, kept without expiry. */
export class MemcacheClientStore extends MemcacheBase implements ClientStore {
  constructor(client: MemcacheClient, options: MemcacheStoreOptions = {}) {
    super(client, options);
  }

  async find(clientId: string): Promise<Client | undefined> {
    return this.getJson<Client>(this.key('client', clientId));
  }

  async save(client: Client): Promise<void> {
    await this.setJson(this.key('client', client.id), client, undefined);
  }

  async delete(clientId: string): Promise<void> {
    await this.remove(this.key('client', clientId));
  }
}

export class MemcacheAuthorizationCodeStore extends MemcacheBase implements AuthorizationCodeStore {
  constructor(client: MemcacheClient, options: MemcacheStoreOptions = {}) {
    super(client, options);
  }

  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    await this.setJson(this.key('code', record.id), record, ttl);
  }

  /** The live record and whether it was consumed. */
  async #read(id: string): Promise<{ record: AuthorizationCodeRecord; used: boolean } | undefined> {
    const [record, used] = await Promise.all([
      this.getJson<AuthorizationCodeRecord>(this.key('code', id)),
      this.getRaw(this.key('code-used', id)),
    ]);
    if (record === undefined || expired(record)) return undefined;
    return { record, used: used !== undefined };
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const found = await this.#read(id);
    if (found === undefined) return undefined;
    return found.used ? { ...found.record, consumed: true } : found.record;
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const found = await this.#read(id);
    if (found === undefined || found.used || found.record.consumed === true) return undefined;
    // The successful add is the proof: every other caller finds the marker there.
    const won = await this.addOnce(
      this.key('code-used', id),
      String(nowSeconds()),
      markerTtl(found.record),
    );
    return won ? found.record : undefined;
  }
}

export class MemcacheAccessTokenStore extends MemcacheBase implements AccessTokenStore {
  constructor(client: MemcacheClient, options: MemcacheStoreOptions = {}) {
    super(client, options);
  }

  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    const { uniqueKey } = record;
    await Promise.all([
      this.setJson(this.key('at', record.id), record, ttl),
      uniqueKey === undefined
        ? undefined
        : this.setRaw(this.key('at-key', uniqueKey), record.id, ttl),
    ]);
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    const record = await this.getJson<AccessTokenRecord>(this.key('at', id));
    if (record === undefined || expired(record)) return undefined;
    return (await this.grantRevoked('at-grant', record.grantId)) ? undefined : record;
  }

  async revoke(id: string): Promise<void> {
    await this.remove(this.key('at', id));
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.setRaw(this.key('at-grant', grantId), '1', ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const id = await this.getRaw(this.key('at-key', uniqueKey));
    return id === undefined ? undefined : this.find(id);
  }
}

export class MemcacheRefreshTokenStore extends MemcacheBase implements RefreshTokenStore {
  constructor(client: MemcacheClient, options: MemcacheStoreOptions = {}) {
    super(client, options);
  }

  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    await this.setJson(this.key('rt', record.id), record, ttl);
  }

  /** The live record of a grant that was not revoked, and when it was consumed. */
  async #read(
    id: string,
  ): Promise<{ record: RefreshTokenRecord; usedAt: string | undefined } | undefined> {
    const [record, usedAt] = await Promise.all([
      this.getJson<RefreshTokenRecord>(this.key('rt', id)),
      this.getRaw(this.key('rt-used', id)),
    ]);
    if (record === undefined || expired(record)) return undefined;
    if (await this.grantRevoked('rt-grant', record.grantId)) return undefined;
    return { record, usedAt };
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const found = await this.#read(id);
    if (found === undefined) return undefined;
    if (found.usedAt === undefined) return found.record;
    return { ...found.record, consumed: true, consumedAt: Number(found.usedAt) };
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    const found = await this.#read(id);
    if (found === undefined || found.usedAt !== undefined || found.record.consumed === true)
      return undefined;
    const won = await this.addOnce(
      this.key('rt-used', id),
      String(nowSeconds()),
      markerTtl(found.record),
    );
    return won ? found.record : undefined;
  }

  async revoke(id: string): Promise<void> {
    await this.remove(this.key('rt', id));
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.setRaw(this.key('rt-grant', grantId), '1', ttl);
  }
}

export class MemcacheConsentStore extends MemcacheBase implements ConsentStore {
  constructor(client: MemcacheClient, options: MemcacheStoreOptions = {}) {
    super(client, options);
  }

  #key(subject: string, clientId: string): string {
    return this.key('consent', JSON.stringify([subject, clientId]));
  }

  async find(subject: string, clientId: string): Promise<readonly string[] | undefined> {
    return this.getJson<string[]>(this.#key(subject, clientId));
  }

  async save(
    subject: string,
    clientId: string,
    scope: readonly string[],
    ttl: number,
  ): Promise<void> {
    await this.setJson(this.#key(subject, clientId), scope, ttl);
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    await this.remove(this.#key(subject, clientId));
  }
}

/**
 * Every store on one memjs client:
 *
 *     const stores = memcacheStores(memjs.Client.create('127.0.0.1:11211', { retries: 1, timeout: 0.5 }));
 */
export function memcacheStores(client: MemcacheClient, options: MemcacheStoreOptions = {}): Stores {
  return {
    clients: new MemcacheClientStore(client, options),
    authorizationCodes: new MemcacheAuthorizationCodeStore(client, options),
    accessTokens: new MemcacheAccessTokenStore(client, options),
    refreshTokens: new MemcacheRefreshTokenStore(client, options),
    consents: new MemcacheConsentStore(client, options),
  };
}
