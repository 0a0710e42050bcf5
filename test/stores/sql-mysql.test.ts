/**
 * The SQL stores on MariaDB/MySQL (127.0.0.1:3306, root, no password, database
 * `test`; MYSQL_URL overrides): the suite of sql-suite.ts (the store contract on
 * the record contract, the typed store contract, the SQL specifics and the
 * migration), plus what only mysql2 has: a callback-style pool that returns
 * BIGINTs as strings, and the insert id that carries increment()'s count.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import mysqlCallbacks from 'mysql2';
import mysql, { type Pool } from 'mysql2/promise';
import { sqlStores } from '../../lib/stores/sql/index.js';
import { describeSqlStore } from './sql-suite.js';

const URI = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

describeSqlStore<Pool>({
  dialect: 'mysql',
  server: 'MariaDB/MySQL',
  uri: URI,
  hint: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  pool: (max) => mysql.createPool({ uri: URI, connectTimeout: 2000, connectionLimit: max }),
  unreachablePool: (port, timeoutMs) =>
    mysql.createPool({
      host: '127.0.0.1',
      port,
      user: 'root',
      database: 'test',
      connectTimeout: timeoutMs,
    }),
  connection: (pool) => ({ dialect: 'mysql', client: pool }),
  rows: async (pool, sql, params) =>
    (await pool.query(sql, params))[0] as Record<string, unknown>[],
  param: () => '?',
  currentSchema: 'DATABASE()',
  connectionId: 'CONNECTION_ID()',
  kill: 'KILL ?',
  timeoutSetting: 'connectTimeout',
  afterKill: 'the next calls work again, or fail as unavailable',
  schemaIndexes: 0, // declared inside CREATE TABLE
  missingTableCode: 'ER_NO_SUCH_TABLE',
  unavailableErrors: [
    { code: 'PROTOCOL_CONNECTION_LOST' },
    { code: 'ER_CON_COUNT_ERROR' },
    new Error('Pool is closed.'),
  ],
  otherErrors: [
    { code: 'ER_NO_SUCH_TABLE' },
    { code: 'ER_DUP_ENTRY' },
    { code: 'ER_PARSE_ERROR' },
    { code: 'ER_ACCESS_DENIED_ERROR' },
  ],

  moreSpecifics(prefix) {
    it('works over a callback-style mysql2 pool that returns BIGINTs as strings', async () => {
      const p = mysqlCallbacks.createPool({
        uri: URI,
        connectTimeout: 2000,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      try {
        const s = sqlStores({ dialect: 'mysql', client: p, prefix });
        const t = Math.floor(Date.now() / 1000);
        const record = {
          id: randomUUID(),
          clientId: 'web',
          subject: 'u',
          scope: ['read'],
          grantId: randomUUID(),
          issuedAt: t,
          expiresAt: t + 3600,
        };
        await s.refreshTokens.save(record, 3600);
        expect(await s.refreshTokens.consume(record.id)).to.deep.equal(record);
        const found = await s.refreshTokens.find(record.id);
        expect(found?.consumedAt).to.be.a('number');
        expect(found).to.deep.equal({ ...record, consumed: true, consumedAt: found?.consumedAt });
        const counter = randomUUID();
        const counts = await Promise.all(
          Array.from({ length: 10 }, () => s.records.increment('hits', counter, 60)),
        );
        expect(counts.sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const stored = await s.records.get('hits', counter);
        expect(stored?.version).to.equal(10);
        expect(stored?.expiresAt).to.be.a('number');
      } finally {
        await p.promise().end();
      }
    });
  },
});
