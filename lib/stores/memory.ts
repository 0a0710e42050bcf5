/**
 * The embedded default: every store in one process's memory.
 *
 * Good for development, tests and a single process. Everything is lost on restart
 * and nothing is shared between processes, so with NODE_ENV=production the first
 * memory store created prints one warning.
 *
 * Expired entries are dropped on read and by a periodic sweep (an unref'd timer),
 * so memory does not grow without bound. Node runs JavaScript on one thread and
 * no method awaits between its read and its write, so `consume()` is atomic.
 */
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
  Stores,
} from './types.js';

export interface MemoryStoreOptions {
  /** Seconds between sweeps of expired entries. Default 60. */
  sweepInterval?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  clock?: Clock;
}

let warned = false;
function warnInProduction(): void {
  if (warned || process.env['NODE_ENV'] !== 'production') return;
  warned = true;
  process.emitWarning(
    'oauth2-stateless: memory stores keep tokens in this process only; they are lost on restart ' +
      'and not shared with other processes. Use the Redis or SQL stores in production.',
    { code: 'OAUTH2_MEMORY_STORE' },
  );
}

interface Entry<T> {
  value: T;
  /** Milliseconds since the epoch. */
  expires: number;
}

/** A Map whose entries expire; the building block of the memory stores. */
class ExpiringMap<T> {
  readonly #map = new Map<string, Entry<T>>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get(key: string): T | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#clock()) {
      this.#map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, ttlSeconds: number): void {
    this.#map.set(key, { value, expires: this.#clock() + ttlSeconds * 1000 });
  }

  /** Replaces the value and keeps the expiry. */
  replace(key: string, value: T): void {
    const entry = this.#map.get(key);
    if (entry !== undefined) entry.value = value;
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }

  sweep(): void {
    const now = this.#clock();
    for (const [key, entry] of this.#map) if (entry.expires <= now) this.#map.delete(key);
  }
}

/** Shared base: a clock, a sweep timer and the revoked-grant list. */
abstract class MemoryBase {
  protected readonly clock: Clock;
  protected readonly revokedGrants: ExpiringMap<true>;
  readonly #maps: ExpiringMap<unknown>[] = [];

  constructor(options: MemoryStoreOptions) {
    warnInProduction();
    this.clock = options.clock ?? Date.now;
    this.revokedGrants = this.map<true>();
    // The timer holds the store weakly, so a store nobody uses can be collected.
    const self = new WeakRef(this);
    const timer = setInterval(
      () => {
        const store = self.deref();
        if (store === undefined) clearInterval(timer);
        else store.sweep();
      },
      (options.sweepInterval ?? 60) * 1000,
    );
    timer.unref();
  }

  protected map<T>(): ExpiringMap<T> {
    const map = new ExpiringMap<T>(this.clock);
    this.#maps.push(map as ExpiringMap<unknown>);
    return map;
  }

  protected live<T extends { expiresAt: number; grantId: string }>(
    record: T | undefined,
  ): T | undefined {
    if (record === undefined) return undefined;
    if (record.expiresAt * 1000 <= this.clock()) return undefined;
    if (this.revokedGrants.get(record.grantId) !== undefined) return undefined;
    return record;
  }

  /** Drops every expired entry now (also done periodically). */
  sweep(): void {
    for (const map of this.#maps) map.sweep();
  }

  /** Number of entries held, expired ones included until the next sweep. */
  get size(): number {
    return this.#maps.reduce((n, m) => n + m.size, 0);
  }
}

/** Clients held in memory, e.g. a static list given to the provider. */
export class MemoryClientStore implements ClientStore {
  readonly #clients = new Map<string, Client>();

  constructor(clients: Iterable<Client> = []) {
    for (const client of clients) this.#clients.set(client.id, client);
  }

  async find(clientId: string): Promise<Client | undefined> {
    return this.#clients.get(clientId);
  }

  async save(client: Client): Promise<void> {
    this.#clients.set(client.id, client);
  }

  async delete(clientId: string): Promise<void> {
    this.#clients.delete(clientId);
  }
}

export class MemoryAuthorizationCodeStore extends MemoryBase implements AuthorizationCodeStore {
  readonly #codes = this.map<AuthorizationCodeRecord>();

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
  }

  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    this.#codes.set(record.id, record, ttl);
  }

  #live(id: string): AuthorizationCodeRecord | undefined {
    const record = this.#codes.get(id);
    return record === undefined || record.expiresAt * 1000 <= this.clock() ? undefined : record;
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.#live(id);
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    // No await between this read and the write below: that is what makes it atomic.
    const record = this.#live(id);
    if (record === undefined || record.consumed === true) return undefined;
    this.#codes.replace(id, { ...record, consumed: true });
    return record;
  }
}

export class MemoryAccessTokenStore extends MemoryBase implements AccessTokenStore {
  readonly #tokens = this.map<AccessTokenRecord>();
  readonly #unique = this.map<string>();

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
  }

  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    this.#tokens.set(record.id, record, ttl);
    if (record.uniqueKey !== undefined) this.#unique.set(record.uniqueKey, record.id, ttl);
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    return this.live(this.#tokens.get(id));
  }

  async revoke(id: string): Promise<void> {
    this.#tokens.delete(id);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    this.revokedGrants.set(grantId, true, ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const id = this.#unique.get(uniqueKey);
    return id === undefined ? undefined : this.find(id);
  }
}

export class MemoryRefreshTokenStore extends MemoryBase implements RefreshTokenStore {
  readonly #tokens = this.map<RefreshTokenRecord>();

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
  }

  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    this.#tokens.set(record.id, record, ttl);
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    return this.live(this.#tokens.get(id));
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    const record = this.live(this.#tokens.get(id));
    if (record === undefined || record.consumed === true) return undefined;
    this.#tokens.replace(id, {
      ...record,
      consumed: true,
      consumedAt: Math.floor(this.clock() / 1000),
    });
    return record;
  }

  async revoke(id: string): Promise<void> {
    this.#tokens.delete(id);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    this.revokedGrants.set(grantId, true, ttl);
  }
}

export class MemoryConsentStore extends MemoryBase implements ConsentStore {
  readonly #consents = this.map<readonly string[]>();

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
  }

  async find(subject: string, clientId: string): Promise<readonly string[] | undefined> {
    return this.#consents.get(`${subject}\n${clientId}`);
  }

  async save(
    subject: string,
    clientId: string,
    scope: readonly string[],
    ttl: number,
  ): Promise<void> {
    this.#consents.set(`${subject}\n${clientId}`, [...scope], ttl);
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    this.#consents.delete(`${subject}\n${clientId}`);
  }
}

/** Memory stores for everything; `clients` is the static client list. */
export function memoryStores(
  clients: Iterable<Client> = [],
  options: MemoryStoreOptions = {},
): Stores {
  return {
    clients: new MemoryClientStore(clients),
    authorizationCodes: new MemoryAuthorizationCodeStore(options),
    accessTokens: new MemoryAccessTokenStore(options),
    refreshTokens: new MemoryRefreshTokenStore(options),
    consents: new MemoryConsentStore(options),
  };
}
