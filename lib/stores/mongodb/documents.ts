/**
 * The MongoDB store's documents: how a record or a counter maps to a document of
 * its one collection.
 *
 * | document | fields |
 * | --- | --- |
 * | a record | `_id: '["<kind>","<id>"]'`, `data` (the value as JSON), `version`, `wid`, `seq`, `lookups`, `expiresAt`, `consumedAt`, `purgeAt` |
 * | a counter | `_id: '["<kind>","<id>","counter"]'`, `count`, `windowEnd`, `purgeAt` |
 *
 * Rules:
 * - Ids are JSON arrays (after the store's `prefix`), so no kind, id or lookup
 *   can run into another.
 * - The value is kept whole as JSON text in `data`, so it round-trips exactly
 *   (keys with `$` or `.`, `undefined` dropped, never stored as null); a `data`
 *   that is not a JSON object, or an `_id` the store did not write, is a plain
 *   `Error`.
 * - `lookups` is an array of `'["<kind>","<lookup>","<value>"]'` strings (after
 *   the prefix), indexed with `seq` (clock time, then this machine's time, then a
 *   counter of this process), so `getBy()` is one indexed query for the newest
 *   live match and `listBy()` one for all; a put replaces the array, so a replaced
 *   record's lookups are gone with it.
 * - `wid` is a random id per put, so an update read before a put again cannot
 *   land on the new record.
 * - `expiresAt`, `windowEnd` and `consumedAt` are epoch ms by the store's `clock`,
 *   checked in every filter; `purgeAt` (a Date: the same remaining lifetime
 *   counted from this machine's time) carries the TTL index, which is only the
 *   cleanup (MongoDB's TTL monitor runs once a minute).
 */
import { randomBytes } from 'node:crypto';
import { expiryOf, type RecordLookups, type RecordValue, type StoredRecord } from '../records.js';

/** A record's document. */
export interface RecordDoc {
  _id: string;
  /** The value as JSON text. */
  data: string;
  version: number;
  /** A random id per put. */
  wid: string;
  /** The put order: clock time, then this machine's, then this process's count. */
  seq: string;
  /** The lookups as `["<kind>","<lookup>","<value>"]` strings after the prefix. */
  lookups: string[];
  /** Epoch ms by the clock; absent for no expiry. */
  expiresAt?: number;
  /** Epoch ms by the clock; absent until consumed. */
  consumedAt?: number;
  /** The TTL index's field (cleanup only). */
  purgeAt?: Date;
}

/** A counter's document. */
export interface CounterDoc {
  _id: string;
  count: number;
  /** Epoch ms by the clock. */
  windowEnd: number;
  /** The TTL index's field (cleanup only). */
  purgeAt: Date;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `_id` of the record `id` of `kind`. */
export function recordId(prefix: string, kind: string, id: string): string {
  return `${prefix}${JSON.stringify([kind, id])}`;
}

/** The `_id` of the counter `id` of `kind`. */
export function counterId(prefix: string, kind: string, id: string): string {
  return `${prefix}${JSON.stringify([kind, id, 'counter'])}`;
}

/** The entry of `lookups` for `lookup` = `value` of a record of `kind`. */
export function lookupEntry(prefix: string, kind: string, lookup: string, value: string): string {
  return `${prefix}${JSON.stringify([kind, lookup, value])}`;
}

/** The record id inside a document's `_id`. */
export function idOf(prefix: string, doc: RecordDoc): string {
  const parts: unknown = JSON.parse(doc._id.slice(prefix.length));
  if (!Array.isArray(parts) || typeof parts[1] !== 'string')
    throw new Error('MongoDB store: a record _id is not what the store wrote');
  return parts[1];
}

/** A record's document as the primitive returns it. */
export function toRecord(id: string, doc: RecordDoc): StoredRecord {
  let value: unknown;
  try {
    value = JSON.parse(doc.data) as unknown;
  } catch (err) {
    throw new Error('MongoDB store: a record is not what the store wrote', { cause: err });
  }
  if (!isObject(value)) throw new Error('MongoDB store: a record value is not an object');
  const record = { id, value, expiresAt: doc.expiresAt, version: doc.version };
  return doc.consumedAt === undefined ? record : { ...record, consumedAt: doc.consumedAt };
}

/** A filter for documents not expired at `now` (epoch ms by the clock). */
export function liveAt(now: number): { $or: object[] } {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] };
}

/** The TTL index's Date for an expiry by the clock: the same remaining lifetime from this machine's time. */
export function purgeDate(expiresAt: number, now: number): Date {
  return new Date(Date.now() + (expiresAt - now));
}

let puts = 0;

/** The put order of a write at `now`: clock time, then this machine's, then this process's count. */
function putOrder(now: number): string {
  puts = (puts + 1) % 1e12;
  return [now, Date.now(), puts].map((n) => String(n).padStart(16, '0')).join('.');
}

/**
 * A new record's document at version 1, put at `now` (epoch ms by the clock) with
 * `ttl` seconds (`undefined`: no expiry).
 */
export function recordDoc(
  prefix: string,
  kind: string,
  id: string,
  value: RecordValue,
  ttl: number | undefined,
  lookups: RecordLookups,
  now: number,
): RecordDoc {
  const expiresAt = expiryOf(now, ttl);
  const doc: RecordDoc = {
    _id: recordId(prefix, kind, id),
    data: JSON.stringify(value),
    version: 1,
    wid: randomBytes(12).toString('base64url'),
    seq: putOrder(now),
    lookups: Object.entries(lookups).map(([name, v]) => lookupEntry(prefix, kind, name, v)),
  };
  if (expiresAt !== undefined) {
    doc.expiresAt = expiresAt;
    doc.purgeAt = purgeDate(expiresAt, now);
  }
  return doc;
}
