/**
 * The record store (lib/stores/records.ts) on memcached, through a memjs client
 * the host app created; `memcacheStores()` puts the typed stores on it. The
 * pieces: ./memcache/keys.ts (the keys and what each holds),
 * ./memcache/commands.ts (the memjs calls, their errors and expiries) and
 * ./memcache/lookup-index.ts (the index of each lookup value). This module and its
 * pieces import only types from memjs.
 *
 * Atomicity. memcached has no read-modify-write but `add` (succeeds only when
 * the key is absent), `append`, `incr` and `delete`, and memjs does not expose
 * CAS. `add` succeeds for exactly one caller over every connection, so each
 * atomic step is an `add` of a key that names what it decides:
 * - `consume()` reads the record and `add`s its `used` marker: the one caller
 *   whose add succeeds wins, every other finds the marker. The marker is the
 *   consumed state (`consumedAt` is its value), and it names the write id, so a
 *   record put again under the same id starts unconsumed.
 * - `update()` never rewrites a record: version `n + 1` is the key
 *   `ver:…:<w>:<n+1>`, made with `add`. Of the callers that read version `n`,
 *   exactly one adds `n + 1`; the others fail (with an expected version they get
 *   `undefined`, without one they read again and retry on the new version). A
 *   reader walks `ver` keys from 2 upwards until one is missing, so it sees the
 *   latest version. The head key is only written by `put()`/`addOnce()` (with a
 *   new write id), so an update can never overwrite a newer put.
 * - `addOnce()` `add`s the head key. When that fails because memcached still
 *   holds a record that is dead by the store's clock, the caller whose `add` of
 *   `take:…:<dead w>` succeeds replaces it; every other caller gets false. (A
 *   `put()` of the same id in that moment may be overwritten by it: replay
 *   caches and markers, which `addOnce()` is for, are never put.)
 * - `increment()` counts with `incr` (which creates the counter at 1, so no
 *   count is lost). Window `g` is started by the one `add` of `win:…:<g>`; when
 *   it has ended by the clock, callers move to `g + 1`, and the creator of a
 *   window records it in `gen` so later callers start there.
 * If memjs resends an `add` whose answer was lost, the resent one fails: then
 * nobody wins, never two.
 *
 * Lookups: `getBy()` follows the `by` pointer (the last put wins) and checks the
 * record it names still has that lookup; when not, it walks the lookup's index
 * from its newest entry. `listBy()` reads every record the index names and keeps
 * the live ones that still have the lookup.
 *
 * Time: every expiry is epoch ms by `clock`, stored with the value and checked on
 * every read; memcached's own expiry is only the cleanup.
 *
 * memcached is a cache: it may evict any key when its memory is full (an evicted
 * `used` marker revives a consumed code). Start it with `-M` (answer "out of
 * memory" instead of evicting) and enough memory (`-m`). For the same reason it
 * keeps nothing without an expiry: `put()` without a ttl is a TypeError, and
 * `memcacheStores()` gives no client registry (the provider's configured clients
 * are used; keep a client registry in Redis or SQL).
 *
 * Every memjs error becomes a `StoreUnavailableError` (./memcache/commands.ts).
 * memjs's defaults retry each command twice and log to the console; a fail-fast
 * client (with memjs's default serializer, which the store needs):
 *
 *     memjs.Client.create('127.0.0.1:11211', { retries: 1, timeout: 0.5, conntimeout: 1, logger: { log() {} } })
 */
