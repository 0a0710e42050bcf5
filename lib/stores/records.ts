/**
 * The persistence primitive: the one small interface every backend implements
 * once (memory, Redis, SQL, memcached, DynamoDB, MongoDB). The typed stores
 * (codes, tokens, consents, revoked grants, clients; later device codes,
 * pushed requests, replay caches, rate counters) are written once on top of it,
 * in ./typed-stores.ts, so a new kind of record is a new `kind` string and a few
 * lines there, not a new implementation per backend.
 *
 * Rules every implementation keeps (test/stores/record-contract.ts checks them
 * on every backend, races included):
 * - A record is addressed by `(kind, id)`; kinds never see each other's ids.
 * - Values are JSON objects; what `get()` returns equals what `put()` was given
 *   (keys whose value is `undefined` may be dropped, never turned into `null`).
 * - TTLs are seconds, given with the write, measured by the store's clock (a
 *   `clock` option in every backend, so tests can freeze time). A record whose
 *   TTL ran out is never returned, even while the backend still holds it.
 *   `ttl: undefined` means no expiry (clients); a backend that evicts (memcached)
 *   refuses it with a TypeError.
 * - `consume()`, `addOnce()`, `update()` with an expected version and
 *   `increment()` are atomic across connections and processes: of any number of
 *   parallel calls, exactly one consumes, exactly one adds, exactly one update
 *   per version wins, and every increment is counted.
 * - "Not found" is `undefined` (or `false`, `[]`), never an exception. A backend
 *   that cannot be reached throws `StoreUnavailableError`; a value that is not
 *   what the store wrote is a plain `Error` (500).
 *
 * Tiers, as express-session's Store: every method is required except
 * `increment()` (optional: rate limits need it; without it they use memory).
 */
import type { Clock } from '../types.js';

/** A JSON object: what a record holds. */
export type RecordValue = { readonly [key: string]: unknown };

/** A record as the primitive returns it. */
export interface StoredRecord<T extends RecordValue = RecordValue> {
  /** The record's id within its kind. */
  readonly id: string;
  readonly value: T;
  /** When the record expires, in epoch milliseconds; `undefined` for no expiry. */
  readonly expiresAt: number | undefined;
  /** When `consume()` took the record, in epoch milliseconds; absent until then. */
  readonly consumedAt?: number | undefined;
  /** 1 after `put()`; each successful `update()` adds 1. */
  readonly version: number;
}

/**
 * Secondary keys of a record: lookup name → value, e.g. `{ uniqueKey: '…' }` or
 * `{ subject: 'alice' }`. {@link RecordStore.getBy} and {@link RecordStore.listBy}
 * find records by them. Names and values are non-empty strings.
 */
export type RecordLookups = Readonly<Record<string, string>>;

/** The persistence primitive. See the module header for the rules. */
export interface RecordStore {
  /**
   * The store's clock, in epoch milliseconds (the `clock` option of every backend;
   * default `Date.now`). Expiry, `consumedAt` and counter windows follow it, and so
   * do the typed stores built on the store.
   */
  readonly clock: Clock;

  /**
   * Writes a record, replacing any earlier one with the same `(kind, id)`
   * (a replaced record's lookups no longer find it). `ttl` in seconds, or
   * `undefined` for no expiry. The version starts again at 1.
   */
  put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups?: RecordLookups,
  ): Promise<void>;

  /** The live record, consumed or not. */
  get(kind: string, id: string): Promise<StoredRecord | undefined>;

  /**
   * The live record most recently `put()` with `lookups[lookup] === value`
   * (e.g. a device code by its user code, a token by its unique key).
   */
  getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined>;

  /**
   * Every live record with `lookups[lookup] === value` (e.g. a user's consents),
   * in no particular order.
   */
  listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]>;

  /**
   * Adds a record only if no live one has this `(kind, id)`: true when this call
   * added it. For replay caches and markers; `value` defaults to `{}`.
   */
  addOnce(kind: string, id: string, ttl: number, value?: RecordValue): Promise<boolean>;

  /**
   * Takes a live, unconsumed record once: sets its `consumedAt` to now and returns
   * the record as it was before. Every other call, and any call for a missing,
   * expired or consumed record, gets `undefined`. The consumed record stays
   * readable (with `consumedAt`) until its TTL ends.
   */
  consume(kind: string, id: string): Promise<StoredRecord | undefined>;

  /**
   * Merges `patch` into a live record's value (top-level keys; a key set to
   * `undefined` is removed), keeping its TTL, lookups and `consumedAt`, and adds
   * 1 to its version. With `expectedVersion`, only if the record is still at that
   * version (compare-and-set). Returns the record after the update, or
   * `undefined` when it is missing, expired or at another version.
   */
  update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined>;

  /** Removes a record. Removing a missing one does nothing. */
  delete(kind: string, id: string): Promise<void>;

  /**
   * Optional. Adds 1 to a counter and returns the new count; a counter that does
   * not exist (or whose TTL ran out) starts at 1 with `ttl` seconds to live, and
   * later increments keep that expiry (a fixed window).
   */
  increment?(kind: string, id: string, ttl: number): Promise<number>;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks what a write gives the primitive, for every backend alike: the value
 * (or patch) must be a JSON object and every lookup a non-empty name with a
 * non-empty string value. Anything else is the caller's bug: a TypeError, and
 * nothing is written.
 */
export function checkWrite(value: unknown, lookups: unknown = {}): void {
  if (!isJsonObject(value)) throw new TypeError('a record value must be a JSON object');
  if (!isJsonObject(lookups)) throw new TypeError('lookups must be an object of strings');
  for (const [name, v] of Object.entries(lookups)) {
    if (name === '' || typeof v !== 'string' || v === '') {
      throw new TypeError(`lookup ${JSON.stringify(name)} must be a non-empty string`);
    }
  }
}

/** Checks a TTL argument; a TTL that is not a positive number is the caller's bug. */
export function checkTtl(ttl: number | undefined, allowNone: boolean): void {
  if (ttl === undefined) {
    if (!allowNone) throw new RangeError('ttl is required here');
    return;
  }
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new RangeError(`ttl must be a positive number of seconds, got ${String(ttl)}`);
  }
}

/** The expiry, in epoch milliseconds, of a record written now with `ttl` seconds. */
export function expiryOf(now: number, ttl: number | undefined): number | undefined {
  return ttl === undefined ? undefined : now + Math.ceil(ttl * 1000);
}

/** Whether a record with this expiry is dead at `now` (epoch ms). */
export function isExpired(expiresAt: number | undefined, now: number): boolean {
  return expiresAt !== undefined && expiresAt <= now;
}

/** `value` merged with `patch`: top-level keys; `undefined` removes a key. */
export function mergePatch(value: RecordValue, patch: RecordValue): RecordValue {
  checkWrite(patch);
  const out: Record<string, unknown> = { ...value };
  for (const [key, v] of Object.entries(patch)) {
    if (v === undefined) delete out[key];
    // defineProperty: a `__proto__` key (from JSON.parse) stays a plain key.
    else
      Object.defineProperty(out, key, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}
