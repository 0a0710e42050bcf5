/**
 * Every statement of the SQL stores for MySQL 8+ and MariaDB 10.5+ (InnoDB).
 *
 * Neither server has `UPDATE ... RETURNING`, so `consume()` is an UPDATE whose
 * WHERE clause holds every condition (live, not consumed, grant not revoked):
 * InnoDB locks the row, a parallel UPDATE of it waits and then re-reads the
 * committed row, which is consumed by then, so it matches nothing. The one call
 * whose UPDATE matched a row is the winner and reads the row afterwards.
 * mysql2 reports matched rows (CLIENT_FOUND_ROWS), and here matched = changed.
 *
 * `VALUES(col)` in ON DUPLICATE KEY UPDATE is deprecated in MySQL 8.0.20+ but
 * the only form both MySQL and MariaDB accept.
 */
import {
  ACCESS_COLUMNS,
  CLIENT_COLUMNS,
  CODE_COLUMNS,
  CONSENT_COLUMNS,
  REFRESH_COLUMNS,
  type Queries,
  type TableNames,
} from './queries.js';

function insertOrReplace(
  table: string,
  columns: readonly string[],
  keys: readonly string[],
): string {
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${c} = VALUES(${c})`);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
}

export function mysqlQueries(t: TableNames): Queries {
  const code = CODE_COLUMNS.join(', ');
  const access = ACCESS_COLUMNS.map((c) => `a.${c}`).join(', ');
  const refresh = REFRESH_COLUMNS.map((c) => `r.${c}`).join(', ');
  const grantLive = (alias: string) =>
    `NOT EXISTS (SELECT 1 FROM ${t.revokedGrants} g WHERE g.grant_id = ${alias}.grant_id AND g.kind = ? AND g.live_until > ?)`;
  return {
    tables: t,
    clients: {
      find: `SELECT ${CLIENT_COLUMNS.join(', ')} FROM ${t.clients} WHERE id = ?`,
      save: insertOrReplace(t.clients, CLIENT_COLUMNS, ['id']),
      delete: `DELETE FROM ${t.clients} WHERE id = ?`,
    },
    authorizationCodes: {
      save: insertOrReplace(t.authorizationCodes, CODE_COLUMNS, ['id']),
      find: `SELECT ${code} FROM ${t.authorizationCodes} WHERE id = ? AND live_until > ?`,
      consume: {
        update: `UPDATE ${t.authorizationCodes} SET consumed = 1 WHERE id = ? AND consumed = 0 AND live_until > ?`,
        select: `SELECT ${code} FROM ${t.authorizationCodes} WHERE id = ?`,
      },
    },
    accessTokens: {
      save: insertOrReplace(t.accessTokens, ACCESS_COLUMNS, ['id']),
      find: `SELECT ${access} FROM ${t.accessTokens} a WHERE a.id = ? AND a.live_until > ? AND ${grantLive('a')}`,
      findByUniqueKey:
        `SELECT ${access} FROM ${t.accessTokens} a WHERE a.unique_key = ? AND a.live_until > ? AND ${grantLive('a')} ` +
        'ORDER BY a.issued_at DESC, a.live_until DESC LIMIT 1',
      revoke: `DELETE FROM ${t.accessTokens} WHERE id = ?`,
    },
    refreshTokens: {
      save: insertOrReplace(t.refreshTokens, REFRESH_COLUMNS, ['id']),
      find: `SELECT ${refresh} FROM ${t.refreshTokens} r WHERE r.id = ? AND r.live_until > ? AND ${grantLive('r')}`,
      consume: {
        update:
          `UPDATE ${t.refreshTokens} r SET r.consumed = 1, r.consumed_at = ? ` +
          `WHERE r.id = ? AND r.consumed = 0 AND r.live_until > ? AND ${grantLive('r')}`,
        select: `SELECT ${refresh} FROM ${t.refreshTokens} r WHERE r.id = ?`,
      },
      revoke: `DELETE FROM ${t.refreshTokens} WHERE id = ?`,
    },
    consents: {
      find: `SELECT scope FROM ${t.consents} WHERE subject = ? AND client_id = ? AND live_until > ?`,
      save: insertOrReplace(t.consents, CONSENT_COLUMNS, ['subject', 'client_id']),
      revoke: `DELETE FROM ${t.consents} WHERE subject = ? AND client_id = ?`,
    },
    revokeGrant:
      `INSERT INTO ${t.revokedGrants} (grant_id, kind, live_until) VALUES (?, ?, ?) ` +
      'ON DUPLICATE KEY UPDATE live_until = GREATEST(live_until, VALUES(live_until))',
    deleteExpired: [
      t.authorizationCodes,
      t.accessTokens,
      t.refreshTokens,
      t.consents,
      t.revokedGrants,
    ].map((table) => `DELETE FROM ${table} WHERE live_until <= ?`),
  };
}
