/**
 * The SQL stores' tests, run once per dialect by sql-mysql.test.ts and
 * sql-postgres.test.ts: the record contract (two pools per test, and a pool on
 * a closed port), the typed store contract through `sqlStores()` on the frozen
 * clock, each on tables of its own random prefix dropped afterwards; then what
 * only SQL has: the schema, deleteExpired(), hostile values, byte-exact keys,
 * how driver failures are reported, and the migration from the previous schema
 * (sql-migration.ts).
 *
 * A dialect file hands {@link describeSqlStore} its connection settings, how to
 * make a pool and run a statement, the SQL and error codes that differ, and the
 * few tests only that dialect has.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { StoreUnavailableError } from '../../lib/errors.js';
import type { SqlClientOptions, SqlDialect } from '../../lib/stores/sql/connect.js';
import { isUnavailable, retryDeadlocks, type SqlValue } from '../../lib/stores/sql/executor.js';
import { migrateSchema } from '../../lib/stores/sql/migrate.js';
import { sqlTableNames } from '../../lib/stores/sql/queries.js';
import { SqlRecordStore } from '../../lib/stores/sql/record-store.js';
import { createSchema, schemaStatements } from '../../lib/stores/sql/schema.js';
import { sqlStores, type SqlStores } from '../../lib/stores/sql/sql-store.js';
import type { AuthorizationCodeRecord, Clock } from '../../lib/types.js';
import { requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';
import { describeRecordContract } from './record-contract.js';
import { describeSqlMigration } from './sql-migration.js';

/** What the suite itself calls on a driver's pool (statements go through `rows`). */
export interface EndablePool {
  end(): Promise<void>;
}

/** What differs between the dialects. */
export interface SqlSuiteOptions<P extends EndablePool> {
  dialect: SqlDialect;
  /** The server, for the titles and the skip message: `MariaDB/MySQL`. */
  server: string;
  /** Where the server is (the skip message). */
  uri: string;
  /** How to start the server (the skip message). */
  hint: string;
  /** A pool on `uri` with a 2 s connect timeout, of at most `max` connections (default: the driver's). */
  pool(max?: number): P;
  /** A pool on 127.0.0.1:`port`, user and database as for `uri`, with a connect timeout of `timeoutMs`. */
  unreachablePool(port: number, timeoutMs: number): P;
  /** The pool as `sqlStores()` and `createSchema()` take it. */
  connection(pool: P): SqlClientOptions;
  /** Runs one statement on the pool; resolves to its rows. */
  rows(pool: P, sql: string, params?: SqlValue[]): Promise<Record<string, unknown>[]>;
  /** The n-th parameter placeholder (from 1). */
  param(n: number): string;
  /** SQL for the schema (database) the tables are created in. */
  currentSchema: string;
  /** SQL for the id of this connection on the server. */
  connectionId: string;
  /** A statement that ends the connection whose id is its one parameter. */
  kill: string;
  /** The driver's connect-timeout setting (a test title). */
  timeoutSetting: string;
  /** What the stores promise after the server killed an idle connection (a test title). */
  afterKill: string;
  /** Checks on a fresh pool just handed to `sqlStores()`. */
  checkPool?(pool: P): void;
  /** The CREATE INDEX statements of the schema, besides its 2 CREATE TABLE. */
  schemaIndexes: number;
  /** The driver's error code for a table that does not exist. */
  missingTableCode: string;
  /** Driver errors `isUnavailable()` must recognise, besides ECONNREFUSED, wrapped and aggregated ones. */
  unavailableErrors: unknown[];
  /** Driver errors it must not (SQL errors, bad credentials). */
  otherErrors: unknown[];
  /** Registers the dialect's own "SQL specifics" tests, on tables of `prefix`. */
  moreSpecifics?(prefix: string): void;
  /** Registers the dialect's own "a database that cannot be reached" tests. */
  moreUnreachable?(): void;
}

/** A random table prefix per suite: runs on one database never meet. */
export const randomPrefix = (): string => `t${randomBytes(5).toString('hex')}_`;

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Runs `use` on a fresh pool, ended afterwards. */
export async function withPool<P extends EndablePool, T>(
  options: SqlSuiteOptions<P>,
  use: (pool: P) => Promise<T>,
): Promise<T> {
  const p = options.pool();
  try {
    return await use(p);
  } finally {
    await p.end();
  }
}

