/**
 * The SQL stores on MariaDB/MySQL (127.0.0.1:3306, root, no password, database
 * `test`; MYSQL_URL overrides): the shared contract, unchanged, on real time
 * with two pools per test, then again on a frozen clock (the stores take a clock,
 * so the tests that move time run too), each on tables of its own random prefix
 * dropped afterwards; then what only SQL has: the schema, deleteExpired(),
 * hostile values, byte-exact keys, and how driver failures are reported.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import mysqlCallbacks from 'mysql2';
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';
import { StoreUnavailableError } from '../../lib/errors.js';
import { isUnavailable } from '../../lib/stores/sql/executor.js';
import { sqlTableNames } from '../../lib/stores/sql/queries.js';
import { createSchema, schemaStatements } from '../../lib/stores/sql/schema.js';
import { sqlStores, type SqlStores } from '../../lib/stores/sql/sql-store.js';
import type { AuthorizationCodeRecord, Client } from '../../lib/types.js';
import { requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

const URI = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const HINT = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';
/** A random table prefix per suite: runs on one database never meet. */
const prefix = (): string => `t${randomBytes(5).toString('hex')}_`;
const PREFIXES = { real: prefix(), frozen: prefix(), specifics: prefix() };

function pool(options: PoolOptions = {}): Pool {
  return mysql.createPool({ uri: URI, connectTimeout: 2000, ...options });
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
  return { ...sqlStores({ dialect: 'mysql', pool: p, tablePrefix, clock }), close: () => p.end() };
}

