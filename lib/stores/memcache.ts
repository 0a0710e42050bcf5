/**
 * The record store (lib/stores/records.ts) on memcached, through a memjs client
 * the host app created; `memcacheStores()` puts the typed stores on it.
 *
 * Keys (all under `prefix`, default `oauth2:`; `<w>` is a random id that each
 * `put()` or `addOnce()` gives the record it writes):
 *
 * | key | value | memcached expiry |
 * | --- | --- | --- |
 * | `rec:<kind>:<id>` | the record as written: `{ w, e, v, l }` (write id, expiry in epoch ms, value, lookups) | its ttl |
 * | `ver:<kind>:<id>:<w>:<n>` | `{ v }`: the value at version `n` (2, 3, …), written by `update()` | the record's expiry |
 * | `used:<kind>:<id>:<w>` | when `consume()` took the record (epoch ms) | the record's expiry |
 * | `take:<kind>:<id>:<w>` | `1`: an `addOnce()` replaced this expired record | the new record's ttl |
 * | `by:<kind>:<lookup>:<value>` | `{ id }` of the record last put with that lookup | the record's ttl |
 * | `idx:<kind>:<lookup>:<value>` | `["<id>",<expiry>],` once per put with that lookup | the latest expiry in it |
 * | `win:<kind>:<id>:<g>`, `cnt:<kind>:<id>:<g>` | `increment()` window `g`: its end (epoch ms), its count | 2 × ttl, the window's end |
 * | `gen:<kind>:<id>` | the latest window `g` of that counter | 2 × ttl |
 *
 * A key part that is not short and plain (letters, digits, `._~@+=-`) is replaced
 * by `#` and its SHA-256, so every key stays within memcached's 250 bytes and no
 * part can contain the `:` between parts.
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
 * record it names still has that lookup; when not, it walks the `idx` index from
 * its newest entry. `listBy()` reads every record the index names and keeps the
 * live ones that still have the lookup. The index grows with `append` (atomic);
 * since `append` keeps a key's expiry, each writer then `touch`es the index to
 * the latest expiry among its entries, and reads it again until no entry was
 * added meanwhile, so the last `touch` always covers every entry. An index keeps
 * one entry per put until it expires: fine for tokens and consents, not for a
 * lookup value put millions of times within a TTL.
 *
 * Time: every expiry is epoch ms by `clock`, stored with the value and checked on
 * every read; memcached's own expiry is only the cleanup. memcached reads an
 * expiry over 30 days as an absolute Unix time, so longer ones are sent as
 * `now + ttl` (by this machine's clock: keep the clocks in sync).
 *
 * memcached is a cache: it may evict any key when its memory is full (an evicted
 * `used` marker revives a consumed code). Start it with `-M` (answer "out of
 * memory" instead of evicting) and enough memory (`-m`). For the same reason it
 * keeps nothing without an expiry: `put()` without a ttl is a TypeError, and
 * `memcacheStores()` gives no client registry (the provider's configured clients
 * are used; keep a client registry in Redis or SQL).
 *
 * Every memjs error (refused connection, timeout, out of memory) becomes a
 * `StoreUnavailableError` with the original as `cause`; a value that is not what
 * the store wrote is a plain `Error`. memjs's defaults retry each command twice
 * and log to the console; a fail-fast client:
 *
 *     memjs.Client.create('127.0.0.1:11211', { retries: 1, timeout: 0.5, conntimeout: 1, logger: { log() {} } })
 *
 * The client must use memjs's default (pass-through) serializer.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Client as MemjsClient } from 'memjs';
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

/** The memjs methods the store uses. */
export type MemcacheClient = Pick<
  MemjsClient,
  'get' | 'set' | 'add' | 'delete' | 'append' | 'touch' | 'increment'
>;

export interface MemcacheStoreOptions {
  /** A memjs client with the default serializer (see the header for a fail-fast one). Required. */
  client: MemcacheClient;
  /** Prepended to every key: up to 64 printable characters, no spaces. Default `'oauth2:'`. */
  prefix?: string;
  /** The clock for every expiry and `consumedAt`, in epoch milliseconds. Default `Date.now`. */
  clock?: Clock;
}