import type { Clock } from '../types.js';
import {
  checkTtl,
  checkWrite,
  isJsonObject,
  expiryOf,
  isExpired,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { recordStores, type RecordStores } from './typed-stores.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { memcacheExpiry, MemcacheCommands, type MemcacheClient } from './memcache/commands.js';
import { MEMCACHE_PREFIX, memcacheKey, writeId } from './memcache/keys.js';
import { addToIndex, indexedIds } from './memcache/lookup-index.js';

/** The options of {@link MemcacheRecordStore} and {@link memcacheStores}. */
export interface MemcacheStoreOptions {
  /** A memjs client with the default serializer (see the header for a fail-fast one). Required. */
  client: MemcacheClient;
  /** Prepended to every key: up to 64 printable characters, no spaces. Default `'oauth2:'`. */
  prefix?: string;
  /** The clock for every expiry and `consumedAt`, in epoch milliseconds. Default `Date.now`. */
  clock?: Clock;
}

const MEMCACHE_STORE_KEYS = optionKeys<MemcacheStoreOptions>({
  client: true,
  prefix: true,
  clock: true,
});

const NO_EXPIRY =
  'memcache store: put() needs a ttl: memcached may evict any key at any time, so it ' +
  'cannot hold clients or anything else without an expiry; keep clients in Redis or SQL';

/** The head key's value: what `put()` or `addOnce()` wrote. */
interface Head {
  /** Write id: names the record's `ver`, `used` and `take` keys. */
  readonly w: string;
  /** Expiry, epoch ms. */
  readonly e: number;
  readonly v: RecordValue;
  readonly l?: RecordLookups;
}

/** A live record as read: its head, its latest version and its consumed marker. */
interface State {
  readonly head: Head;
  readonly value: RecordValue;
  readonly version: number;
  readonly consumedAt: number | undefined;
}

function isHead(value: unknown): value is Head {
  return (
    isJsonObject(value) &&
    typeof value['w'] === 'string' &&
    typeof value['e'] === 'number' &&
    isJsonObject(value['v'])
  );
}

function toRecord(id: string, state: State): StoredRecord {
  const record = { id, value: state.value, expiresAt: state.head.e, version: state.version };
  return state.consumedAt === undefined ? record : { ...record, consumedAt: state.consumedAt };
}

/** The record store on memcached. See the module header. */
export class MemcacheRecordStore implements RecordStore {
  readonly #memcached: MemcacheCommands;
  readonly #prefix: string;
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;

  constructor(options: MemcacheStoreOptions) {
    checkOptionKeys(options, MEMCACHE_STORE_KEYS, 'memcache store: options');
    const {
      client,
      prefix = 'oauth2:',
      clock = Date.now,
    } = options ?? ({} as MemcacheStoreOptions);
    if (typeof client?.add !== 'function' || typeof client.append !== 'function')
      throw new TypeError('memcache store: options.client must be a memjs Client');
    if (typeof prefix !== 'string' || !MEMCACHE_PREFIX.test(prefix))
      throw new TypeError(
        'memcache store: options.prefix must be a string of up to 64 printable characters without spaces',
      );
    if (typeof clock !== 'function')
      throw new TypeError('memcache store: options.clock must be a function');
    this.#memcached = new MemcacheCommands(client, clock);
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
    if (ttl === undefined) throw new TypeError(NO_EXPIRY);
    checkTtl(ttl, false);
    checkWrite(value, lookups);
    const head: Head = { w: writeId(), e: this.#expiry(ttl), v: value, l: lookups };
    const key = this.#key('rec', kind, id);
    await this.#memcached.set(key, JSON.stringify(head), memcacheExpiry(ttl));
    await Promise.all(
      Object.entries(lookups).map(async ([lookup, lookupValue]) => {
        const pointer = this.#key('by', kind, lookup, lookupValue);
        await this.#memcached.set(pointer, JSON.stringify({ id }), memcacheExpiry(ttl));
        const index = this.#key('idx', kind, lookup, lookupValue);
        await addToIndex(this.#memcached, index, id, head.e);
      }),
    );
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const state = await this.#read(kind, id);
    return state === undefined ? undefined : toRecord(id, state);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const pointer = await this.#memcached.getJson(this.#key('by', kind, lookup, value));
    const pointed =
      isJsonObject(pointer) && typeof pointer['id'] === 'string' ? pointer['id'] : undefined;
    if (pointed !== undefined) {
      const found = await this.#matching(kind, pointed, lookup, value);
      if (found !== undefined) return found;
    }
    // The pointed record was replaced, deleted or expired: the newest other one indexed.
    const indexed = await indexedIds(this.#memcached, this.#key('idx', kind, lookup, value));
    for (const id of indexed.reverse()) {
      if (id === pointed) continue;
      const found = await this.#matching(kind, id, lookup, value);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const ids = await indexedIds(this.#memcached, this.#key('idx', kind, lookup, value));
    const found = await Promise.all(ids.map((id) => this.#matching(kind, id, lookup, value)));
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkWrite(value);
    const key = this.#key('rec', kind, id);
    const head = JSON.stringify({ w: writeId(), e: this.#expiry(ttl), v: value } satisfies Head);
    if (await this.#memcached.add(key, head, memcacheExpiry(ttl))) return true;
    const current = await this.#getHead(key);
    // Deleted between the two calls: one more add decides.
    if (current === undefined) return this.#memcached.add(key, head, memcacheExpiry(ttl));
    if (!isExpired(current.e, this.clock())) return false;
    // Dead by the clock, still held by memcached: the one add of its take-marker replaces it.
    const take = this.#key('take', kind, id, current.w);
    if (!(await this.#memcached.add(take, '1', memcacheExpiry(ttl)))) return false;
    await this.#memcached.set(key, head, memcacheExpiry(ttl));
    return true;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const state = await this.#read(kind, id);
    if (state === undefined || state.consumedAt !== undefined) return undefined;
    const marker = this.#key('used', kind, id, state.head.w);
    const consumedAt = String(this.clock());
    const won = await this.#memcached.add(marker, consumedAt, this.#until(state.head.e));
    return won ? toRecord(id, state) : undefined;
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    for (;;) {
      const state = await this.#read(kind, id);
      if (state === undefined) return undefined;
      if (expectedVersion !== undefined && state.version !== expectedVersion) return undefined;
      const value = mergePatch(state.value, patch);
      const version = state.version + 1;
      const key = this.#key('ver', kind, id, state.head.w, String(version));
      if (await this.#memcached.add(key, JSON.stringify({ v: value }), this.#until(state.head.e)))
        return toRecord(id, { ...state, value, version });
      // Another caller made this version first.
      if (expectedVersion !== undefined) return undefined;
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    const key = this.#key('rec', kind, id);
    await this.#memcached.delete(key);
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const latest = Number((await this.#memcached.getRaw(this.#key('gen', kind, id))) ?? '0');
    for (let g = Number.isSafeInteger(latest) && latest > 0 ? latest : 0; ; g++) {
      const end = await this.#window(kind, id, g, ttl);
      if (isExpired(end, this.clock())) continue;
      const counter = this.#key('cnt', kind, id, String(g));
      const value = await this.#memcached.increment(counter, end);
      if (typeof value !== 'number') throw new Error('memcache store: incr returned no count');
      return value;
    }
  }

  /** The end (epoch ms) of counter window `g`, starting it now if nobody has. */
  async #window(kind: string, id: string, g: number, ttl: number): Promise<number> {
    const key = this.#key('win', kind, id, String(g));
    for (let attempt = 0; attempt < 3; attempt++) {
      const raw = await this.#memcached.getRaw(key);
      if (raw !== undefined) {
        const end = Number(raw);
        if (!Number.isFinite(end)) throw new Error(`memcache store: ${key} is not a window end`);
        return end;
      }
      const end = this.#expiry(ttl);
      if (await this.#memcached.add(key, String(end), memcacheExpiry(2 * ttl))) {
        if (g > 0)
          await this.#memcached.set(this.#key('gen', kind, id), String(g), memcacheExpiry(2 * ttl));
        return end;
      }
    }
    throw new Error('memcache store: a counter window keeps vanishing (is memcached evicting?)');
  }

  /** The live record with its latest version and consumed marker. */
  async #read(kind: string, id: string): Promise<State | undefined> {
    const head = await this.#getHead(this.#key('rec', kind, id));
    if (head === undefined || isExpired(head.e, this.clock())) return undefined;
    const [usedAt, latest] = await Promise.all([
      this.#memcached.getRaw(this.#key('used', kind, id, head.w)),
      this.#latest(kind, id, head),
    ]);
    return { head, ...latest, consumedAt: usedAt === undefined ? undefined : Number(usedAt) };
  }

  /** Walks the record's `ver` keys from 2 up to the first one missing. */
  async #latest(
    kind: string,
    id: string,
    head: Head,
  ): Promise<{ value: RecordValue; version: number }> {
    let latest = { value: head.v, version: 1 };
    for (;;) {
      const next = await this.#memcached.getJson(
        this.#key('ver', kind, id, head.w, String(latest.version + 1)),
      );
      if (next === undefined) return latest;
      if (!isJsonObject(next) || !isJsonObject(next['v']))
        throw new Error('memcache store: a record version is not what the store wrote');
      latest = { value: next['v'], version: latest.version + 1 };
    }
  }

  /** The live record `id`, if it still has `lookups[lookup] === value`. */
  async #matching(
    kind: string,
    id: string,
    lookup: string,
    value: string,
  ): Promise<StoredRecord | undefined> {
    const state = await this.#read(kind, id);
    const lookups = state?.head.l ?? {};
    if (state === undefined || !Object.hasOwn(lookups, lookup)) return undefined;
    return lookups[lookup] === value ? toRecord(id, state) : undefined;
  }

  #key(tag: string, ...parts: string[]): string {
    return memcacheKey(this.#prefix, tag, ...parts);
  }

  /** The expiry (epoch ms) of a record written now with `ttl` seconds. */
  #expiry(ttl: number): number {
    return expiryOf(this.clock(), ttl) as number;
  }

  /** memcached's `expires` for a key that must live until `expiresAt` (epoch ms by the clock). */
  #until(expiresAt: number): number {
    return this.#memcached.until(expiresAt);
  }

  async #getHead(key: string): Promise<Head | undefined> {
    const head = await this.#memcached.getJson(key);
    if (head === undefined || isHead(head)) return head;
    throw new Error(`memcache store: the record at ${key} is not what the store wrote`);
  }
}

/**
 * The typed stores on memcached. No client registry: memcached may evict it, so
 * the provider's configured clients are used.
 *
 * @example
 *     const client = memjs.Client.create('127.0.0.1:11211', { retries: 1, timeout: 0.5, conntimeout: 1 });
 *     const stores = memcacheStores({ client });
 */
export function memcacheStores(options: MemcacheStoreOptions): RecordStores {
  return recordStores(new MemcacheRecordStore(options), { clients: false });
}

export { memcacheExpiry, type MemcacheClient } from './memcache/commands.js';
