/**
 * A client registered through one provider is known to another that shares the
 * stores (two processes' worth: two providers, two connections): on Redis,
 * MariaDB and PostgreSQL. The second provider finds it, issues it tokens, and
 * its management token works there too; a delete at one is seen at the other.
 * Each backend's suite is skipped when its server is absent (failed under CI=true).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import express from 'express';
import mysql from 'mysql2/promise';
import pg from 'pg';
import request from 'supertest';
import { createAuthorizationServer, type Stores } from '../../index.js';
import { redisStores } from '../../lib/stores/redis.js';
import { createSchema, sqlStores } from '../../lib/stores/sql/index.js';
import { connectRedis, deleteKeys, requireRedis } from '../support/redis-test.js';
import { isListening, requireService } from '../support/services.js';
import { ISSUER, register } from './support.js';

/** Two connections' worth of stores, and how to end them. */
interface SharedBackend {
  open(): Promise<{ stores: Partial<Stores>; close(): Promise<void> }>;
  cleanup(): Promise<void>;
}

function appOver(stores: Partial<Stores>) {
  const oauth = createAuthorizationServer({
    issuer: ISSUER,
    stores,
    scopes: { available: ['read'] },
    registration: { policy: 'open' },
  });
  const app = express();
  app.use(oauth.router());
  return app;
}

function describeShared(
  name: string,
  probe: (ctx: Mocha.Context) => Promise<void>,
  backend: () => SharedBackend,
): void {
  describe(`registration shared by two providers over ${name}`, function () {
    this.timeout(20_000);
    let shared: SharedBackend;
    let first: Awaited<ReturnType<SharedBackend['open']>>;
    let second: Awaited<ReturnType<SharedBackend['open']>>;

    before(async function () {
      await probe(this);
      shared = backend();
      first = await shared.open();
      second = await shared.open();
    });
    after(async () => {
      await first?.close();
      await second?.close();
      await shared?.cleanup();
    });

    it('a client registered at one is found, used, read and deleted at the other', async () => {
      const one = appOver(first.stores);
      const two = appOver(second.stores);
      const reg = await register(one, {
        client_name: 'shared',
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'read',
      });
      expect(reg.status, JSON.stringify(reg.body)).to.equal(201);
      const token = await request(two)
        .post('/token')
        .type('form')
        .auth(reg.body.client_id, reg.body.client_secret)
        .send({ grant_type: 'client_credentials', scope: 'read' });
      expect(token.status, JSON.stringify(token.body)).to.equal(200);
      const path = new URL(reg.body.registration_client_uri).pathname;
      const auth = `Bearer ${reg.body.registration_access_token}`;
      const read = await request(two).get(path).set('Authorization', auth);
      expect(read.status).to.equal(200);
      expect(read.body.client_name).to.equal('shared');
      expect((await request(two).delete(path).set('Authorization', auth)).status).to.equal(204);
      expect((await request(one).get(path).set('Authorization', auth)).status).to.equal(401);
    });
  });
}

describeShared('Redis', requireRedis, () => {
  const prefix = `reg-${randomBytes(4).toString('hex')}:`;
  return {
    async open() {
      const client = await connectRedis();
      return {
        stores: redisStores({ client, prefix }),
        close: async () => void (await client.quit()),
      };
    },
    async cleanup() {
      const client = await connectRedis();
      await deleteKeys(client, `${prefix}*`);
      await client.quit();
    },
  };
});

const prefix = `reg${randomBytes(4).toString('hex')}_`;
const MYSQL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const POSTGRES = process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describeShared(
  'MariaDB',
  (ctx) =>
    requireService(ctx, {
      name: `MariaDB/MySQL at ${MYSQL}`,
      probe: () => isListening(3306),
      hint: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
    }),
  () => {
    const admin = mysql.createPool({ uri: MYSQL, connectTimeout: 2000 });
    let created: Promise<void> | undefined;
    return {
      async open() {
        created ??= createSchema({ dialect: 'mysql', client: admin, prefix });
        await created;
        const pool = mysql.createPool({ uri: MYSQL, connectTimeout: 2000 });
        return {
          stores: sqlStores({ dialect: 'mysql', client: pool, prefix }),
          close: () => pool.end(),
        };
      },
      async cleanup() {
        await admin.query(`DROP TABLE IF EXISTS ${prefix}record_lookups, ${prefix}records`);
        await admin.end();
      },
    };
  },
);

describeShared(
  'PostgreSQL',
  (ctx) =>
    requireService(ctx, {
      name: `PostgreSQL at ${POSTGRES}`,
      probe: () => isListening(5432),
      hint: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    }),
  () => {
    const admin = new pg.Pool({ connectionString: POSTGRES, connectionTimeoutMillis: 2000 });
    let created: Promise<void> | undefined;
    return {
      async open() {
        created ??= createSchema({ dialect: 'postgres', client: admin, prefix });
        await created;
        const pool = new pg.Pool({ connectionString: POSTGRES, connectionTimeoutMillis: 2000 });
        return {
          stores: sqlStores({ dialect: 'postgres', client: pool, prefix }),
          close: () => pool.end(),
        };
      },
      async cleanup() {
        await admin.query(`DROP TABLE IF EXISTS ${prefix}record_lookups, ${prefix}records`);
        await admin.end();
      },
    };
  },
);
