/**
 * The SQL stores on PostgreSQL (127.0.0.1:5432, trust auth, user postgres,
 * database `test`; POSTGRES_URL overrides): the suite of sql-suite.ts (the
 * record contract, the typed store contract, the SQL specifics and the
 * migration), plus what only pg needs: the pool's 'error' listener the stores add, unless the
 * host listens itself.
 */
import { expect } from 'chai';
import pg from 'pg';
import { sqlStores } from '../../lib/stores/sql/index.js';
import { describeSqlStore } from './sql-suite.js';

const URI = process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

function pool(max?: number): pg.Pool {
  return new pg.Pool({ connectionString: URI, connectionTimeoutMillis: 2000, max });
}

describeSqlStore<pg.Pool>({
  dialect: 'postgres',
  server: 'PostgreSQL',
  uri: URI,
  hint: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  pool,
  unreachablePool: (port, timeoutMs) =>
    new pg.Pool({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'test',
      connectionTimeoutMillis: timeoutMs,
    }),
  connection: (p) => ({ dialect: 'postgres', client: p }),
  rows: async (p, sql, params) => (await p.query(sql, params)).rows,
  param: (n) => `$${n}`,
  currentSchema: 'current_schema()',
  connectionId: 'pg_backend_pid()',
  kill: 'SELECT pg_terminate_backend($1)',
  timeoutSetting: 'connectionTimeoutMillis',
  afterKill: 'no crash (an error listener is added), the next calls work',
  checkPool: (p) =>
    expect(p.listenerCount('error'), 'without it, pg would crash the process').to.equal(1),
  schemaIndexes: 4,
  missingTableCode: '42P01', // undefined_table
  unavailableErrors: [
    { code: '08006' }, // connection_failure
    { code: '57P01' }, // admin_shutdown
    { code: '53300' }, // too_many_connections
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
  ],
  otherErrors: [{ code: '42P01' }, { code: '23505' }, { code: '42601' }, { code: '28P01' }],

  moreUnreachable() {
    it("a pool with the host's own error listener is left alone", async () => {
      const p = pool();
      const listener = (): void => undefined;
      p.on('error', listener);
      try {
        sqlStores({ dialect: 'postgres', client: p });
        expect(p.listeners('error')).to.deep.equal([listener]);
      } finally {
        await p.end();
      }
    });
  },
});
