/**
 * The persistence primitive on MySQL/MariaDB (mysql2) and PostgreSQL (pg): two
 * tables, `records` and `record_lookups` (schema.*.sql), and a dialect's
 * statements (mysql.ts, postgres.ts) over an executor (connect.ts).
 *
 * Rules (besides those of ../records.ts):
 * - Time is the store's clock, sent as a parameter (`expires_at > now`), so
 *   expiry is enforced on every read whatever the database's clock or time
 *   zone; processes sharing a database need synchronised clocks, as they do for
 *   JWT expiry anyway. SQL has no TTL: run {@link SqlRecordStore.deleteExpired}
 *   now and then to remove dead rows.
 * - Every statement is its own transaction; none holds a connection across
 *   statements (a deadlock victim is run again: executor.ts). Each atomic
 *   operation rests on one conditional statement whose WHERE clause the
 *   database re-checks on the committed row after waiting for a parallel
 *   writer (mysql.ts and postgres.ts say why that is race-free; MySQL's
 *   `addOnce()` is an UPDATE of an expired row, else an INSERT).
 *   Where a value must be computed here (`update()`'s merge, MySQL's
 *   `consume()`), the row is read first and the UPDATE matches only that row as
 *   read (put id and version); when it matches nothing, something changed and
 *   the call looks again.
 * - `put()` writes the record, then deletes the lookups of earlier puts, then
 *   writes its own, all tagged with a new random put id; a lookup finds a record
 *   only while the record carries its put id. So a reader never finds a record
 *   by a lookup it was not put with, whatever order parallel puts interleave in.
 * - A counter of `increment()` is a record whose version is its count.
 * - A database that cannot be reached gives `StoreUnavailableError` (503); any
 *   other SQL error is passed on (500).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../types.js';
import {
  checkTtl,
  checkWrite,
  expiryOf,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from '../records.js';
import { checkOptionKeys, optionKeys } from '../../helpers/option-keys.js';
import { sqlExecutor, type SqlClientOptions } from './connect.js';
import { isDuplicateKey, type SqlExecutor, type SqlValue } from './executor.js';
import { mysqlQueries } from './mysql.js';
import { postgresQueries } from './postgres.js';
import { sqlTableNames, type Queries } from './queries.js';
import { recordFromRow, type RecordRow } from './rows.js';

/** Options of {@link SqlRecordStore} and `sqlStores()`. */
export type SqlRecordStoreOptions = SqlClientOptions & {
  /**
   * Prefix of every table name: lower-case letters, digits and `_`, at most 32
   * characters. Default `oauth2_`. Must match the prefix given to `createSchema()`.
   */
  prefix?: string | undefined;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  clock?: Clock | undefined;
};

const SQL_STORE_KEYS = optionKeys<SqlRecordStoreOptions>({
  dialect: true,
  client: true,
  prefix: true,
  clock: true,
});

/** A new put id: 16 random characters. */
function newPutId(): string {
  return randomBytes(12).toString('base64url');
}

/** The record without `consumedAt`: as it was before `consume()` took it. */
function unconsumed(record: StoredRecord): StoredRecord {
  const { consumedAt: _consumedAt, ...rest } = record;
  return rest;
}

/**
 * The persistence primitive in SQL tables made by `createSchema()`. Most apps
 * use `sqlStores()`, which wraps it in the typed stores.
 *
 * @example
 * ```ts
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectTimeout: 2000 });
 * const records = new SqlRecordStore({ dialect: 'mysql', client: pool });
 * ```
 */
export class SqlRecordStore implements RecordStore {
  readonly clock: Clock;
  readonly #db: SqlExecutor;
  readonly #q: Queries;

  /** Checks the options: a TypeError names the option that is wrong. */
  constructor(options: SqlRecordStoreOptions) {
    checkOptionKeys(options, SQL_STORE_KEYS, 'oauth2-stateless: SQL stores: options');
    const db = sqlExecutor(options, 'SQL stores');
    const tables = sqlTableNames(options.prefix, 'SQL stores: options.prefix');
    const clock = options.clock ?? Date.now;
    if (typeof clock !== 'function')
      throw new TypeError('oauth2-stateless: SQL stores: options.clock must be a function');
    this.#db = db;
    this.#q = options.dialect === 'mysql' ? mysqlQueries(tables) : postgresQueries(tables);
    this.clock = clock;
  }

