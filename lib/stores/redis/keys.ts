/**
 * The Redis record store's keys, and what the hash at each one holds.
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
 * Channels (pub/sub, not keys): P`changes:<kind>` carries an announcement,
 * `<e or -> <id>`, of each put of a kind the store announces (./watch.ts).
 *
 * Fields: v = the value as JSON, n = the version, e = expiresAt (epoch ms; absent,
 * or `-` in an index entry, for no expiry), c = consumedAt (epoch ms; set by
 * consume()), l = the lookups as JSON (absent when none). A record key has one
 * unescaped `:` after the prefix and an index key three, so the two never meet; a
 * counter shares the record keys, so a kind holds records or counters, not both.
 *
 * Rules:
 * - One key per command: every command and every script touches exactly one key,
 *   so nothing is CROSSSLOT on a Cluster, no hash tag is needed and keys spread
 *   over all slots (a prefix may carry its own tag, `oauth2:{auth}:`, to pin
 *   everything to one slot; that works but is not needed).
 * - A record or an index entry read back that is not what the store wrote is a
 *   plain `Error` naming the key (500), never a record.
 */
import type { RecordLookups, StoredRecord } from '../records.js';

const escape = (part: string): string =>
  part.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The key of the record (or counter) `id` of `kind`, under `prefix`. */
export function recordKey(prefix: string, kind: string, id: string): string {
  return `${prefix}${escape(kind)}:${escape(id)}`;
}

/** The key of the index of the records of `kind` put with `lookup` = `value`, under `prefix`. */
export function indexKey(prefix: string, kind: string, lookup: string, value: string): string {
  return `${prefix}${escape(kind)}:by:${escape(lookup)}:${escape(value)}`;
}

/** The pub/sub channel on which puts of `kind` are announced, under `prefix`. */
export function changesChannel(prefix: string, kind: string): string {
  return `${prefix}changes:${escape(kind)}`;
}

/** The announcement of a put: `<expiresAt or -> <id>`. */
export function announcement(id: string, expiresAt: number | undefined): string {
  return `${expiresAt ?? '-'} ${id}`;
}

/** The id and expiry an announcement names; undefined for a message this module did not send. */
export function parseAnnouncement(
  message: string,
): { id: string; expiresAt: number | undefined } | undefined {
  const match = /^(\d+|-) ([^]+)$/.exec(message);
  if (match === null) return undefined;
  const [, expiry = '', id = ''] = match;
  return { id, expiresAt: expiry === '-' ? undefined : Number(expiry) };
}

/** The record fields, in the order every script and read returns them. */
export const RECORD_FIELDS = ['v', 'e', 'c', 'n', 'l'] as const;

/** The five record fields as Redis returns them (`null` for an absent one). */
type Fields = readonly unknown[];

/** A record read back, with the lookups it was put with. */
export interface Found {
  readonly record: StoredRecord;
  readonly lookups: RecordLookups;
}

/** An entry of a lookup index. */
export interface IndexEntry {
  readonly id: string;
  /** The raw entry, `<seq> <expiresAt or ->`, for the conditional prune. */
  readonly raw: string;
  /** The order of the puts into the index: higher is later (server time in microseconds). */
  readonly seq: number;
  /** Epoch ms by the store's clock; `undefined` for no expiry. */
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

/**
 * The record `id` in a script's or HMGET's reply ({@link RECORD_FIELDS}, in that
 * order) read from `key`; a plain Error when it is not what the store wrote.
 */
export function parseRecord(key: string, id: string, fields: unknown): Found {
  try {
    if (!Array.isArray(fields) || fields.length !== RECORD_FIELDS.length)
      throw new Error('not a reply');
    return parseFields(id, fields);
  } catch (err) {
    throw new Error(`Redis store: ${key} holds a value this module did not write`, {
      cause: err,
    });
  }
}

/** The entries of the index at `key` (its HGETALL), highest seq first; throws on a stranger's. */
export function parseIndex(key: string, hash: Record<string, string>): IndexEntry[] {
  const entries = Object.entries(hash).map(([id, raw]) => {
    const match = /^(\d+) (\d+|-)$/.exec(raw);
    if (match === null)
      throw new Error(`Redis store: ${key} holds an entry this module did not write`);
    const [, seq = '', expiry = ''] = match;
    return { id, raw, seq: Number(seq), expiresAt: expiry === '-' ? undefined : Number(expiry) };
  });
  return entries.sort((a, b) => b.seq - a.seq);
}