/** memcached reads an expiry over this many seconds as an absolute Unix time. */
const MAX_RELATIVE_EXPIRY = 60 * 60 * 24 * 30;

const PLAIN_KEY_PART = /^[A-Za-z0-9._~@+=-]{1,48}$/;
const PREFIX = /^[\x21-\x7e]{0,64}$/;

const NO_EXPIRY =
  'memcache store: put() needs a ttl: memcached may evict any key at any time, so it ' +
  'cannot hold clients or anything else without an expiry; keep clients in Redis or SQL';

/** The `expires` to send for a TTL in seconds: at least 1 (0 means "never"), absolute past 30 days. */
export function memcacheExpiry(ttl: number): number {
  const seconds = Math.max(1, Math.ceil(ttl));
  return seconds > MAX_RELATIVE_EXPIRY ? Math.floor(Date.now() / 1000) + seconds : seconds;
}

function keyPart(value: string): string {
  return PLAIN_KEY_PART.test(value)
    ? value
    : `#${createHash('sha256').update(value).digest('base64url')}`;
}

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHead(value: unknown): value is Head {
  return (
    isObject(value) &&
    typeof value['w'] === 'string' &&
    typeof value['e'] === 'number' &&
    isObject(value['v'])
  );
}

/** A value must be a JSON object, lookups non-empty strings: anything else is the caller's bug. */
function checkRecord(value: RecordValue, lookups: RecordLookups): void {
  if (!isObject(value)) throw new TypeError('memcache store: a record value must be a JSON object');
  for (const [name, v] of Object.entries(lookups)) {
    if (name === '' || typeof v !== 'string' || v === '')
      throw new TypeError(
        `memcache store: lookup ${JSON.stringify(name)} must be a non-empty string`,
      );
  }
}

function toRecord(id: string, state: State): StoredRecord {
  const record = { id, value: state.value, expiresAt: state.head.e, version: state.version };
  return state.consumedAt === undefined ? record : { ...record, consumedAt: state.consumedAt };
}

/** The index entries `[id, expiresAt]`, newest last. */
function indexEntries(raw: string): Array<[string, number]> {
  let entries: unknown;
  try {
    entries = JSON.parse(`[${raw.slice(0, -1)}]`);
  } catch (err) {
    throw new Error('memcache store: an index is not what the store wrote', { cause: err });
  }
  const valid = (entry: unknown): entry is [string, number] =>
    Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number';
  if (!Array.isArray(entries) || !entries.every(valid))
    throw new Error('memcache store: an index is not what the store wrote');
  return entries;
}

/** The record store on memcached. See the module header. */
export class MemcacheRecordStore implements RecordStore {
  readonly #client: MemcacheClient;
  readonly #prefix: string;
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;

