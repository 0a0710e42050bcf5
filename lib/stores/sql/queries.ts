/**
 * What a SQL dialect provides: the table names and every statement the record
 * store runs (lib/stores/sql/mysql.ts and postgres.ts fill it in).
 *
 * Rules:
 * - Parameters are bound in the order listed for each statement, so one
 *   parameter array serves both dialects: MySQL's `?` take them once each, in
 *   order; PostgreSQL's `$n` may use one twice. Table names come only from a
 *   validated prefix; values only ever travel as parameters.
 * - Times are epoch milliseconds from the store's clock, sent as parameters
 *   (`now`); no statement reads the database's clock. A row is live while
 *   `expires_at IS NULL OR expires_at > now`.
 * - `put_id` is a random id written by every `put()` (and by an `addOnce()` or
 *   `increment()` that creates the row). A lookup row finds its record only
 *   while the record still carries the lookup's `put_id`, so a replaced
 *   record's lookups never find it, whatever order parallel puts ran in.
 *   Conditional updates check `put_id` and `version`: "the row is still the
 *   one that was read".
 */

/** The default table prefix. */
export const DEFAULT_TABLE_PREFIX = 'oauth2_';

/** Lower-case letters, digits and `_`, at most 32 characters (PostgreSQL's identifiers end at 63). */
const PREFIX = /^(?:[a-z_][a-z0-9_]{0,31})?$/;

/** The tables of the SQL record store. */
export interface TableNames {
  /** One row per record: kind, id, JSON value, expiry, consumption, version. */
  readonly records: string;
  /** One row per lookup of a record: kind, lookup name, value, id, and an ordering column. */
  readonly lookups: string;
}

/**
 * The table names for a prefix (default `oauth2_`). Throws a TypeError naming
 * `option` when the prefix is not lower-case letters, digits and `_` (at most
 * 32, not starting with a digit).
 */
export function sqlTableNames(
  prefix: string = DEFAULT_TABLE_PREFIX,
  option = 'options.prefix',
): TableNames {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(
      `oauth2-stateless: ${option} must be lower-case letters, digits and "_" (at most 32, not starting with a digit); got ${JSON.stringify(prefix)}`,
    );
  }
  return Object.freeze({ records: `${prefix}records`, lookups: `${prefix}record_lookups` });
}

/** The columns every record read selects, in this order. */
export const RECORD_COLUMNS = [
  'id',
  'value',
  'expires_at',
  'consumed_at',
  'version',
  'put_id',
] as const;

/** How a dialect takes a record once. */
export type ConsumeStatement =
  /** One `UPDATE ... RETURNING` the row. Params: now, kind, id, now. */
  | { readonly returning: string }
  /**
   * An UPDATE that matches only the row as it was read (put id, version,
   * unconsumed, live); the store reads first. Params: now, kind, id, put id,
   * version, now.
   */
  | { readonly ifUnchanged: string };

/** How a dialect adds a record only if no live one has its key. */
export type AddOnceStatements =
  /**
   * One upsert that inserts, or replaces an expired row, and returns a row only
   * when it did. Params: kind, id, value, expires_at, put id, now.
   */
  | { readonly upsert: string }
  /**
   * An UPDATE that replaces an expired row (params: value, expires_at, put id,
   * kind, id, now), then, when it matched nothing, a plain INSERT that fails
   * with a duplicate-key error if any row has the key (params: kind, id,
   * value, expires_at, put id).
   */
  | { readonly replaceExpired: string; readonly insert: string };

/** How a dialect reports the new count of an increment. */
export type IncrementStatement =
  /** An upsert returning the count in a `version` column. */
  | { readonly returning: string }
  /** An upsert that puts the count in the result's insert id when it updated a row (MySQL's `LAST_INSERT_ID(expr)`). */
  | { readonly insertId: string };

export interface Queries {
  readonly tables: TableNames;
  /**
   * Insert or replace a record, version 1, not consumed. Params: kind, id,
   * value, expires_at, put id.
   */
  readonly put: string;
  /**
   * Inserts `count` (≥ 1) lookup rows. Params, per row: kind, name, value, id,
   * put id, expires_at.
   */
  insertLookups(count: number): string;
  /** Deletes the lookups of a record that are not of its current put (or of no record). Params: kind, id. */
  readonly pruneLookups: string;
  /** RECORD_COLUMNS of the live record. Params: kind, id, now. */
  readonly get: string;
  /** RECORD_COLUMNS of the live record put last with this lookup. Params: kind, name, value, now. */
  readonly getBy: string;
  /** RECORD_COLUMNS of every live record with this lookup. Params: kind, name, value, now. */
  readonly listBy: string;
  readonly consume: ConsumeStatement;
  /**
   * Writes a merged value and adds 1 to the version of the row as it was read
   * (put id, version) if it is still live. Params: value, kind, id, put id,
   * version, now.
   */
  readonly updateIfUnchanged: string;
  readonly addOnce: AddOnceStatements;
  /**
   * Adds 1 to a counter (its `version`), or starts it at 1 with a new expiry
   * when it is missing or expired. Params: kind, id, expires_at, put id, now.
   */
  readonly increment: IncrementStatement;
  /** Params: kind, id. */
  readonly delete: string;
  /** Deletes expired lookups, then expired records. Params: now (each). */
  readonly deleteExpired: readonly [lookups: string, records: string];
}