export function describeSqlStore<P extends EndablePool>(options: SqlSuiteOptions<P>): void {
  const { dialect } = options;
  const PREFIXES = { records: randomPrefix(), typed: randomPrefix(), specifics: randomPrefix() };

  async function probe(): Promise<boolean> {
    return withPool(options, async (p) => {
      await options.rows(p, 'SELECT 1');
      return true;
    });
  }

  let available = false;
  const created = new Set<string>();

  async function dropTables(prefix: string): Promise<void> {
    if (!available || !created.delete(prefix)) return;
    await withPool(options, (p) =>
      options.rows(p, `DROP TABLE IF EXISTS ${Object.values(sqlTableNames(prefix)).join(', ')}`),
    );
  }

  /** Stores on a pool of their own; `close` ends the pool. */
  function openStores(prefix: string, clock?: Clock): SqlStores & { close(): Promise<void> } {
    const p = options.pool();
    return { ...sqlStores({ ...options.connection(p), prefix, clock }), close: () => p.end() };
  }

  /** The server's id of the connection `pool` holds. */
  async function connectionId(pool: P): Promise<number> {
    return Number((await options.rows(pool, `SELECT ${options.connectionId} AS id`))[0]?.['id']);
  }

  describe(`SQL stores on ${options.server}`, function () {
    this.timeout(20_000);

    before(async function () {
      await requireService(this, {
        name: `${options.server} at ${options.uri}`,
        probe,
        hint: options.hint,
      });
      available = true;
      await withPool(options, async (p) => {
        for (const prefix of Object.values(PREFIXES)) {
          await createSchema({ ...options.connection(p), prefix });
          created.add(prefix);
        }
      });
    });

    after(async () => {
      for (const prefix of Object.values(PREFIXES)) await dropTables(prefix);
    });

    describeRecordContract(
      `sql (${dialect})`,
      (clock) => {
        const p = options.pool();
        const records = new SqlRecordStore({
          ...options.connection(p),
          prefix: PREFIXES.records,
          clock,
        });
        return { records, close: () => p.end() };
      },
      {
        sharedBackend: true,
        unreachable: async (clock) => {
          const p = options.unreachablePool(await closedPort(), 500);
          const records = new SqlRecordStore({
            ...options.connection(p),
            prefix: PREFIXES.records,
            clock,
          });
          return { records, close: () => p.end() };
        },
        cleanup: () => dropTables(PREFIXES.records),
      },
    );

    describeStoreContract(
      `sql (${dialect}, frozen clock)`,
      (clock) => openStores(PREFIXES.typed, clock),
      {
        sharedBackend: true,
        unreachable: async (clock) => {
          const p = options.unreachablePool(await closedPort(), 500);
          return {
            ...sqlStores({ ...options.connection(p), prefix: PREFIXES.typed, clock }),
            close: () => p.end(),
          };
        },
        cleanup: () => dropTables(PREFIXES.typed),
      },
    );

    describe(`SQL specifics (${dialect})`, () => {
      let stores: ReturnType<typeof openStores>;
      beforeEach(() => {
        stores = openStores(PREFIXES.specifics);
      });
      afterEach(async () => {
        await stores.close();
      });

      const now = (): number => Math.floor(Date.now() / 1000);
      function code(overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
        return {
          id: randomUUID(),
          clientId: 'web',
          subject: 'user',
          scope: ['read'],
          redirectUri: 'https://app.example.test/cb',
          redirectUriSent: true,
          grantId: randomUUID(),
          issuedAt: now(),
          expiresAt: now() + 3600,
          ...overrides,
        };
      }

      it('createSchema() is idempotent: running it again keeps the tables and their rows', async () => {
        const record = code();
        await stores.authorizationCodes.save(record, 3600);
        await withPool(options, async (p) => {
          await createSchema({ ...options.connection(p), prefix: PREFIXES.specifics });
          await createSchema({ ...options.connection(p), prefix: PREFIXES.specifics });
          const rows = await options.rows(
            p,
            `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${options.currentSchema} AND table_name LIKE ${options.param(1)}`,
            [`${PREFIXES.specifics}%`],
          );
          const names = rows.map((row) => row['name']).sort();
          expect(names).to.deep.equal(Object.values(sqlTableNames(PREFIXES.specifics)).sort());
        });
        expect(await stores.authorizationCodes.find(record.id)).to.deep.equal(record);
      });

      it('the schema file names every table with the default prefix, replaced by prefix', () => {
        const statements = schemaStatements(dialect, 'abc_');
        expect(
          statements.filter((statement) => statement.startsWith('CREATE TABLE IF NOT EXISTS abc_')),
        ).to.have.length(2);
        expect(
          statements.filter((statement) =>
            /^CREATE INDEX IF NOT EXISTS abc_\w+ ON abc_/.test(statement),
          ),
        ).to.have.length(options.schemaIndexes);
        expect(statements).to.have.length(2 + options.schemaIndexes);
        for (const statement of statements) expect(statement).to.not.include('oauth2_');
        const defaults = schemaStatements(dialect).join('\n');
        expect(defaults).to.include('CREATE TABLE IF NOT EXISTS oauth2_records');
        expect(defaults).to.include('CREATE TABLE IF NOT EXISTS oauth2_record_lookups');
      });

      it('rejects bad options with a TypeError naming the option', () => {
        const p = { execute: () => expect.fail('sent'), query: () => expect.fail('sent') };
        const connection: SqlClientOptions =
          dialect === 'mysql' ? { dialect, client: p } : { dialect, client: p };
        for (const bad of ['x; DROP TABLE users; --', 'Upper_', '1abc_', 'a'.repeat(33), 'x`y']) {
          expect(() => sqlStores({ ...connection, prefix: bad }), bad).to.throw(
            TypeError,
            /options\.prefix/,
          );
          expect(() => schemaStatements(dialect, bad), bad).to.throw(TypeError, /prefix/);
        }
        expect(() =>
          sqlStores({ ...connection, dialect: 'sqlite' } as unknown as SqlClientOptions),
        ).to.throw(TypeError, /options\.dialect/);
        expect(() =>
          sqlStores({ ...connection, client: undefined } as unknown as SqlClientOptions),
        ).to.throw(TypeError, /options\.client/);
        expect(() =>
          sqlStores({ ...connection, clock: 5 } as unknown as SqlClientOptions),
        ).to.throw(TypeError, /options\.clock/);
        expect(() => schemaStatements('sqlite' as SqlDialect)).to.throw(TypeError, /dialect/);
      });

      it('deleteExpired() removes expired records and their lookups, keeps live ones and those without expiry', async () => {
        let time = Date.now();
        const clocked = openStores(PREFIXES.specifics, () => time);
        try {
          const { records } = clocked;
          const kind = `k-${randomUUID()}`;
          const ids = { short: 'short', consumed: 'consumed', long: 'long', forever: 'forever' };
          await records.put(kind, ids.short, { n: 1 }, 60, { tag: 'a' });
          await records.put(kind, ids.consumed, { n: 2 }, 60, { tag: 'a' });
          await records.put(kind, ids.long, { n: 3 }, 3600, { tag: 'a' });
          await records.put(kind, ids.forever, { n: 4 }, undefined, { tag: 'a' });
          await records.consume(kind, ids.consumed);
          time += 61_000;
          const t = sqlTableNames(PREFIXES.specifics);
          const counts = async () =>
            withPool(options, async (p) => {
              const rows = await options.rows(
                p,
                `SELECT (SELECT COUNT(*) FROM ${t.records} WHERE kind = ${options.param(1)}) AS records, ` +
                  `(SELECT COUNT(*) FROM ${t.lookups} WHERE kind = ${options.param(2)}) AS lookups`,
                [kind, kind],
              );
              return Object.fromEntries(
                Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]),
              );
            });
          expect(await counts()).to.deep.equal({ records: 4, lookups: 4 });
          expect(await clocked.deleteExpired()).to.be.at.least(2);
          expect(await counts()).to.deep.equal({ records: 2, lookups: 2 });
          expect((await records.listBy(kind, 'tag', 'a')).map((r) => r.id).sort()).to.deep.equal([
            ids.forever,
            ids.long,
          ]);
          expect(await clocked.deleteExpired()).to.equal(0);
        } finally {
          await clocked.close();
        }
      });

      it('values with quotes, backslashes, SQL and unicode round-trip as data', async () => {
        const nasty = `'; DROP TABLE ${sqlTableNames(PREFIXES.specifics).records}; -- \\' \\\\ " \` %_ \n\t Zoë ✓ 𝄞 😀 \u2028`;
        const id = `${nasty}${randomUUID()}`;
        const kind = `k'; -- \\ " \` ✓ 😀`; // kinds and lookup names are short (MySQL: 64 bytes)
        const value = { [nasty]: nasty, list: [nasty, null, 1.5, true], nul: 'a\u0000b' };
        await stores.records.put(kind, id, value, 3600, { [kind]: nasty });
        expect((await stores.records.get(kind, id))?.value).to.deep.equal(value);
        expect((await stores.records.getBy(kind, kind, nasty))?.id).to.equal(id);
        const record = code({
          id: `${nasty}${randomUUID()}`,
          subject: nasty,
          clientId: nasty,
          scope: [nasty],
          grantId: nasty,
          extra: { [nasty]: nasty, nul: 'a\u0000b', nothing: null },
        });
        await stores.authorizationCodes.save(record, 3600);
        expect(await stores.authorizationCodes.find(record.id)).to.deep.equal(record);
        expect(await stores.authorizationCodes.consume(record.id)).to.deep.equal(record);
        const subject = `${nasty}${randomUUID()}`;
        const consent = { scope: [nasty], resources: [nasty] };
        await stores.consents.save(subject, nasty, consent, 3600);
        expect(await stores.consents.find(subject, nasty)).to.deep.equal(consent);
        expect(await stores.consents.list(subject)).to.deep.equal([
          { clientId: nasty, ...consent },
        ]);
        expect(
          (await stores.records.get(kind, id))?.value,
          'the tables are still there',
        ).to.deep.equal(value);
      });

      it('keys are compared byte for byte: case and trailing spaces make different ids and lookups', async () => {
        const base = `id-${randomUUID()}`;
        const ids = [base, base.toUpperCase(), `${base} `, `${base}\u00a0`];
        for (const id of ids) await stores.records.put('bytes', id, { id }, 3600, { key: id });
        for (const id of ids) {
          expect((await stores.records.get('bytes', id))?.value).to.deep.equal({ id });
          expect((await stores.records.getBy('bytes', 'key', id))?.id).to.equal(id);
          expect(await stores.records.listBy('bytes', 'key', id)).to.have.length(1);
        }
        expect(await stores.records.get('BYTES', base), 'kinds too').to.equal(undefined);
        const subject = `user-${randomUUID()}`;
        await stores.consents.save(subject, 'web', { scope: ['a'], resources: [] }, 3600);
        await stores.consents.save(
          subject.toUpperCase(),
          'web',
          { scope: ['b'], resources: [] },
          3600,
        );
        expect(await stores.consents.find(subject, 'web')).to.deep.equal({
          scope: ['a'],
          resources: [],
        });
        expect(await stores.consents.find(`${subject} `, 'web')).to.equal(undefined);
      });

      it('200 codes, each consumed by 4 pools at once: exactly one winner per code', async () => {
        const others = [
          openStores(PREFIXES.specifics),
          openStores(PREFIXES.specifics),
          openStores(PREFIXES.specifics),
        ];
        try {
          const all = [stores, ...others];
          const records = Array.from({ length: 200 }, () => code());
          await Promise.all(records.map((record) => stores.authorizationCodes.save(record, 3600)));
          const results = await Promise.all(
            records.flatMap((record) => all.map((s) => s.authorizationCodes.consume(record.id))),
          );
          for (const [i, record] of records.entries()) {
            const won = results
              .slice(i * all.length, (i + 1) * all.length)
              .filter((r) => r !== undefined);
            expect(won, record.id).to.deep.equal([record]);
          }
        } finally {
          await Promise.all(others.map((s) => s.close()));
        }
      });

      it('parallel puts of one record over 4 pools leave the lookups of the put that won', async () => {
        const others = [
          openStores(PREFIXES.specifics),
          openStores(PREFIXES.specifics),
          openStores(PREFIXES.specifics),
        ];
        try {
          const all = [stores, ...others];
          const id = randomUUID();
          await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
              all[i % all.length]?.records.put('race', id, { i }, 3600, { n: `n${i}` }),
            ),
          );
          const winner = (await stores.records.get('race', id))?.value['i'];
          for (let i = 0; i < 40; i++) {
            const found = await stores.records.getBy('race', 'n', `n${i}`);
            expect(found?.value, `lookup n${i}`).to.deep.equal(
              i === winner ? { i: winner } : undefined,
            );
          }
        } finally {
          await Promise.all(others.map((s) => s.close()));
        }
      });

      options.moreSpecifics?.(PREFIXES.specifics);

      it('an SQL error that is not about reaching the database is passed on as it is', async () => {
        const missing = openStores('no_such_tables_');
        try {
          const err = await missing.clients.find('x').then(
            () => expect.fail('find() on missing tables resolved'),
            (e: unknown) => e,
          );
          expect(err).to.not.be.an.instanceOf(StoreUnavailableError);
          expect(err).to.have.property('code', options.missingTableCode);
        } finally {
          await missing.close();
        }
      });

      describe('a database that cannot be reached', () => {
        it('the typed stores, createSchema(), migrateSchema() and deleteExpired() reject with StoreUnavailableError, the driver error as cause', async () => {
          const p = options.unreachablePool(await closedPort(), 500);
          try {
            const down = sqlStores(options.connection(p));
            const calls: Record<string, () => Promise<unknown>> = {
              'consents.find': () => down.consents.find('s', 'c'),
              'consents.save': () => down.consents.save('s', 'c', { scope: [], resources: [] }, 60),
              'consents.list': () => down.consents.list('s'),
              'clients.find': () => down.clients.find('x'),
              'clients.delete': () => down.clients.delete('x'),
              'records.increment': () => down.records.increment('n', 'x', 60),
              deleteExpired: () => down.deleteExpired(),
              createSchema: () => createSchema(options.connection(p)),
              migrateSchema: () => migrateSchema(options.connection(p)),
            };
            for (const [label, call] of Object.entries(calls)) {
              const err = await call().then(
                () => expect.fail(`${label} resolved`),
                (e: unknown) => e,
              );
              expect(err, label).to.be.an.instanceOf(StoreUnavailableError);
              expect((err as Error).cause, label).to.have.property('code', 'ECONNREFUSED');
            }
          } finally {
            await p.end();
          }
        });

        it(`a server that accepts connections and never answers: StoreUnavailableError after ${options.timeoutSetting}`, async () => {
          const sockets = new Set<Socket>();
          const server: Server = createServer((socket) => sockets.add(socket)).listen(
            0,
            '127.0.0.1',
          );
          await once(server, 'listening');
          const p = options.unreachablePool((server.address() as { port: number }).port, 300);
          try {
            const started = Date.now();
            const err = await sqlStores(options.connection(p))
              .accessTokens.find('x')
              .then(
                () => expect.fail('find() resolved'),
                (e: unknown) => e,
              );
            expect(err).to.be.an.instanceOf(StoreUnavailableError);
            expect(Date.now() - started).to.be.below(2000);
          } finally {
            await p.end();
            for (const socket of sockets) socket.destroy();
            server.close();
          }
        });

        it(`a connection the server killed while idle: ${options.afterKill}`, async () => {
          const p = options.pool(1);
          try {
            const s = sqlStores({ ...options.connection(p), prefix: PREFIXES.specifics });
            options.checkPool?.(p);
            const id = await connectionId(p);
            expect(id, 'a connection id').to.be.above(0);
            await withPool(options, (admin) => options.rows(admin, options.kill, [id]));
            await new Promise((resolve) => setTimeout(resolve, 100));
            const record = code();
            for (let attempt = 0; ; attempt++) {
              try {
                await s.authorizationCodes.save(record, 3600);
                break;
              } catch (err) {
                expect(err).to.be.an.instanceOf(StoreUnavailableError);
                expect(attempt).to.be.below(2);
              }
            }
            expect(await s.authorizationCodes.find(record.id)).to.deep.equal(record);
            expect(await connectionId(p), 'a new connection').to.not.equal(id);
          } finally {
            await p.end();
          }
        });

        options.moreUnreachable?.();
      });

      it('a statement the server rolled back as a deadlock victim runs again, 3 times at most', async () => {
        const deadlock =
          dialect === 'mysql' ? { code: 'ER_LOCK_DEADLOCK', errno: 1213 } : { code: '40P01' };
        let calls = 0;
        const twice = () => (++calls <= 2 ? Promise.reject(deadlock) : Promise.resolve('done'));
        expect(await retryDeadlocks(twice)).to.equal('done');
        expect(calls).to.equal(3);
        calls = 0;
        const always = () => (++calls, Promise.reject(deadlock));
        expect(await retryDeadlocks(always).catch((e: unknown) => e)).to.equal(deadlock);
        expect(calls).to.equal(3);
        calls = 0;
        const other = { code: options.missingTableCode };
        const failing = () => (++calls, Promise.reject(other));
        expect(await retryDeadlocks(failing).catch((e: unknown) => e)).to.equal(other);
        expect(calls, 'other errors are not retried').to.equal(1);
      });

      it('isUnavailable() knows the driver failures and nothing else', () => {
        for (const err of [
          { code: 'ECONNREFUSED' },
          ...options.unavailableErrors,
          new AggregateError([{ code: 'ECONNREFUSED' }], 'connect failed'),
          new Error('wrapped', { cause: { code: 'ETIMEDOUT' } }),
        ]) {
          expect(isUnavailable(err), JSON.stringify(err)).to.equal(true);
        }
        for (const err of [...options.otherErrors, new TypeError('x'), null, 'ECONNREFUSED']) {
          expect(isUnavailable(err), JSON.stringify(err)).to.equal(false);
        }
      });
    });

    describeSqlMigration(options);
  });
}