  async put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups?: RecordLookups,
  ): Promise<void> {
    checkTtl(ttl, true);
    checkWrite(value, lookups);
    const expiresAt = expiryOf(this.#now(), ttl) ?? null;
    const putId = newPutId();
    await this.#db.query(this.#q.put, [kind, id, JSON.stringify(value), expiresAt, putId]);
    await this.#db.query(this.#q.pruneLookups, [kind, id]);
    const entries = Object.entries(lookups ?? {});
    if (entries.length === 0) return;
    await this.#db.query(
      this.#q.insertLookups(entries.length),
      entries.flatMap(([name, lookup]) => [kind, name, lookup, id, putId, expiresAt]),
    );
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    return (await this.#read(kind, id))?.record;
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const { rows } = await this.#db.query(this.#q.getBy, [kind, lookup, value, this.#now()]);
    return rows[0] === undefined ? undefined : recordFromRow(rows[0]).record;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const { rows } = await this.#db.query(this.#q.listBy, [kind, lookup, value, this.#now()]);
    return rows.map((row) => recordFromRow(row).record);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkWrite(value);
    const now = this.#now();
    const json = JSON.stringify(value);
    const expiresAt = expiryOf(now, ttl) ?? null;
    const putId = newPutId();
    const statements = this.#q.addOnce;
    if ('upsert' in statements) {
      const { affected } = await this.#db.query(statements.upsert, [
        kind,
        id,
        json,
        expiresAt,
        putId,
        now,
      ]);
      return affected === 1;
    }
    const replaced = await this.#db.query(statements.replaceExpired, [
      json,
      expiresAt,
      putId,
      kind,
      id,
      now,
    ]);
    if (replaced.affected === 1) return true;
    try {
      await this.#db.query(statements.insert, [kind, id, json, expiresAt, putId]);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const statement = this.#q.consume;
    if ('returning' in statement) {
      const now = this.#now();
      const { rows } = await this.#db.query(statement.returning, [now, kind, id, now]);
      return rows[0] === undefined ? undefined : unconsumed(recordFromRow(rows[0]).record);
    }
    for (;;) {
      const read = await this.#read(kind, id);
      if (read === undefined || read.record.consumedAt !== undefined) return undefined;
      const now = this.#now();
      const { affected } = await this.#db.query(statement.ifUnchanged, [
        now,
        kind,
        id,
        read.putId,
        read.record.version,
        now,
      ]);
      if (affected === 1) return read.record;
    }
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    for (;;) {
      const read = await this.#read(kind, id);
      if (read === undefined) return undefined;
      const { record, putId } = read;
      if (expectedVersion !== undefined && record.version !== expectedVersion) return undefined;
      const value = mergePatch(record.value, patch);
      const { affected } = await this.#db.query(this.#q.updateIfUnchanged, [
        JSON.stringify(value),
        kind,
        id,
        putId,
        record.version,
        this.#now(),
      ]);
      if (affected === 1) return { ...record, value, version: record.version + 1 };
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    await this.#db.query(this.#q.delete, [kind, id]);
    await this.#db.query(this.#q.pruneLookups, [kind, id]);
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const now = this.#now();
    const params: SqlValue[] = [kind, id, expiryOf(now, ttl) ?? null, newPutId(), now];
    const statement = this.#q.increment;
    if ('returning' in statement) {
      const { rows } = await this.#db.query(statement.returning, params);
      return recordVersion(rows[0]?.['version']);
    }
    const result = await this.#db.query(statement.insertId, params);
    // 1 affected row: inserted, the count starts at 1; 2: updated, the count is in the insert id.
    return result.affected === 1 ? 1 : recordVersion(result.insertId);
  }

  /**
   * Deletes every record (and lookup) past its expiry; SQL has no TTL. Run it now
   * and then (e.g. hourly). Resolves to the number of records deleted.
   */
  async deleteExpired(): Promise<number> {
    const now = this.#now();
    const [lookups, records] = this.#q.deleteExpired;
    await this.#db.query(lookups, [now]);
    return (await this.#db.query(records, [now])).affected;
  }

  /** Milliseconds since the epoch, whole (BIGINT columns). */
  #now(): number {
    return Math.floor(this.clock());
  }

  async #read(kind: string, id: string): Promise<RecordRow | undefined> {
    const { rows } = await this.#db.query(this.#q.get, [kind, id, this.#now()]);
    return rows[0] === undefined ? undefined : recordFromRow(rows[0]);
  }
}

/** A count reported by the database. */
function recordVersion(value: unknown): number {
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new Error('oauth2-stateless: SQL record store: the database reported no count');
  return count;
}
