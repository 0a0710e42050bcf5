/**
 * The SQL stores' tests, run once per dialect by sql-mysql.test.ts and
 * sql-postgres.test.ts: the shared contract, unchanged, on real time with two
 * pools per test, then again on a frozen clock (the stores take a clock, so the
 * tests that move time run too), each on tables of its own random prefix
 * dropped afterwards; then what only SQL has: the schema, deleteExpired(),
 * hostile values, byte-exact keys, and how driver failures are reported.
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
import { isUnavailable, type SqlValue } from '../../lib/stores/sql/executor.js';
import { sqlTableNames } from '../../lib/stores/sql/queries.js';
import { createSchema, schemaStatements } from '../../lib/stores/sql/schema.js';
import {
  sqlStores,
  type SqlConnection,
  type SqlDialect,
  type SqlStores,
} from '../../lib/stores/sql/sql-store.js';
import type { AuthorizationCodeRecord, Client } from '../../lib/types.js';
import { requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

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
  connection(pool: P): SqlConnection;
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
  /** The CREATE INDEX statements of the schema, besides its 6 CREATE TABLE. */
  schemaIndexes: number;
  /** The driver's error code for a table that does not exist. */
  missingTableCode: string;
  /** Driver errors `isUnavailable()` must recognise, besides ECONNREFUSED, wrapped and aggregated ones. */
  unavailableErrors: unknown[];
  /** Driver errors it must not (SQL errors, bad credentials). */
  otherErrors: unknown[];
  /** Registers the dialect's own "SQL specifics" tests, on tables of `tablePrefix`. */
  moreSpecifics?(tablePrefix: string): void;
  /** Registers the dialect's own "a database that cannot be reached" tests. */
  moreUnreachable?(): void;
}