  constructor(options: MemcacheStoreOptions) {
    const {
      client,
      prefix = 'oauth2:',
      clock = Date.now,
    } = options ?? ({} as MemcacheStoreOptions);
    if (typeof client?.add !== 'function' || typeof client.append !== 'function')
      throw new TypeError('memcache store: options.client must be a memjs Client');
    if (typeof prefix !== 'string' || !PREFIX.test(prefix))
      throw new TypeError(
        'memcache store: options.prefix must be a string of up to 64 printable characters without spaces',
      );
    if (typeof clock !== 'function')
      throw new TypeError('memcache store: options.clock must be a function');
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
    if (ttl === undefined) throw new TypeError(NO_EXPIRY);
    checkTtl(ttl, false);
    checkRecord(value, lookups);
    const head: Head = { w: writeId(), e: this.#expiry(ttl), v: value, l: lookups };
    await this.#set(this.#key('rec', kind, id), JSON.stringify(head), memcacheExpiry(ttl));
    await Promise.all(
      Object.entries(lookups).map(async ([lookup, lookupValue]) => {
        const pointer = this.#key('by', kind, lookup, lookupValue);
        await this.#set(pointer, JSON.stringify({ id }), memcacheExpiry(ttl));
        await this.#addToIndex(this.#key('idx', kind, lookup, lookupValue), id, head.e);
      }),
    );
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const state = await this.#read(kind, id);
    return state === undefined ? undefined : toRecord(id, state);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const pointer = await this.#getJson(this.#key('by', kind, lookup, value));
    const pointed =
      isObject(pointer) && typeof pointer['id'] === 'string' ? pointer['id'] : undefined;
    if (pointed !== undefined) {
      const found = await this.#matching(kind, pointed, lookup, value);
      if (found !== undefined) return found;
    }
    // The pointed record was replaced, deleted or expired: the newest other one indexed.
    for (const id of (await this.#indexed(kind, lookup, value)).reverse()) {
      if (id === pointed) continue;
      const found = await this.#matching(kind, id, lookup, value);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const ids = await this.#indexed(kind, lookup, value);
    const found = await Promise.all(ids.map((id) => this.#matching(kind, id, lookup, value)));
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkRecord(value, {});
    const key = this.#key('rec', kind, id);
    const head = JSON.stringify({ w: writeId(), e: this.#expiry(ttl), v: value } satisfies Head);
    if (await this.#add(key, head, memcacheExpiry(ttl))) return true;
    const current = await this.#getHead(key);
    // Deleted between the two calls: one more add decides.
    if (current === undefined) return this.#add(key, head, memcacheExpiry(ttl));
    if (!isExpired(current.e, this.clock())) return false;
    // Dead by the clock, still held by memcached: the one add of its take-marker replaces it.
    const take = this.#key('take', kind, id, current.w);
    if (!(await this.#add(take, '1', memcacheExpiry(ttl)))) return false;
    await this.#set(key, head, memcacheExpiry(ttl));
    return true;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const state = await this.#read(kind, id);
    if (state === undefined || state.consumedAt !== undefined) return undefined;
    const marker = this.#key('used', kind, id, state.head.w);
    const won = await this.#add(marker, String(this.clock()), this.#until(state.head.e));
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
      if (await this.#add(key, JSON.stringify({ v: value }), this.#until(state.head.e)))
        return toRecord(id, { ...state, value, version });
      // Another caller made this version first.
      if (expectedVersion !== undefined) return undefined;
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    const key = this.#key('rec', kind, id);
    await this.#call('delete', () => this.#client.delete(key));
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const latest = Number((await this.#getRaw(this.#key('gen', kind, id))) ?? '0');
    for (let g = Number.isSafeInteger(latest) && latest > 0 ? latest : 0; ; g++) {
      const end = await this.#window(kind, id, g, ttl);
      if (isExpired(end, this.clock())) continue;
      const counter = this.#key('cnt', kind, id, String(g));
      const { value } = await this.#call('increment', () =>
        this.#client.increment(counter, 1, { initial: 1, expires: this.#until(end) }),
      );
      if (typeof value !== 'number') throw new Error('memcache store: incr returned no count');
      return value;
    }
  }

  /** The end (epoch ms) of counter window `g`, starting it now if nobody has. */
  async #window(kind: string, id: string, g: number, ttl: number): Promise<number> {
    const key = this.#key('win', kind, id, String(g));
    for (let attempt = 0; attempt < 3; attempt++) {
      const raw = await this.#getRaw(key);
      if (raw !== undefined) {
        const end = Number(raw);
        if (!Number.isFinite(end)) throw new Error(`memcache store: ${key} is not a window end`);
        return end;
      }
      const end = this.#expiry(ttl);
      if (await this.#add(key, String(end), memcacheExpiry(2 * ttl))) {
        if (g > 0) await this.#set(this.#key('gen', kind, id), String(g), memcacheExpiry(2 * ttl));
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
      this.#getRaw(this.#key('used', kind, id, head.w)),
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
      const next = await this.#getJson(
        this.#key('ver', kind, id, head.w, String(latest.version + 1)),
      );
      if (next === undefined) return latest;
      if (!isObject(next) || !isObject(next['v']))
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

  /** The ids in a lookup's index whose newest entry is live, oldest first, each once. */
  async #indexed(kind: string, lookup: string, value: string): Promise<string[]> {
    const raw = await this.#getRaw(this.#key('idx', kind, lookup, value));
    if (raw === undefined) return [];
    const newest = new Map<string, number>();
    for (const [id, expiresAt] of indexEntries(raw)) {
      newest.delete(id);
      newest.set(id, expiresAt);
    }
    const now = this.clock();
    return [...newest].filter(([, expiresAt]) => !isExpired(expiresAt, now)).map(([id]) => id);
  }

  /** Appends `[id, expiresAt]` to an index (creating it), then makes it live as long as its latest entry. */
  async #addToIndex(key: string, id: string, expiresAt: number): Promise<void> {
    const entry = `${JSON.stringify([id, expiresAt])},`;
    for (let attempt = 0; attempt < 3; attempt++) {
      // The first writer creates the index with its entry's expiry: nothing to extend.
      if (await this.#add(key, entry, this.#until(expiresAt))) return;
      if (await this.#append(key, entry)) {
        await this.#extendIndex(key);
        return;
      }
    }
    throw new Error('memcache store: an index keeps vanishing (is memcached evicting?)');
  }

  /**
   * `touch`es the index to its latest entry's expiry, then reads it again and
   * repeats while entries were appended meanwhile: whichever writer touches last
   * has read every entry appended before, and later appenders touch after it.
   */
  async #extendIndex(key: string): Promise<void> {
    let seen = -1;
    for (;;) {
      const raw = await this.#getRaw(key);
      if (raw === undefined || raw.length === seen) return;
      seen = raw.length;
      const latest = Math.max(...indexEntries(raw).map(([, expiresAt]) => expiresAt));
      if (!isExpired(latest, this.clock()))
        await this.#call('touch', () => this.#client.touch(key, this.#until(latest)));
    }
  }

  #key(tag: string, ...parts: string[]): string {
    return `${this.#prefix}${tag}:${parts.map(keyPart).join(':')}`;
  }

  /** The expiry (epoch ms) of a record written now with `ttl` seconds. */
  #expiry(ttl: number): number {
    return expiryOf(this.clock(), ttl) as number;
  }

  /** memcached's `expires` for a key that must live until `expiresAt` (epoch ms by the clock). */
  #until(expiresAt: number): number {
    return memcacheExpiry((expiresAt - this.clock()) / 1000);
  }

  /** Runs a memjs call; any failure becomes StoreUnavailableError. */
  async #call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`memcache store: ${op} failed`, { cause: err });
    }
  }

  async #getRaw(key: string): Promise<string | undefined> {
    const { value } = await this.#call('get', () => this.#client.get(key));
    return value === null ? undefined : value.toString('utf8');
  }

  async #getJson(key: string): Promise<unknown> {
    const raw = await this.#getRaw(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new Error(`memcache store: the value at ${key} is not what the store wrote`, {
        cause: err,
      });
    }
  }

  async #getHead(key: string): Promise<Head | undefined> {
    const head = await this.#getJson(key);
    if (head === undefined || isHead(head)) return head;
    throw new Error(`memcache store: the record at ${key} is not what the store wrote`);
  }

  async #set(key: string, value: string, expires: number): Promise<void> {
    await this.#call('set', () => this.#client.set(key, value, { expires }));
  }

  /** Appends to `key`: false when it does not exist (memcached answers NOT_STORED, memjs throws). */
  async #append(key: string, value: string): Promise<boolean> {
    try {
      return await this.#client.append(key, value);
    } catch (err) {
      if (err instanceof Error && /Item not stored$/.test(err.message)) return false;
      throw new StoreUnavailableError('memcache store: append failed', { cause: err });
    }
  }

  /** Adds `key` unless it exists: true for exactly one caller. */
  async #add(key: string, value: string, expires: number): Promise<boolean> {
    return this.#call('add', () => this.#client.add(key, value, { expires }));
  }
}

/** A random write id (16 characters). */
function writeId(): string {
  return randomBytes(12).toString('base64url');
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
