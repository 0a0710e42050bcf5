/**
 * Every statement of the SQL record store for MySQL 8+ and MariaDB 10.5+ (InnoDB).
 *
 * Neither server has `UPDATE ... RETURNING`, so the atomic operations rest on
 * how InnoDB runs an UPDATE: it locks the row and evaluates its WHERE clause on
 * the latest committed version (a "current read"), so a parallel UPDATE of the
 * same row waits for the first to commit and then re-checks against its result.
 * - `consume()` reads the row, then runs one UPDATE whose WHERE clause requires
 *   the row exactly as read (put id, version), unconsumed and live. Of parallel
 *   calls, the first to lock the row matches; the others find `consumed_at`
 *   set and match nothing. The winner knows the row it consumed: the one it read.
 * - `addOnce()` first replaces an expired row with one conditional UPDATE (of
 *   parallel calls, the first makes the row live, so the others' WHERE fails),
 *   and otherwise INSERTs: a row with the key, live or just added by a parallel
 *   call, makes the INSERT fail on the primary key. One INSERT ... ON DUPLICATE
 *   KEY UPDATE cannot say which happened: with mysql2's CLIENT_FOUND_ROWS an
 *   unchanged row and an insert both report 1 affected row.
 * - `increment()` is one upsert; the new count travels back in the result's
 *   insert id through `LAST_INSERT_ID(expr)`, so parallel increments each see
 *   their own count. Assignments of ON DUPLICATE KEY UPDATE run left to right,
 *   so after the first one `version = 1` means "the window was reset".
 * - The prune of stale lookups reads the records table with LOCK IN SHARE MODE,
 *   so it sees the latest committed record whatever the isolation level: a
 *   lookup that a parallel put() wrote after its record is never taken for
 *   stale (a plain READ COMMITTED subquery would read an older snapshot).
 * mysql2 reports matched rows (CLIENT_FOUND_ROWS); every conditional UPDATE
 * here changes the rows it matches, so matched = changed.
 *
 * `VALUES(col)` in ON DUPLICATE KEY UPDATE is deprecated in MySQL 8.0.20+ but
 * the only form both MySQL and MariaDB accept.
 */
import { RECORD_COLUMNS, type Queries, type TableNames } from './queries.js';

const LIVE = '(expires_at IS NULL OR expires_at > ?)';
const INSERT_COLUMNS = '(kind, id, value, expires_at, consumed_at, version, put_id)';

export function mysqlQueries(t: TableNames): Queries {
  const columns = RECORD_COLUMNS.join(', ');
  const joined = RECORD_COLUMNS.map((c) => `r.${c}`).join(', ');
  const byLookup =
    `SELECT ${joined} FROM ${t.lookups} l JOIN ${t.records} r ` +
    'ON r.kind = l.kind AND r.id = l.id AND r.put_id = l.put_id ' +
    'WHERE l.kind = ? AND l.name = ? AND l.value = ? AND (r.expires_at IS NULL OR r.expires_at > ?)';
  return {
    tables: t,
    put:
      `INSERT INTO ${t.records} ${INSERT_COLUMNS} VALUES (?, ?, ?, ?, NULL, 1, ?) ` +
      'ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at), ' +
      'consumed_at = NULL, version = 1, put_id = VALUES(put_id)',
    insertLookups: (count) =>
      `INSERT INTO ${t.lookups} (kind, name, value, id, put_id, expires_at) VALUES ` +
      Array.from({ length: count }, () => '(?, ?, ?, ?, ?, ?)').join(', '),
    pruneLookups:
      `DELETE FROM ${t.lookups} WHERE kind = ? AND id = ? AND NOT EXISTS (` +
      `SELECT 1 FROM ${t.records} r WHERE r.kind = ${t.lookups}.kind AND r.id = ${t.lookups}.id ` +
      `AND r.put_id = ${t.lookups}.put_id LOCK IN SHARE MODE)`,
    get: `SELECT ${columns} FROM ${t.records} WHERE kind = ? AND id = ? AND ${LIVE}`,
    getBy: `${byLookup} ORDER BY l.seq DESC LIMIT 1`,
    listBy: byLookup,
    consume: {
      ifUnchanged:
        `UPDATE ${t.records} SET consumed_at = ? WHERE kind = ? AND id = ? AND put_id = ? ` +
        `AND version = ? AND consumed_at IS NULL AND ${LIVE}`,
    },
    updateIfUnchanged:
      `UPDATE ${t.records} SET value = ?, version = version + 1 ` +
      `WHERE kind = ? AND id = ? AND put_id = ? AND version = ? AND ${LIVE}`,
    addOnce: {
      replaceExpired:
        `UPDATE ${t.records} SET value = ?, expires_at = ?, consumed_at = NULL, version = 1, put_id = ? ` +
        'WHERE kind = ? AND id = ? AND expires_at IS NOT NULL AND expires_at <= ?',
      insert: `INSERT INTO ${t.records} ${INSERT_COLUMNS} VALUES (?, ?, ?, ?, NULL, 1, ?)`,
    },
    increment: {
      insertId:
        `INSERT INTO ${t.records} ${INSERT_COLUMNS} VALUES (?, ?, '{}', ?, NULL, 1, ?) ` +
        'ON DUPLICATE KEY UPDATE ' +
        'version = LAST_INSERT_ID(IF(expires_at IS NOT NULL AND expires_at <= ?, 1, version + 1)), ' +
        'value = IF(version = 1, VALUES(value), value), ' +
        'consumed_at = IF(version = 1, NULL, consumed_at), ' +
        'put_id = IF(version = 1, VALUES(put_id), put_id), ' +
        'expires_at = IF(version = 1, VALUES(expires_at), expires_at)',
    },
    delete: `DELETE FROM ${t.records} WHERE kind = ? AND id = ?`,
    deleteExpired: [
      `DELETE FROM ${t.lookups} WHERE expires_at <= ?`,
      `DELETE FROM ${t.records} WHERE expires_at <= ?`,
    ],
  };
}