/** A random table prefix per suite: runs on one database never meet. */
const prefix = (): string => `t${randomBytes(5).toString('hex')}_`;

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export function describeSqlStore<P extends EndablePool>(options: SqlSuiteOptions<P>): void {
  const { dialect } = options;
  const PREFIXES = { real: prefix(), frozen: prefix(), specifics: prefix() };

  async function withPool<T>(use: (pool: P) => Promise<T>): Promise<T> {
    const p = options.pool();
    try {
      return await use(p);
    } finally {
      await p.end();
    }
  }

  async function probe(): Promise<boolean> {
    return withPool(async (p) => {
      await options.rows(p, 'SELECT 1');
      return true;
    });
  }

  let available = false;
  const created = new Set<string>();

  async function dropTables(tablePrefix: string): Promise<void> {
    if (!available || !created.delete(tablePrefix)) return;
    await withPool((p) =>
      options.rows(
        p,
        `DROP TABLE IF EXISTS ${Object.values(sqlTableNames(tablePrefix)).join(', ')}`,
      ),
    );
  }

  /** Stores on a pool of their own; `close` ends the pool. */
  function openStores(
    tablePrefix: string,
    clock?: () => number,
  ): SqlStores & { close(): Promise<void> } {
    const p = options.pool();
    return { ...sqlStores({ ...options.connection(p), tablePrefix, clock }), close: () => p.end() };
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
      await withPool(async (p) => {
        for (const tablePrefix of Object.values(PREFIXES)) {
          await createSchema({ ...options.connection(p), tablePrefix });
          created.add(tablePrefix);
        }
      });
    });

    after(async () => {
      for (const tablePrefix of Object.values(PREFIXES)) await dropTables(tablePrefix);
    });

    const unreachable = async () => {
      const p = options.unreachablePool(await closedPort(), 500);
      return {
        ...sqlStores({ ...options.connection(p), tablePrefix: PREFIXES.real }),
        close: () => p.end(),
      };
    };

    describeStoreContract(`sql (${dialect})`, () => openStores(PREFIXES.real), {
      clockControl: 'real',
      sharedBackend: true,
      unreachable,
      cleanup: () => dropTables(PREFIXES.real),
    });

    describeStoreContract(
      `sql (${dialect}, frozen clock)`,
      (clock) => openStores(PREFIXES.frozen, clock),
      {
        sharedBackend: true,
        cleanup: () => dropTables(PREFIXES.frozen),
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
        await withPool(async (p) => {
          await createSchema({ ...options.connection(p), tablePrefix: PREFIXES.specifics });
          await createSchema({ ...options.connection(p), tablePrefix: PREFIXES.specifics });
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

      it('the schema file names every table with the default prefix, replaced by tablePrefix', () => {
        const statements = schemaStatements(dialect, 'abc_');
        expect(
          statements.filter((statement) => statement.startsWith('CREATE TABLE IF NOT EXISTS abc_')),
        ).to.have.length(6);
        expect(
          statements.filter((statement) =>
            /^CREATE INDEX IF NOT EXISTS abc_\w+ ON abc_/.test(statement),
          ),
        ).to.have.length(options.schemaIndexes);
        expect(statements).to.have.length(6 + options.schemaIndexes);
        for (const statement of statements) expect(statement).to.not.include('oauth2_');
        expect(schemaStatements(dialect).join('\n')).to.include(
          'CREATE TABLE IF NOT EXISTS oauth2_revoked_grants',
        );
      });

      it('rejects a table prefix that is not plain lower-case letters, digits and _', () => {
        const p = { execute: () => expect.fail('sent'), query: () => expect.fail('sent') };
        const connection: SqlConnection =
          dialect === 'mysql' ? { dialect, pool: p } : { dialect, pool: p };
        for (const bad of ['x; DROP TABLE users; --', 'Upper_', '1abc_', 'a'.repeat(33), 'x`y']) {
          expect(() => sqlStores({ ...connection, tablePrefix: bad }), bad).to.throw(
            TypeError,
            /tablePrefix/,
          );
        }
        expect(() =>
          sqlStores({ ...connection, dialect: 'sqlite' } as unknown as SqlConnection),
        ).to.throw(TypeError, /dialect/);
        expect(() =>
          sqlStores({ ...connection, pool: undefined } as unknown as SqlConnection),
        ).to.throw(TypeError, /pool/);
      });

      it('deleteExpired() removes expired rows of every kind and keeps live ones', async () => {
        let time = Date.now();
        const clocked = openStores(PREFIXES.specifics, () => time);
        try {
          const t = Math.floor(time / 1000);
          const shortCode = code({ issuedAt: t, expiresAt: t + 60 });
          const consumedCode = code({ issuedAt: t, expiresAt: t + 60 });
          const liveCode = code({ issuedAt: t, expiresAt: t + 3600 });
          const token = {
            id: randomUUID(),
            format: 'opaque',
            clientId: 'web',
            subject: 'u',
            scope: [],
            audience: 'a',
            grantType: 'client_credentials',
            grantId: randomUUID(),
            issuedAt: t,
          } as const;
          const shortToken = { ...token, expiresAt: t + 3600 }; // its ttl (60 s) ends first
          const liveToken = { ...token, id: randomUUID(), expiresAt: t + 3600 };
          const refresh = {
            id: randomUUID(),
            clientId: 'web',
            subject: 'u',
            scope: ['read'],
            grantId: randomUUID(),
            issuedAt: t,
            expiresAt: t + 60,
          };
          const liveRefresh = { ...refresh, id: randomUUID(), expiresAt: t + 3600 };
          const subject = randomUUID();
          await Promise.all([
            clocked.authorizationCodes.save(shortCode, 60),
            clocked.authorizationCodes.save(consumedCode, 60),
            clocked.authorizationCodes.save(liveCode, 3600),
            clocked.accessTokens.save(shortToken, 60),
            clocked.accessTokens.save(liveToken, 3600),
            clocked.refreshTokens.save(refresh, 60),
            clocked.refreshTokens.save(liveRefresh, 3600),
            clocked.consents.save(subject, 'short', ['read'], 60),
            clocked.consents.save(subject, 'long', ['read'], 3600),
            clocked.accessTokens.revokeGrant(randomUUID(), 60),
            clocked.refreshTokens.revokeGrant(liveRefresh.grantId, 3600),
          ]);
          await clocked.authorizationCodes.consume(consumedCode.id);
          await clocked.clients.save({
            id: `c-${randomUUID()}`,
            redirectUris: [],
            grantTypes: [],
            responseTypes: [],
            tokenEndpointAuthMethods: ['none'],
          });
          time += 61_000;
          const $ = options.param;
          const counts = async () =>
            withPool(async (p) => {
              const t = sqlTableNames(PREFIXES.specifics);
              const rows = await options.rows(
                p,
                `SELECT (SELECT COUNT(*) FROM ${t.authorizationCodes} WHERE id IN (${$(1)}, ${$(2)}, ${$(3)})) AS codes, ` +
                  `(SELECT COUNT(*) FROM ${t.accessTokens} WHERE id IN (${$(4)}, ${$(5)})) AS access, ` +
                  `(SELECT COUNT(*) FROM ${t.refreshTokens} WHERE id IN (${$(6)}, ${$(7)})) AS refresh, ` +
                  `(SELECT COUNT(*) FROM ${t.consents} WHERE subject = ${$(8)}) AS consents, ` +
                  `(SELECT COUNT(*) FROM ${t.clients}) AS clients`,
                [
                  shortCode.id,
                  consumedCode.id,
                  liveCode.id,
                  shortToken.id,
                  liveToken.id,
                  refresh.id,
                  liveRefresh.id,
                  subject,
                ],
              );
              return Object.fromEntries(
                Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]),
              );
            });
          expect(await counts()).to.deep.equal({
            codes: 3,
            access: 2,
            refresh: 2,
            consents: 2,
            clients: 1,
          });
          expect(await clocked.deleteExpired()).to.be.at.least(6);
          expect(await counts()).to.deep.equal({
            codes: 1,
            access: 1,
            refresh: 1,
            consents: 1,
            clients: 1,
          });
          expect(await clocked.authorizationCodes.find(liveCode.id)).to.deep.equal(liveCode);
          expect(await clocked.accessTokens.find(liveToken.id)).to.deep.equal(liveToken);
          expect(
            await clocked.refreshTokens.find(liveRefresh.id),
            'its grant revocation is kept',
          ).to.equal(undefined);
          expect(await clocked.consents.find(subject, 'long')).to.deep.equal(['read']);
          expect(await clocked.deleteExpired()).to.equal(0);
        } finally {
          await clocked.close();
        }
      });

      it('values with quotes, backslashes, SQL and unicode round-trip as data', async () => {
        const nasty = `'; DROP TABLE ${sqlTableNames(PREFIXES.specifics).clients}; -- \\' \\\\ " \` %_ \n\t Zoë ✓ 𝄞 😀 \u2028`;
        const client: Client = {
          id: `${nasty}${randomUUID()}`,
          secretHash: nasty,
          redirectUris: [nasty, 'https://a.example/?q=\'"'],
          grantTypes: ['authorization_code'],
          responseTypes: ['code'],
          scopes: [nasty],
          tokenEndpointAuthMethods: ['client_secret_basic'],
          name: nasty,
          firstParty: true,
        };
        await stores.clients.save(client);
        expect(await stores.clients.find(client.id)).to.deep.equal(client);
        const record = code({
          id: `${nasty}${randomUUID()}`,
          subject: nasty,
          clientId: nasty,
          scope: [nasty],
          grantId: nasty,
          extra: { [nasty]: nasty, nul: 'a\u0000b' },
        });
        await stores.authorizationCodes.save(record, 3600);
        expect(await stores.authorizationCodes.find(record.id)).to.deep.equal(record);
        expect(await stores.authorizationCodes.consume(record.id)).to.deep.equal(record);
        const subject = `${nasty}${randomUUID()}`;
        await stores.consents.save(subject, nasty, [nasty], 3600);
        expect(await stores.consents.find(subject, nasty)).to.deep.equal([nasty]);
        expect(await stores.clients.find(client.id), 'the tables are still there').to.deep.equal(
          client,
        );
      });

      it('keys are compared byte for byte: case and trailing spaces make different ids', async () => {
        const base = `client-${randomUUID()}`;
        const ids = [base, base.toUpperCase(), `${base} `, `${base}\u00a0`];
        for (const id of ids)
          await stores.clients.save({
            id,
            name: id,
            redirectUris: [],
            grantTypes: [],
            responseTypes: [],
            tokenEndpointAuthMethods: ['none'],
          });
        for (const id of ids) expect((await stores.clients.find(id))?.name).to.equal(id);
        const subject = `user-${randomUUID()}`;
        await stores.consents.save(subject, 'web', ['a'], 3600);
        await stores.consents.save(subject.toUpperCase(), 'web', ['b'], 3600);
        expect(await stores.consents.find(subject, 'web')).to.deep.equal(['a']);
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
        it('every method, createSchema() and deleteExpired() reject with StoreUnavailableError, the driver error as cause', async () => {
          const p = options.unreachablePool(await closedPort(), 500);
          try {
            const down = sqlStores(options.connection(p));
            const calls: Record<string, () => Promise<unknown>> = {
              'consents.find': () => down.consents.find('s', 'c'),
              'consents.save': () => down.consents.save('s', 'c', [], 60),
              'consents.revoke': () => down.consents.revoke('s', 'c'),
              'clients.save': () =>
                down.clients.save({
                  id: 'x',
                  redirectUris: [],
                  grantTypes: [],
                  responseTypes: [],
                  tokenEndpointAuthMethods: ['none'],
                }),
              'clients.delete': () => down.clients.delete('x'),
              deleteExpired: () => down.deleteExpired(),
              createSchema: () => createSchema(options.connection(p)),
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
            const s = sqlStores({ ...options.connection(p), tablePrefix: PREFIXES.specifics });
            options.checkPool?.(p);
            const id = await connectionId(p);
            expect(id, 'a connection id').to.be.above(0);
            await withPool((admin) => options.rows(admin, options.kill, [id]));
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
  });
}
