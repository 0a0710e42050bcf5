/**
 * The embedded default: every store in one process's memory.
 *
 * Good for development, tests and a single process. Everything is lost on restart
 * and nothing is shared between processes, so with NODE_ENV=production the first
 * memory store created prints one warning.
 *
 * Rules:
 * - Expired entries are dropped on read and by a periodic sweep (an unref'd timer
 *   that holds its store weakly), so memory does not grow without bound and no
 *   timer keeps the process alive.
 * - Node runs JavaScript on one thread and no method awaits between its read and
 *   its write, so `consume()`, `addOnce()`, `update()` and `increment()` are atomic.
 * - {@link MemoryRecordStore} keeps every key in a Map (never an object's
 *   properties), so ids such as `__proto__` are plain ids; it keeps values as JSON
 *   text, so what a caller does with an object it gave or got changes nothing stored;
 *   lookups are indexed, so `getBy()` and `listBy()` never scan every record.
 */
import type { Clock } from '../types.js';
import {
  checkTtl,
  checkWrite,
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

export interface MemoryStoreOptions {
  /** Seconds between sweeps of expired entries. Default 60. */
  sweepInterval?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  clock?: Clock;
}

const MEMORY_STORE_KEYS = optionKeys<MemoryStoreOptions>({ sweepInterval: true, clock: true });

/** Checks the options (a TypeError names the bad one) and returns the clock. */
function checkOptions(options: MemoryStoreOptions): Clock {
  checkOptionKeys(options, MEMORY_STORE_KEYS, 'memory store: options');
  const { clock, sweepInterval } = options;
  if (clock !== undefined && typeof clock !== 'function')
    throw new TypeError('memory store: `clock` must be a function returning epoch milliseconds');
  if (
    sweepInterval !== undefined &&
    (typeof sweepInterval !== 'number' || !Number.isFinite(sweepInterval) || sweepInterval <= 0)
  )
    throw new TypeError('memory store: `sweepInterval` must be a positive number of seconds');
  return clock ?? Date.now;
}

/**
 * Calls `store.sweep()` every `seconds` on an unref'd timer that holds the store
 * weakly, so a store nobody uses can be collected and the timer then stops.
 */
function startSweeping(store: { sweep(): void }, seconds = 60): void {
  const self = new WeakRef(store);
  const timer = setInterval(() => {
    const target = self.deref();
    if (target === undefined) clearInterval(timer);
    else target.sweep();
  }, seconds * 1000);
  timer.unref();
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

/** One record held by {@link MemoryRecordStore}. */
interface HeldRecord {
  readonly kind: string;
  readonly id: string;
  /** The value as JSON text: every read parses a fresh copy. */
  json: string;
  /** Epoch milliseconds; `undefined` for no expiry. */
  readonly expiresAt: number | undefined;
  /** Epoch milliseconds; `undefined` until consumed. */
  consumedAt: number | undefined;
  version: number;
  /** The record's lookups as `[name, value]` pairs. */
  readonly lookups: readonly (readonly [string, string])[];
}

/** A counter of {@link MemoryRecordStore.increment}: a fixed window. */
interface Counter {
  count: number;
  /** Epoch milliseconds. */
  readonly expiresAt: number | undefined;
}

/** A Map key for a tuple of strings; JSON keeps every tuple distinct (no `a:b` collisions). */
function keyOf(...parts: string[]): string {
  return JSON.stringify(parts);
}

/** `value` as JSON text, checked ({@link checkWrite}). */
function toJson(value: RecordValue): string {
  checkWrite(value);
  return JSON.stringify(value);
}

/** The lookups as pairs, checked ({@link checkWrite}). */
function lookupPairs(lookups: RecordLookups): [string, string][] {
  checkWrite({}, lookups);
  return Object.entries(lookups);
}

/** The record as the primitive returns it: a fresh copy of the value. */
function toStored(held: HeldRecord): StoredRecord {
  const { id, expiresAt, consumedAt, version } = held;
  const value = JSON.parse(held.json) as RecordValue;
  return consumedAt === undefined
    ? { id, value, expiresAt, version }
    : { id, value, expiresAt, consumedAt, version };
}

/**
 * The persistence primitive in this process's memory, `increment()` included.
 *
 * Records live in one Map keyed by `(kind, id)`; each lookup value has the set
 * of ids put with it, in the order they were put, so `getBy()` walks that set
 * from its newest end and `listBy()` reads only that set.
 *
 * @example
 * const records = new MemoryRecordStore({ clock: () => Date.now(), sweepInterval: 60 });
 * await records.put('code', id, { clientId: 'web' }, 600);
 */
export class MemoryRecordStore implements RecordStore {
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;
  /** `keyOf(kind, id)` → record. */
  readonly #records = new Map<string, HeldRecord>();
  /** `keyOf(kind, lookup, value)` → ids, oldest put first (a Set keeps insertion order). */
  readonly #index = new Map<string, Set<string>>();
  /** `keyOf(kind, id)` → counter. */
  readonly #counters = new Map<string, Counter>();

  /** @param options `clock` (epoch ms; default `Date.now`), `sweepInterval` (seconds; default 60). */
  constructor(options: MemoryStoreOptions = {}) {
    this.clock = checkOptions(options);
    warnInProduction();
    startSweeping(this, options.sweepInterval);
  }

  async put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups: RecordLookups = {},
  ): Promise<void> {
    checkTtl(ttl, true);
    this.#write(kind, id, toJson(value), ttl, lookupPairs(lookups));
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const held = this.#live(kind, id);
    return held === undefined ? undefined : toStored(held);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const ids = [...(this.#index.get(keyOf(kind, lookup, value)) ?? [])];
    for (let i = ids.length - 1; i >= 0; i--) {
      const held = this.#live(kind, ids[i] as string);
      if (held !== undefined) return toStored(held);
    }
    return undefined;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const ids = [...(this.#index.get(keyOf(kind, lookup, value)) ?? [])];
    return ids.flatMap((id) => {
      const held = this.#live(kind, id);
      return held === undefined ? [] : [toStored(held)];
    });
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    const json = toJson(value);
    if (this.#live(kind, id) !== undefined) return false;
    this.#write(kind, id, json, ttl, []);
    return true;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const held = this.#live(kind, id);
    if (held === undefined || held.consumedAt !== undefined) return undefined;
    const before = toStored(held);
    held.consumedAt = this.clock();
    return before;
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    const held = this.#live(kind, id);
    if (held === undefined) return undefined;
    if (expectedVersion !== undefined && held.version !== expectedVersion) return undefined;
    held.json = toJson(mergePatch(JSON.parse(held.json) as RecordValue, patch));
    held.version += 1;
    return toStored(held);
  }

  async delete(kind: string, id: string): Promise<void> {
    this.#remove(keyOf(kind, id));
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const key = keyOf(kind, id);
    const now = this.clock();
    const counter = this.#counters.get(key);
    if (counter !== undefined && !isExpired(counter.expiresAt, now)) return ++counter.count;
    this.#counters.set(key, { count: 1, expiresAt: expiryOf(now, ttl) });
    return 1;
  }

  /** Drops every expired record and counter now (also done periodically). */
  sweep(): void {
    const now = this.clock();
    for (const [key, held] of this.#records) if (isExpired(held.expiresAt, now)) this.#remove(key);
    for (const [key, counter] of this.#counters)
      if (isExpired(counter.expiresAt, now)) this.#counters.delete(key);
  }

  /** Entries held (records, counters, lookup values), expired ones included until read or swept. */
  get size(): number {
    return this.#records.size + this.#counters.size + this.#index.size;
  }

  /** The record, unless missing or expired (an expired one is dropped on the way). */
  #live(kind: string, id: string): HeldRecord | undefined {
    const key = keyOf(kind, id);
    const held = this.#records.get(key);
    if (held === undefined || !isExpired(held.expiresAt, this.clock())) return held;
    this.#remove(key);
    return undefined;
  }

  /** Replaces whatever `(kind, id)` held with a fresh record at version 1, newest in its lookups. */
  #write(
    kind: string,
    id: string,
    json: string,
    ttl: number | undefined,
    lookups: readonly (readonly [string, string])[],
  ): void {
    const key = keyOf(kind, id);
    this.#remove(key);
    const expiresAt = expiryOf(this.clock(), ttl);
    this.#records.set(key, {
      kind,
      id,
      json,
      expiresAt,
      consumedAt: undefined,
      version: 1,
      lookups,
    });
    for (const [name, value] of lookups) {
      const indexKey = keyOf(kind, name, value);
      const ids = this.#index.get(indexKey);
      if (ids === undefined) this.#index.set(indexKey, new Set([id]));
      else ids.add(id);
    }
  }

  /** Forgets a record and its lookups. */
  #remove(key: string): void {
    const held = this.#records.get(key);
    if (held === undefined) return;
    this.#records.delete(key);
    for (const [name, value] of held.lookups) {
      const indexKey = keyOf(held.kind, name, value);
      const ids = this.#index.get(indexKey);
      ids?.delete(held.id);
      if (ids?.size === 0) this.#index.delete(indexKey);
    }
  }
}

/**
 * Every typed store over one {@link MemoryRecordStore}: the provider's default.
 *
 * ```ts
 * const stores = memoryStores({ clock });
 * ```
 */
export function memoryStores(options: MemoryStoreOptions = {}): RecordStores {
  return recordStores(new MemoryRecordStore(options));
}
