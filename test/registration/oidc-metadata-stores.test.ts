/**
 * The OpenID Connect members of a registered client survive every store with a
 * client registry (lib/helpers/stored-client.ts is their one stored form): a
 * client registered through one provider is read, with every member, by another
 * provider over a second connection — on Redis, MariaDB, PostgreSQL, DynamoDB
 * (dynalite, in this process) and MongoDB (only when MONGODB_URI names one, as
 * in test/stores/mongodb.test.ts). Suites whose server is absent are skipped
 * (failed under CI=true, MongoDB excepted).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import express from 'express';
import { MongoClient } from 'mongodb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import request from 'supertest';
import { createAuthorizationServer, type Stores } from '../../index.js';
import { createDynamoTable, dynamoStores } from '../../lib/stores/dynamodb.js';
import { mongoStores } from '../../lib/stores/mongodb.js';
import { redisStores } from '../../lib/stores/redis.js';
import { createSchema, sqlStores } from '../../lib/stores/sql/index.js';
import { connectRedis, deleteKeys, requireRedis } from '../support/redis-test.js';
import { isListening, requireService } from '../support/services.js';
import { ISSUER, pathOf, register, WEB_CB } from './support.js';

const MEMBERS = Object.freeze({
  post_logout_redirect_uris: ['https://app.example.test/bye', 'https://app.example.test/bye?x=1'],
  subject_type: 'pairwise',
  default_max_age: 600,
  require_auth_time: true,
  initiate_login_uri: 'https://app.example.test/login',
});

interface Opened {
  stores: Partial<Stores>;
  close(): Promise<void>;
}

interface Backend {
  open(): Promise<Opened>;
  cleanup(): Promise<void>;
}

/** An app over `stores` with OpenID Connect (one key pair for both providers) and registration. */
function appOver(stores: Partial<Stores>, signingKeys: { pem: string }[]) {
  const oauth = createAuthorizationServer({
    issuer: ISSUER,
    stores,
    signingKeys,
    scopes: { available: ['read'] },
    registration: { policy: 'open' },
    openid: { claims: () => ({}), pairwiseKey: 'the-pairwise-key-both-providers-share' },
  });
  const app = express();
  app.use(oauth.router());
  return { app, oauth };
}

function describeBackend(
  name: string,
  probe: (ctx: Mocha.Context) => Promise<void>,
  backend: () => Backend,
): void {
  describe(`registration: OpenID Connect members over ${name}`, function () {
    this.timeout(20_000);
    let shared: Backend;
    let first: Opened;
    let second: Opened;
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();

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

    it('a client registered at one provider has every member at the other, stored and echoed', async () => {
      const one = appOver(first.stores, [{ pem }]);
      const two = appOver(second.stores, [{ pem }]);
      const body = {
        redirect_uris: [WEB_CB],
        token_endpoint_auth_method: 'none',
        id_token_signed_response_alg: 'ES256',
        ...MEMBERS,
      };
      const reg = await register(one.app, body);
      expect(reg.status, JSON.stringify(reg.body)).to.equal(201);
      const client = await two.oauth.provider.stores.clients.find(reg.body.client_id);
      expect(client).to.deep.include({
        postLogoutRedirectUris: MEMBERS.post_logout_redirect_uris,
        subjectType: 'pairwise',
        idTokenSignedResponseAlg: 'ES256',
        defaultMaxAge: 600,
        requireAuthTime: true,
        initiateLoginUri: MEMBERS.initiate_login_uri,
      });
      const read = await request(two.app)
        .get(pathOf(reg.body.registration_client_uri))
        .set('Authorization', `Bearer ${reg.body.registration_access_token}`);
      expect(read.status).to.equal(200);
      expect(read.body).to.deep.include({ ...MEMBERS, id_token_signed_response_alg: 'ES256' });
    });
  });
}

describeBackend('Redis', requireRedis, () => {
  const prefix = `oidc-reg-${randomBytes(4).toString('hex')}:`;
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

const SQL_PREFIX = `oidc${randomBytes(4).toString('hex')}_`;
const MYSQL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const POSTGRES = process.env['POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describeBackend(
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
        created ??= createSchema({ dialect: 'mysql', client: admin, prefix: SQL_PREFIX });
        await created;
        const pool = mysql.createPool({ uri: MYSQL, connectTimeout: 2000 });
        return {
          stores: sqlStores({ dialect: 'mysql', client: pool, prefix: SQL_PREFIX }),
          close: () => pool.end(),
        };
      },
      async cleanup() {
        await admin.query(`DROP TABLE IF EXISTS ${SQL_PREFIX}record_lookups, ${SQL_PREFIX}records`);
        await admin.end();
      },
    };
  },
);

describeBackend(
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
        created ??= createSchema({ dialect: 'postgres', client: admin, prefix: SQL_PREFIX });
        await created;
        const pool = new pg.Pool({ connectionString: POSTGRES, connectionTimeoutMillis: 2000 });
        return {
          stores: sqlStores({ dialect: 'postgres', client: pool, prefix: SQL_PREFIX }),
          close: () => pool.end(),
        };
      },
      async cleanup() {
        await admin.query(`DROP TABLE IF EXISTS ${SQL_PREFIX}record_lookups, ${SQL_PREFIX}records`);
        await admin.end();
      },
    };
  },
);

type Dynalite = (options: { createTableMs?: number }) => Server;

describeBackend(
  'DynamoDB (dynalite)',
  async () => undefined,
  () => {
    const server = (createRequire(import.meta.url)('dynalite') as Dynalite)({ createTableMs: 0 });
    const tableName = `oidc-${randomUUID()}`;
    let ready: Promise<number> | undefined;
    const sdk = (port: number) =>
      new DynamoDB({
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        endpoint: `http://127.0.0.1:${port}`,
        maxAttempts: 1,
      });
    const start = async () => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as AddressInfo).port;
      const db = sdk(port);
      await createDynamoTable(db, tableName, { timeToLive: false });
      db.destroy();
      return port;
    };
    return {
      async open() {
        ready ??= start();
        const db = sdk(await ready);
        return {
          stores: dynamoStores({ client: DynamoDBDocument.from(db), tableName }),
          close: async () => db.destroy(),
        };
      },
      cleanup: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
);

const MONGODB_URI = process.env['MONGODB_URI'];

describeBackend(
  'MongoDB',
  (ctx) =>
    requireService(ctx, {
      name: 'MongoDB at MONGODB_URI',
      probe: async () => MONGODB_URI !== undefined,
      hint: 'set MONGODB_URI to a MongoDB server (none can be installed on this machine)',
      optionalInCi: MONGODB_URI === undefined,
    }),
  () => {
    const collectionName = `oidc_${randomUUID()}`;
    const clients: MongoClient[] = [];
    return {
      async open() {
        const client = new MongoClient(MONGODB_URI ?? '', { serverSelectionTimeoutMS: 2000 });
        clients.push(client);
        return {
          stores: mongoStores({ db: client.db(), collectionName }),
          close: async () => undefined,
        };
      },
      async cleanup() {
        await clients[0]
          ?.db()
          .collection(collectionName)
          .drop()
          .catch(() => undefined);
        for (const client of clients) await client.close();
      },
    };
  },
);