describe('SQL stores on MariaDB/MySQL', function () {
  this.timeout(20_000);

  before(async function () {
    await requireService(this, { name: `MariaDB/MySQL at ${URI}`, probe, hint: HINT });
    available = true;
    await withPool(async (p) => {
      for (const tablePrefix of Object.values(PREFIXES)) {
        await createSchema({ dialect: 'mysql', pool: p, tablePrefix });
        created.add(tablePrefix);
      }
    });
  });

  after(async () => {
    for (const tablePrefix of Object.values(PREFIXES)) await dropTables(tablePrefix);
  });

  const unreachable = async () => {
    const p = mysql.createPool({ host: '127.0.0.1', port: await closedPort(), user: 'root', database: 'test', connectTimeout: 500 });
    return { ...sqlStores({ dialect: 'mysql', pool: p, tablePrefix: PREFIXES.real }), close: () => p.end() };
  };

  describeStoreContract('sql (mysql)', () => openStores(PREFIXES.real), {
    clockControl: 'real',
    sharedBackend: true,
    unreachable,
    cleanup: () => dropTables(PREFIXES.real),
  });

  describeStoreContract('sql (mysql, frozen clock)', (clock) => openStores(PREFIXES.frozen, clock), {
    sharedBackend: true,
    cleanup: () => dropTables(PREFIXES.frozen),
  });

  describe('SQL specifics (mysql)', () => {
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
        await createSchema({ dialect: 'mysql', pool: p, tablePrefix: PREFIXES.specifics });
        await createSchema({ dialect: 'mysql', pool: p, tablePrefix: PREFIXES.specifics });
        const [rows] = await p.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?', [
          `${PREFIXES.specifics}%`,
        ]);
        const names = (rows as { name: string }[]).map((row) => row.name).sort();
        expect(names).to.deep.equal(Object.values(sqlTableNames(PREFIXES.specifics)).sort());
      });
      expect(await stores.authorizationCodes.find(record.id)).to.deep.equal(record);
    });

    it('the schema file names every table with the default prefix, replaced by tablePrefix', () => {
      const statements = schemaStatements('mysql', 'abc_');
      expect(statements).to.have.length(6);
      for (const statement of statements) expect(statement).to.match(/^CREATE TABLE IF NOT EXISTS abc_/).and.not.include('oauth2_');
      expect(schemaStatements('mysql').join('\n')).to.include('CREATE TABLE IF NOT EXISTS oauth2_revoked_grants');
    });

    it('rejects a table prefix that is not plain lower-case letters, digits and _', () => {
      const p = { execute: () => expect.fail('sent'), query: () => expect.fail('sent') };
      for (const bad of ['x; DROP TABLE users; --', 'Upper_', '1abc_', 'a'.repeat(33), 'x`y']) {
        expect(() => sqlStores({ dialect: 'mysql', pool: p, tablePrefix: bad }), bad).to.throw(TypeError, /tablePrefix/);
      }
      expect(() => sqlStores({ dialect: 'sqlite' as 'mysql', pool: p })).to.throw(TypeError, /dialect/);
      expect(() => sqlStores({ dialect: 'mysql', pool: undefined as unknown as Pool })).to.throw(TypeError, /pool/);
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
            const [rows] = await p.query(
              `SELECT (SELECT COUNT(*) FROM ${t.authorizationCodes} WHERE id IN (?, ?, ?)) AS codes, ` +
                `(SELECT COUNT(*) FROM ${t.accessTokens} WHERE id IN (?, ?)) AS access, ` +
                `(SELECT COUNT(*) FROM ${t.refreshTokens} WHERE id IN (?, ?)) AS refresh, ` +
                `(SELECT COUNT(*) FROM ${t.consents} WHERE subject = ?) AS consents, ` +
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

    it('works over a callback-style mysql2 pool that returns BIGINTs as strings', async () => {
      const p = mysqlCallbacks.createPool({ uri: URI, connectTimeout: 2000, supportBigNumbers: true, bigNumberStrings: true });
      try {
        const s = sqlStores({ dialect: 'mysql', pool: p, tablePrefix: PREFIXES.specifics });
        const t = now();
        const record = { id: randomUUID(), clientId: 'web', subject: 'u', scope: ['read'], grantId: randomUUID(), issuedAt: t, expiresAt: t + 3600 };
        await s.refreshTokens.save(record, 3600);
        expect(await s.refreshTokens.consume(record.id)).to.deep.equal(record);
        const found = await s.refreshTokens.find(record.id);
        expect(found?.consumedAt).to.be.a('number');
        expect(found).to.deep.equal({ ...record, consumed: true, consumedAt: found?.consumedAt });
      } finally {
        await p.promise().end();
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
        expect(err).to.have.property('code', 'ER_NO_SUCH_TABLE');
      } finally {
        await missing.close();
      }
    });

    describe('a database that cannot be reached', () => {
      it('every method, createSchema() and deleteExpired() reject with StoreUnavailableError, the driver error as cause', async () => {
        const p = mysql.createPool({ host: '127.0.0.1', port: await closedPort(), user: 'root', connectTimeout: 500 });
        try {
          const down = sqlStores({ dialect: 'mysql', pool: p });
          const calls: Record<string, () => Promise<unknown>> = {
            'consents.find': () => down.consents.find('s', 'c'),
            'consents.save': () => down.consents.save('s', 'c', [], 60),
            'consents.revoke': () => down.consents.revoke('s', 'c'),
            'clients.save': () => down.clients.save({ id: 'x', redirectUris: [], grantTypes: [], responseTypes: [], tokenEndpointAuthMethods: ['none'] }),
            'clients.delete': () => down.clients.delete('x'),
            deleteExpired: () => down.deleteExpired(),
            createSchema: () => createSchema({ dialect: 'mysql', pool: p }),
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

      it('a server that accepts connections and never answers: StoreUnavailableError after connectTimeout', async () => {
        const sockets = new Set<Socket>();
        const server: Server = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
        await once(server, 'listening');
        const p = mysql.createPool({ host: '127.0.0.1', port: (server.address() as { port: number }).port, user: 'root', connectTimeout: 300 });
        try {
          const started = Date.now();
          const err = await sqlStores({ dialect: 'mysql', pool: p })
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

      it('a connection the server killed while idle: the next calls work again, or fail as unavailable', async () => {
        const p = pool({ connectionLimit: 1 });
        try {
          const s = sqlStores({ dialect: 'mysql', pool: p, tablePrefix: PREFIXES.specifics });
          const [rows] = await p.query('SELECT CONNECTION_ID() AS id');
          const id = Number((rows as { id: unknown }[])[0]?.id);
          await withPool((admin) => admin.query('KILL ?', [id]));
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
          const [after] = await p.query('SELECT CONNECTION_ID() AS id');
          expect(Number((after as { id: unknown }[])[0]?.id), 'a new connection').to.not.equal(id);
        } finally {
          await p.end();
        }
      });
    });

    it('isUnavailable() knows the driver failures and nothing else', () => {
      for (const err of [
        { code: 'ECONNREFUSED' },
        { code: 'PROTOCOL_CONNECTION_LOST' },
        { code: 'ER_CON_COUNT_ERROR' },
        new Error('Pool is closed.'),
        new AggregateError([{ code: 'ECONNREFUSED' }], 'connect failed'),
        new Error('wrapped', { cause: { code: 'ETIMEDOUT' } }),
      ]) {
        expect(isUnavailable(err), JSON.stringify(err)).to.equal(true);
      }
      for (const err of [{ code: 'ER_NO_SUCH_TABLE' }, { code: 'ER_DUP_ENTRY' }, { code: 'ER_PARSE_ERROR' }, { code: 'ER_ACCESS_DENIED_ERROR' }, new TypeError('x'), null, 'ECONNREFUSED']) {
        expect(isUnavailable(err), JSON.stringify(err)).to.equal(false);
      }
    });
  });
});
