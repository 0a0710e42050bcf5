/**
 * The SQL stores on PostgreSQL (127.0.0.1:5432, trust auth, user postgres,
 * database `test`; POSTGRES_URL overrides): the shared contract, unchanged, on real time
 * with two pools per test, then again on a frozen clock (the stores take a clock,
 * so the tests that move time run too), each on tables of its own random prefix
 * dropped afterwards; then what only SQL has: the schema, deleteExpired(),
 * hostile values, byte-exact keys, and how driver failures are reported.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import pg from 'pg';
import { StoreUnavailableError } from '../../lib/errors.js';
import { isUnavailable } from '../../lib/stores/sql/executor.js';
import { sqlTableNames } from '../../lib/stores/sql/queries.js';
import { createSchema, schemaStatements } from '../../lib/stores/sql/schema.js';
import { sqlStores, type SqlStores } from '../../lib/stores/sql/sql-store.js';
import type { AuthorizationCodeRecord, Client } from '../../lib/types.js';
import { requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

const URI = process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const HINT = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
type Pool = pg.Pool;
/** A random table prefix per suite: runs on one database never meet. */
const prefix = (): string => `t${randomBytes(5).toString('hex')}_`;
const PREFIXES = { real: prefix(), frozen: prefix(), specifics: prefix() };

function pool(options: pg.PoolConfig = {}): Pool {
  return new pg.Pool({ connectionString: URI, connectionTimeoutMillis: 2000, ...options });
}

async function withPool<T>(use: (pool: Pool) => Promise<T>): Promise<T> {
  const p = pool();
  try {
    return await use(p);
  } finally {
    await p.end();
  }
}

