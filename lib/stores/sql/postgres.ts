/**
 * Every statement of the SQL record store for PostgreSQL 12+.
 *
 * The atomic operations are single statements, at the default READ COMMITTED
 * isolation: a statement that finds a row locked by a parallel one waits for it
 * to commit, then re-checks its WHERE clause (or ON CONFLICT ... WHERE) against
 * the new row version.
 * - `consume()` is one `UPDATE ... WHERE <unconsumed, live> RETURNING`: the
 *   parallel calls that waited find the row consumed and return nothing.
 * - `addOnce()` is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE <expired>
 *   RETURNING`: it inserts, or replaces an expired row; a parallel call that
 *   waited finds the row live and returns nothing. Exactly one returns a row.
 * - `increment()` is one upsert that resets an expired window, `RETURNING` the
 *   count; parallel increments of one row run one after the other.
 * - `update()` with an expected version is a read, then one UPDATE that
 *   matches only the row as read (put id, version).
 * - The prune of stale lookups reads both tables in one snapshot: a lookup it
 *   sees was written after its record, so it sees that record too and never
 *   takes a parallel put()'s lookup for stale.
 */
import { RECORD_COLUMNS, type Queries, type TableNames } from './queries.js';

/** `$from, $from+1, …`, `count` of them. */
function placeholders(count: number, from = 1): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
}

/** The row is live at parameter `$n` (epoch ms). */
const live = (n: number, alias = ''): string =>
  `(${alias}expires_at IS NULL OR ${alias}expires_at > $${n})`;

const INSERT_COLUMNS = '(kind, id, value, expires_at, consumed_at, version, put_id)';

export function postgresQueries(t: TableNames): Queries {
  const columns = RECORD_COLUMNS.join(', ');
  const joined = RECORD_COLUMNS.map((c) => `r.${c}`).join(', ');
  const byLookup =
    `SELECT ${joined} FROM ${t.lookups} l JOIN ${t.records} r ` +
    'ON r.kind = l.kind AND r.id = l.id AND r.put_id = l.put_id ' +
    `WHERE l.kind = $1 AND l.name = $2 AND l.value = $3 AND ${live(4, 'r.')}`;
  /** The conflicting row has expired at `$5`. */
  const expired = 'r.expires_at IS NOT NULL AND r.expires_at <= $5';
  return {
    tables: t,
    put:
      `INSERT INTO ${t.records} ${INSERT_COLUMNS} VALUES ($1, $2, $3, $4, NULL, 1, $5) ` +
      'ON CONFLICT (kind, id) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, ' +
      'consumed_at = NULL, version = 1, put_id = EXCLUDED.put_id',
    insertLookups: (count) =>
      `INSERT INTO ${t.lookups} (kind, name, value, id, put_id, expires_at) VALUES ` +
      Array.from({ length: count }, (_, i) => `(${placeholders(6, 6 * i + 1)})`).join(', '),
    pruneLookups:
      `DELETE FROM ${t.lookups} l WHERE l.kind = $1 AND l.id = $2 AND NOT EXISTS (` +
      `SELECT 1 FROM ${t.records} r WHERE r.kind = l.kind AND r.id = l.id AND r.put_id = l.put_id)`,
    get: `SELECT ${columns} FROM ${t.records} WHERE kind = $1 AND id = $2 AND ${live(3)}`,
    getBy: `${byLookup} ORDER BY l.seq DESC LIMIT 1`,
    listBy: byLookup,
    consume: {
      returning:
        `UPDATE ${t.records} SET consumed_at = $1 WHERE kind = $2 AND id = $3 ` +
        `AND consumed_at IS NULL AND ${live(4)} RETURNING ${columns}`,
    },
    updateIfUnchanged:
      `UPDATE ${t.records} SET value = $1, version = version + 1 ` +
      `WHERE kind = $2 AND id = $3 AND put_id = $4 AND version = $5 AND ${live(6)}`,
    addOnce: {
      upsert:
        `INSERT INTO ${t.records} AS r ${INSERT_COLUMNS} VALUES ($1, $2, $3, $4, NULL, 1, $5) ` +
        'ON CONFLICT (kind, id) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, ' +
        'consumed_at = NULL, version = 1, put_id = EXCLUDED.put_id ' +
        'WHERE r.expires_at IS NOT NULL AND r.expires_at <= $6 RETURNING r.put_id',
    },
    increment: {
      returning:
        `INSERT INTO ${t.records} AS r ${INSERT_COLUMNS} VALUES ($1, $2, '{}', $3, NULL, 1, $4) ` +
        'ON CONFLICT (kind, id) DO UPDATE SET ' +
        `version = CASE WHEN ${expired} THEN 1 ELSE r.version + 1 END, ` +
        `value = CASE WHEN ${expired} THEN EXCLUDED.value ELSE r.value END, ` +
        `consumed_at = CASE WHEN ${expired} THEN NULL ELSE r.consumed_at END, ` +
        `put_id = CASE WHEN ${expired} THEN EXCLUDED.put_id ELSE r.put_id END, ` +
        `expires_at = CASE WHEN ${expired} THEN EXCLUDED.expires_at ELSE r.expires_at END ` +
        'RETURNING r.version',
    },
    delete: `DELETE FROM ${t.records} WHERE kind = $1 AND id = $2`,
    deleteExpired: [
      `DELETE FROM ${t.lookups} WHERE expires_at <= $1`,
      `DELETE FROM ${t.records} WHERE expires_at <= $1`,
    ],
  };
}
