/**
 * Result rows of the records table back to records, the same for every
 * dialect.
 *
 * Rules:
 * - Reading copes with what either driver returns: MySQL's VARBINARY as a
 *   Buffer, BIGINT as a number or a string (pg always, mysql2 with
 *   `bigNumberStrings`).
 * - A NULL `consumed_at` is an absent `consumedAt` (never `null`); a NULL
 *   `expires_at` is `expiresAt: undefined` (no expiry).
 * - A value that is not a JSON object, or a column that is not what the store
 *   wrote, is a plain `Error` (a 500), never a silent `undefined`.
 */
import type { RecordValue, StoredRecord } from '../records.js';
import type { SqlRow } from './executor.js';

/** A record as read, with the put id that conditional updates check. */
export interface RecordRow {
  readonly record: StoredRecord;
  readonly putId: string;
}

function text(value: unknown, column: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new Error(`oauth2-stateless: SQL record store: ${column} is not text`);
}

function integer(value: unknown, column: string): number {
  const number =
    typeof value === 'number' || typeof value === 'bigint'
      ? Number(value)
      : Number(text(value, column));
  if (!Number.isSafeInteger(number))
    throw new Error(`oauth2-stateless: SQL record store: ${column} is not an integer`);
  return number;
}

function optionalInteger(value: unknown, column: string): number | undefined {
  return value === null || value === undefined ? undefined : integer(value, column);
}

/** The JSON object of a `value` column. */
export function parseValue(value: unknown): RecordValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text(value, 'value'));
  } catch (err) {
    throw new Error('oauth2-stateless: SQL record store: a value is not JSON', { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('oauth2-stateless: SQL record store: a value is not a JSON object');
  return parsed as RecordValue;
}

/** A row of RECORD_COLUMNS as a record and its put id. */
export function recordFromRow(row: SqlRow): RecordRow {
  const consumedAt = optionalInteger(row['consumed_at'], 'consumed_at');
  const record: StoredRecord = {
    id: text(row['id'], 'id'),
    value: parseValue(row['value']),
    expiresAt: optionalInteger(row['expires_at'], 'expires_at'),
    version: integer(row['version'], 'version'),
    ...(consumedAt === undefined ? {} : { consumedAt }),
  };
  return { record, putId: text(row['put_id'], 'put_id') };
}
