/**
 * Every statement of the SQL stores for PostgreSQL 12+.
 *
 * `consume()` is one `UPDATE ... WHERE <live, not consumed, grant not revoked>
 * RETURNING ...`: a parallel UPDATE of the same row waits for the first to
 * commit, then re-checks its WHERE clause against the new row version (READ
 * COMMITTED), which is consumed by then, so it returns nothing. Exactly one
 * caller gets the row.
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

/** `$from, $from+1, …`, one per column. */
function placeholders(count: number, from = 1): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
}

function insertOrReplace(
  table: string,
  columns: readonly string[],
  keys: readonly string[],
): string {
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  return (
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)}) ` +
    `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${updates.join(', ')}`
  );
}

export function postgresQueries(t: TableNames): Queries {
  const code = CODE_COLUMNS.join(', ');
  const access = ACCESS_COLUMNS.join(', ');
  const refresh = REFRESH_COLUMNS.join(', ');
  /** The grant of row `alias` is not revoked; binds `$kind` and `$now`. */
  const grantLive = (alias: string, kind: number, now: number) =>
    `NOT EXISTS (SELECT 1 FROM ${t.revokedGrants} g WHERE g.grant_id = ${alias}.grant_id AND g.kind = $${kind} AND g.live_until > $${now})`;
  return {
    tables: t,
    clients: {
      find: `SELECT ${CLIENT_COLUMNS.join(', ')} FROM ${t.clients} WHERE id = $1`,
      save: insertOrReplace(t.clients, CLIENT_COLUMNS, ['id']),
      delete: `DELETE FROM ${t.clients} WHERE id = $1`,
    },
    authorizationCodes: {
      save: insertOrReplace(t.authorizationCodes, CODE_COLUMNS, ['id']),
      find: `SELECT ${code} FROM ${t.authorizationCodes} WHERE id = $1 AND live_until > $2`,
      consume: {
        update: `UPDATE ${t.authorizationCodes} SET consumed = TRUE WHERE id = $1 AND consumed = FALSE AND live_until > $2 RETURNING ${code}`,
      },
    },
    accessTokens: {
      save: insertOrReplace(t.accessTokens, ACCESS_COLUMNS, ['id']),
      find: `SELECT ${access} FROM ${t.accessTokens} a WHERE a.id = $1 AND a.live_until > $2 AND ${grantLive('a', 3, 4)}`,
      findByUniqueKey:
        `SELECT ${access} FROM ${t.accessTokens} a WHERE a.unique_key = $1 AND a.live_until > $2 AND ${grantLive('a', 3, 4)} ` +
        'ORDER BY a.issued_at DESC, a.live_until DESC LIMIT 1',
      revoke: `DELETE FROM ${t.accessTokens} WHERE id = $1`,
    },
    refreshTokens: {
      save: insertOrReplace(t.refreshTokens, REFRESH_COLUMNS, ['id']),
      find: `SELECT ${refresh} FROM ${t.refreshTokens} r WHERE r.id = $1 AND r.live_until > $2 AND ${grantLive('r', 3, 4)}`,
      consume: {
        update:
          `UPDATE ${t.refreshTokens} r SET consumed = TRUE, consumed_at = $1 ` +
          `WHERE r.id = $2 AND r.consumed = FALSE AND r.live_until > $3 AND ${grantLive('r', 4, 5)} RETURNING ${refresh}`,
      },
      revoke: `DELETE FROM ${t.refreshTokens} WHERE id = $1`,
    },
    consents: {
      find: `SELECT scope FROM ${t.consents} WHERE subject = $1 AND client_id = $2 AND live_until > $3`,
      save: insertOrReplace(t.consents, CONSENT_COLUMNS, ['subject', 'client_id']),
      revoke: `DELETE FROM ${t.consents} WHERE subject = $1 AND client_id = $2`,
    },
    revokeGrant:
      `INSERT INTO ${t.revokedGrants} AS g (grant_id, kind, live_until) VALUES ($1, $2, $3) ` +
      'ON CONFLICT (grant_id, kind) DO UPDATE SET live_until = GREATEST(g.live_until, EXCLUDED.live_until)',
    deleteExpired: [
      t.authorizationCodes,
      t.accessTokens,
      t.refreshTokens,
      t.consents,
      t.revokedGrants,
    ].map((table) => `DELETE FROM ${table} WHERE live_until <= $1`),
  };
}