async function probe(): Promise<boolean> {
  return withPool(async (p) => {
    await p.query('SELECT 1');
    return true;
  });
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

let available = false;
const created = new Set<string>();

async function dropTables(tablePrefix: string): Promise<void> {
  if (!available || !created.delete(tablePrefix)) return;
  await withPool((p) => p.query(`DROP TABLE IF EXISTS ${Object.values(sqlTableNames(tablePrefix)).join(', ')}`));
}

/** Stores on a pool of their own; `close` ends the pool. */
function openStores(tablePrefix: string, clock?: () => number): SqlStores & { close(): Promise<void> } {
  const p = pool();
  return { ...sqlStores({ dialect: 'postgres', pool: p, tablePrefix, clock }), close: () => p.end() };
}

describe('SQL stores on PostgreSQL', function () {
  this.timeout(20_000);

  before(async function () {
    await requireService(this, { name: `PostgreSQL at ${URI}`, probe, hint: HINT });
    available = true;
    await withPool(async (p) => {
      for (const tablePrefix of Object.values(PREFIXES)) {
        await createSchema({ dialect: 'postgres', pool: p, tablePrefix });
        created.add(tablePrefix);
      }
    });
  });

  after(async () => {
    for (const tablePrefix of Object.values(PREFIXES)) await dropTables(tablePrefix);
  });

  const unreachable = async () => {
    const p = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), user: 'postgres', database: 'test', connectionTimeoutMillis: 500 });
    return { ...sqlStores({ dialect: 'postgres', pool: p, tablePrefix: PREFIXES.real }), close: () => p.end() };
  };

  describeStoreContract('sql (postgres)', () => openStores(PREFIXES.real), {
    clockControl: 'real',
    sharedBackend: true,
    unreachable,
    cleanup: () => dropTables(PREFIXES.real),
  });

  describeStoreContract('sql (postgres, frozen clock)', (clock) => openStores(PREFIXES.frozen, clock), {
    sharedBackend: true,
    cleanup: () => dropTables(PREFIXES.frozen),
  });

  describe('SQL specifics (postgres)', () => {
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
        await createSchema({ dialect: 'postgres', pool: p, tablePrefix: PREFIXES.specifics });
        await createSchema({ dialect: 'postgres', pool: p, tablePrefix: PREFIXES.specifics });
        const { rows } = await p.query<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1',
          [`${PREFIXES.specifics}%`],
        );
        const names = rows.map((row) => row.name).sort();
        expect(names).to.deep.equal(Object.values(sqlTableNames(PREFIXES.specifics)).sort());
      });
      expect(await stores.authorizationCodes.find(record.id)).to.deep.equal(record);
    });

    it('the schema file names every table with the default prefix, replaced by tablePrefix', () => {
      const statements = schemaStatements('postgres', 'abc_');
      expect(statements.filter((statement) => statement.startsWith('CREATE TABLE IF NOT EXISTS abc_'))).to.have.length(6);
      expect(statements.filter((statement) => /^CREATE INDEX IF NOT EXISTS abc_\w+ ON abc_/.test(statement))).to.have.length(6);
      expect(statements).to.have.length(12);
      for (const statement of statements) expect(statement).to.not.include('oauth2_');
      expect(schemaStatements('postgres').join('\n')).to.include('CREATE TABLE IF NOT EXISTS oauth2_revoked_grants');
    });

    it('rejects a table prefix that is not plain lower-case letters, digits and _', () => {
      const p = { query: () => expect.fail('sent') };
      for (const bad of ['x; DROP TABLE users; --', 'Upper_', '1abc_', 'a'.repeat(33), 'x`y']) {
        expect(() => sqlStores({ dialect: 'postgres', pool: p, tablePrefix: bad }), bad).to.throw(TypeError, /tablePrefix/);
      }
      expect(() => sqlStores({ dialect: 'sqlite' as 'postgres', pool: p })).to.throw(TypeError, /dialect/);
      expect(() => sqlStores({ dialect: 'postgres', pool: undefined as unknown as Pool })).to.throw(TypeError, /pool/);
    });

    it('deleteExpired() removes expired rows of every kind and keeps live ones', async () => {
      let time = Date.now();
      const clocked = openStores(PREFIXES.specifics, () => time);
      try {
        const t = Math.floor(time / 1000);
        const shortCode = code({ issuedAt: t, expiresAt: t + 60 });
        const consumedCode = code({ issuedAt: t, expiresAt: t + 60 });
        const liveCode = code({ issuedAt: t, expiresAt: t + 3600 });
        const token = { id: randomUUID(), format: 'opaque', clientId: 'web', subject: 'u', scope: [], audience: 'a', grantType: 'client_credentials', grantId: randomUUID(), issuedAt: t } as const;
        const shortToken = { ...token, expiresAt: t + 3600 }; // its ttl (60 s) ends first
        const liveToken = { ...token, id: randomUUID(), expiresAt: t + 3600 };
        const refresh = { id: randomUUID(), clientId: 'web', subject: 'u', scope: ['read'], grantId: randomUUID(), issuedAt: t, expiresAt: t + 60 };
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
        await clocked.clients.save({ id: `c-${randomUUID()}`, redirectUris: [], grantTypes: [], responseTypes: [], tokenEndpointAuthMethods: ['none'] });
        time += 61_000;
        const counts = async () =>
          withPool(async (p) => {
            const t = sqlTableNames(PREFIXES.specifics);
            const { rows } = await p.query(
              `SELECT (SELECT COUNT(*) FROM ${t.authorizationCodes} WHERE id IN ($1, $2, $3)) AS codes, ` +
                `(SELECT COUNT(*) FROM ${t.accessTokens} WHERE id IN ($4, $5)) AS access, ` +
                `(SELECT COUNT(*) FROM ${t.refreshTokens} WHERE id IN ($6, $7)) AS refresh, ` +
                `(SELECT COUNT(*) FROM ${t.consents} WHERE subject = $8) AS consents, ` +
                `(SELECT COUNT(*) FROM ${t.clients}) AS clients`,
              [shortCode.id, consumedCode.id, liveCode.id, shortToken.id, liveToken.id, refresh.id, liveRefresh.id, subject],
            );
            return Object.fromEntries(Object.entries((rows as Record<string, unknown>[])[0] ?? {}).map(([k, v]) => [k, Number(v)]));
          });
        expect(await counts()).to.deep.equal({ codes: 3, access: 2, refresh: 2, consents: 2, clients: 1 });
        expect(await clocked.deleteExpired()).to.be.at.least(6);
        expect(await counts()).to.deep.equal({ codes: 1, access: 1, refresh: 1, consents: 1, clients: 1 });
        expect(await clocked.authorizationCodes.find(liveCode.id)).to.deep.equal(liveCode);
        expect(await clocked.accessTokens.find(liveToken.id)).to.deep.equal(liveToken);
        expect(await clocked.refreshTokens.find(liveRefresh.id), 'its grant revocation is kept').to.equal(undefined);
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
      const record = code({ id: `${nasty}${randomUUID()}`, subject: nasty, clientId: nasty, scope: [nasty], grantId: nasty, extra: { [nasty]: nasty, nul: 'a\u0000b' } });
      await stores.authorizationCodes.save(record, 3600);
      expect(await stores.authorizationCodes.find(record.id)).to.deep.equal(record);
      expect(await stores.authorizationCodes.consume(record.id)).to.deep.equal(record);
      const subject = `${nasty}${randomUUID()}`;
      await stores.consents.save(subject, nasty, [nasty], 3600);
      expect(await stores.consents.find(subject, nasty)).to.deep.equal([nasty]);
      expect(await stores.clients.find(client.id), 'the tables are still there').to.deep.equal(client);
    });

    it('keys are compared byte for byte: case and trailing spaces make different ids', async () => {
      const base = `client-${randomUUID()}`;
      const ids = [base, base.toUpperCase(), `${base} `, `${base}\u00a0`];
      for (const id of ids) await stores.clients.save({ id, name: id, redirectUris: [], grantTypes: [], responseTypes: [], tokenEndpointAuthMethods: ['none'] });
      for (const id of ids) expect((await stores.clients.find(id))?.name).to.equal(id);
      const subject = `user-${randomUUID()}`;
      await stores.consents.save(subject, 'web', ['a'], 3600);
      await stores.consents.save(subject.toUpperCase(), 'web', ['b'], 3600);
      expect(await stores.consents.find(subject, 'web')).to.deep.equal(['a']);
      expect(await stores.consents.find(`${subject} `, 'web')).to.equal(undefined);
    });

    it('200 codes, each consumed by 4 pools at once: exactly one winner per code', async () => {
      const others = [openStores(PREFIXES.specifics), openStores(PREFIXES.specifics), openStores(PREFIXES.specifics)];
      try {
        const all = [stores, ...others];
        const records = Array.from({ length: 200 }, () => code());
        await Promise.all(records.map((record) => stores.authorizationCodes.save(record, 3600)));
        const results = await Promise.all(records.flatMap((record) => all.map((s) => s.authorizationCodes.consume(record.id))));
        for (const [i, record] of records.entries()) {
          const won = results.slice(i * all.length, (i + 1) * all.length).filter((r) => r !== undefined);
          expect(won, record.id).to.deep.equal([record]);
        }
      } finally {
        await Promise.all(others.map((s) => s.close()));
      }
    });

    it('an SQL error that is not about reaching the database is passed on as it is', async () => {
      const missing = openStores('no_such_tables_');
      try {
        const err = await missing.clients.find('x').then(
          () => expect.fail('find() on missing tables resolved'),
          (e: unknown) => e,
        );
        expect(err).to.not.be.an.instanceOf(StoreUnavailableError);
        expect(err).to.have.property('code', '42P01'); // undefined_table
      } finally {
        await missing.close();
      }
    });

    describe('a database that cannot be reached', () => {
      it('every method, createSchema() and deleteExpired() reject with StoreUnavailableError, the driver error as cause', async () => {
        const p = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), user: 'postgres', connectionTimeoutMillis: 500 });
        try {
          const down = sqlStores({ dialect: 'postgres', pool: p });
          const calls: Record<string, () => Promise<unknown>> = {
            'consents.find': () => down.consents.find('s', 'c'),
            'consents.save': () => down.consents.save('s', 'c', [], 60),
            'consents.revoke': () => down.consents.revoke('s', 'c'),
            'clients.save': () => down.clients.save({ id: 'x', redirectUris: [], grantTypes: [], responseTypes: [], tokenEndpointAuthMethods: ['none'] }),
            'clients.delete': () => down.clients.delete('x'),
            deleteExpired: () => down.deleteExpired(),
            createSchema: () => createSchema({ dialect: 'postgres', pool: p }),
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

      it('a server that accepts connections and never answers: StoreUnavailableError after connectionTimeoutMillis', async () => {
        const sockets = new Set<Socket>();
        const server: Server = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
        await once(server, 'listening');
        const p = new pg.Pool({ host: '127.0.0.1', port: (server.address() as { port: number }).port, user: 'postgres', connectionTimeoutMillis: 300 });
        try {
          const started = Date.now();
          const err = await sqlStores({ dialect: 'postgres', pool: p })
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

      it('a connection the server killed while idle: no crash (an error listener is added), the next calls work', async () => {
        const p = pool({ max: 1 });
        try {
          const s = sqlStores({ dialect: 'postgres', pool: p, tablePrefix: PREFIXES.specifics });
          expect(p.listenerCount('error'), 'without it, pg would crash the process').to.equal(1);
          const before = (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
          await withPool((admin) => admin.query('SELECT pg_terminate_backend($1)', [before]));
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
          const after = (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
          expect(after, 'a new connection').to.not.equal(before);
        } finally {
          await p.end();
        }
      });

      it("a pool with the host's own error listener is left alone", async () => {
        const p = pool();
        const listener = (): void => undefined;
        p.on('error', listener);
        try {
          sqlStores({ dialect: 'postgres', pool: p });
          expect(p.listeners('error')).to.deep.equal([listener]);
        } finally {
          await p.end();
        }
      });
    });

    it('isUnavailable() knows the driver failures and nothing else', () => {
      for (const err of [
        { code: 'ECONNREFUSED' },
        { code: '08006' }, // connection_failure
        { code: '57P01' }, // admin_shutdown
        { code: '53300' }, // too_many_connections
        new Error('Connection terminated unexpectedly'),
        new Error('timeout exceeded when trying to connect'),
        new AggregateError([{ code: 'ECONNREFUSED' }], 'connect failed'),
        new Error('wrapped', { cause: { code: 'ETIMEDOUT' } }),
      ]) {
        expect(isUnavailable(err), JSON.stringify(err)).to.equal(true);
      }
      for (const err of [{ code: '42P01' }, { code: '23505' }, { code: '42601' }, { code: '28P01' }, new TypeError('x'), null, 'ECONNREFUSED']) {
        expect(isUnavailable(err), JSON.stringify(err)).to.equal(false);
      }
    });
  });
});
