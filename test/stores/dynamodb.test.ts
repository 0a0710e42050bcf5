/**
 * The DynamoDB record store against dynalite, started in this process on a free
 * loopback port (it has no TTL sweeper: expiry on read is all there is). The
 * record contract and the typed store contract (through `dynamoStores()`, on the
 * frozen clock) run with two SDK clients per test on one table; then the table
 * helper, the options, and the translation of SDK errors.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { StoreUnavailableError } from '../../lib/errors.js';
import { DynamoRecordStore, dynamoStores, isDynamoUnavailable } from '../../lib/stores/dynamodb.js';
import { createDynamoTable, DYNAMO_TTL_ATTRIBUTE } from '../../lib/stores/dynamodb/table.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';
import { describeStoreContract } from './contract.js';
import { describeRecordContract } from './record-contract.js';

type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

const HOST = '127.0.0.1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A fail-fast client, as the store's header recommends. */
function sdk(port: number): DynamoDB {
  return new DynamoDB({
    region: 'us-east-1',
    credentials,
    endpoint: `http://${HOST}:${port}`,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
  });
}

async function listen<T extends Server | NetServer>(server: T): Promise<number> {
  server.listen(0, HOST);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function close(server: Server | NetServer): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

describe('DynamoDB stores (dynalite)', () => {
  const tableName = `oauth2-${randomUUID()}`;
  let server: Server;
  let port = 0;
  let downPort = 0;

  before(async () => {
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    port = await listen(server);
    downPort = await closedPort();
    const db = sdk(port);
    try {
      await createDynamoTable(db, tableName, { timeToLive: false });
    } finally {
      db.destroy();
    }
  });

  after(async () => {
    if (server !== undefined) await close(server);
  });

  /** A record store on its own SDK client. */
  function records(
    at: number,
    clock?: FrozenClock,
    table = tableName,
  ): { records: DynamoRecordStore; close(): void } {
    const db = sdk(at);
    const client = DynamoDBDocument.from(db);
    return {
      records: new DynamoRecordStore({ client, tableName: table, ...(clock && { clock }) }),
      close: () => db.destroy(),
    };
  }

  /** The typed stores on their own SDK client. */
  function stores(
    at: number,
    clock: FrozenClock,
  ): ReturnType<typeof dynamoStores> & { close(): void } {
    const db = sdk(at);
    return {
      ...dynamoStores({ client: DynamoDBDocument.from(db), tableName, clock }),
      close: () => db.destroy(),
    };
  }

  describeRecordContract('dynamodb', (clock) => records(port, clock), {
    sharedBackend: true,
    unreachable: (clock) => records(downPort, clock),
  });

  describeStoreContract('dynamodb', (clock) => stores(port, clock), {
    sharedBackend: true,
    unreachable: (clock) => stores(downPort, clock),
  });

  describe('createDynamoTable()', () => {
    it('is safe to run again on an existing table', async () => {
      const db = sdk(port);
      try {
        await createDynamoTable(db, tableName, { timeToLive: false });
        const { Table } = await db.describeTable({ TableName: tableName });
        expect(Table?.TableStatus).to.equal('ACTIVE');
        expect(Table?.KeySchema).to.deep.equal([
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ]);
      } finally {
        db.destroy();
      }
    });

    it('enables TTL on expires_at unless told not to (dynalite lacks UpdateTimeToLive)', async () => {
      const calls: unknown[] = [];
      const db = sdk(port);
      try {
        const recording = {
          createTable: db.createTable.bind(db),
          describeTable: db.describeTable.bind(db),
          describeTimeToLive: db.describeTimeToLive.bind(db),
          updateTimeToLive: async (input: unknown) => {
            calls.push(input);
            return { $metadata: {} };
          },
        } as unknown as Parameters<typeof createDynamoTable>[0];
        await createDynamoTable(recording, tableName);
        expect(calls).to.deep.equal([
          {
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: DYNAMO_TTL_ATTRIBUTE, Enabled: true },
          },
        ]);
      } finally {
        db.destroy();
      }
    });
  });

  describe('table layout', () => {
    it('createDynamoTable() refuses a table keyed by pk alone, naming the fix', async () => {
      const db = sdk(port);
      const old = `old-${randomUUID()}`;
      try {
        await db.createTable({
          TableName: old,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        });
        const err = await createDynamoTable(db, old, { timeToLive: false }).then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect((err as Error).message)
          .to.match(/pk \(HASH\) \+ sk/)
          .and.match(/new table/);
      } finally {
        await db.deleteTable({ TableName: old }).catch(() => undefined);
        db.destroy();
      }
    });

    it('a record carries expires_at (the TTL attribute) as its remaining life from now, not by the store clock', async () => {
      const store = records(port, frozenClock(Date.UTC(2001, 0, 1)));
      const db = sdk(port);
      try {
        const id = randomUUID();
        await store.records.put('code', id, { a: 1 }, 60);
        const { Item } = await DynamoDBDocument.from(db).get({
          TableName: tableName,
          Key: { pk: JSON.stringify(['code', id]), sk: 'record' },
        });
        const now = Math.floor(Date.now() / 1000);
        expect(Item?.[DYNAMO_TTL_ATTRIBUTE]).to.be.within(now + 59, now + 62);
        expect(Item?.['expires_ms']).to.equal(Date.UTC(2001, 0, 1) + 60_000);
      } finally {
        store.close();
        db.destroy();
      }
    });

    it('delete() and a put() with other lookups remove the old lookup items', async () => {
      const store = records(port);
      const db = sdk(port);
      const lookupItems = async (key: string): Promise<unknown[]> => {
        const { Items } = await DynamoDBDocument.from(db).query({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': JSON.stringify(['consent', 'subject', key]) },
          ConsistentRead: true,
        });
        return (Items ?? []).map((item) => item['sk']);
      };
      try {
        const [a, b, key, other] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        await store.records.put('consent', a, { a: 1 }, 60, { subject: key });
        await store.records.put('consent', b, { b: 1 }, 60, { subject: key });
        expect(await lookupItems(key)).to.have.members([a, b]);
        await store.records.delete('consent', a);
        expect(await lookupItems(key)).to.deep.equal([b]);
        await store.records.put('consent', b, { b: 2 }, 60, { subject: other });
        expect(await lookupItems(key)).to.deep.equal([]);
        expect(await lookupItems(other)).to.deep.equal([b]);
      } finally {
        store.close();
        db.destroy();
      }
    });

    it('parallel addOnce() over an expired record: exactly one replaces it', async () => {
      const clock = frozenClock();
      const store = records(port, clock);
      try {
        const id = randomUUID();
        expect(await store.records.addOnce('jti', id, 60, { first: true })).to.equal(true);
        clock.advance(60);
        const added = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.records.addOnce('jti', id, 60, { i })),
        );
        expect(added.filter(Boolean)).to.have.length(1);
        expect((await store.records.get('jti', id))?.value).to.deep.equal({
          i: added.indexOf(true),
        });
      } finally {
        store.close();
      }
    });

    it('parallel update() without an expected version: every one is applied, one version each', async () => {
      const store = records(port);
      try {
        const id = randomUUID();
        await store.records.put('device', id, {}, 60);
        const updated = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.records.update('device', id, { [`k${i}`]: i }),
          ),
        );
        const versions = updated.map((record) => record?.version ?? 0).sort((a, b) => a - b);
        expect(versions).to.deep.equal(Array.from({ length: 10 }, (_, i) => i + 2));
        const value = (await store.records.get('device', id))?.value;
        expect(Object.keys(value ?? {})).to.have.length(10);
      } finally {
        store.close();
      }
    });

    it('bad options are TypeErrors that name the option', () => {
      const db = sdk(port);
      try {
        const client = DynamoDBDocument.from(db);
        const make = (options: object) => () =>
          new DynamoRecordStore(options as ConstructorParameters<typeof DynamoRecordStore>[0]);
        expect(make({ tableName })).to.throw(TypeError, /options\.client/);
        expect(make({ client })).to.throw(TypeError, /options\.tableName/);
        expect(make({ client, tableName, prefix: 'a[b' })).to.throw(TypeError, /options\.prefix/);
        expect(make({ client, tableName, clock: 'now' })).to.throw(TypeError, /options\.clock/);
      } finally {
        db.destroy();
      }
    });
  });

  describe('errors', () => {
    it('a server that accepts but never answers gives StoreUnavailableError within the request timeout', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      const silentPort = await listen(silent);
      const store = records(silentPort);
      try {
        const started = Date.now();
        const err = await store.records.get('access', randomUUID()).then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(err).to.be.an.instanceOf(StoreUnavailableError);
        expect((err as Error).cause).to.have.property('name', 'TimeoutError');
        expect(Date.now() - started).to.be.below(3000);
      } finally {
        store.close();
        for (const socket of sockets) socket.destroy();
        await close(silent);
      }
    });

    it('a missing table is not "unavailable": the SDK error is rethrown as it is', async () => {
      const store = records(port, undefined, `missing-${randomUUID()}`);
      try {
        const err = await store.records.get('access', randomUUID()).then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(err).to.not.be.an.instanceOf(StoreUnavailableError);
        expect(err).to.have.property('name', 'ResourceNotFoundException');
      } finally {
        store.close();
      }
    });

    it('throttling and 5xx answers count as unavailable, client errors do not', () => {
      expect(
        isDynamoUnavailable({
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        }),
      ).to.equal(true);
      expect(
        isDynamoUnavailable({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }),
      ).to.equal(true);
      expect(isDynamoUnavailable({ name: 'Error', code: 'ECONNRESET', $metadata: {} })).to.equal(
        true,
      );
      expect(
        isDynamoUnavailable({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }),
      ).to.equal(false);
      expect(isDynamoUnavailable({ name: 'CredentialsProviderError' })).to.equal(false);
      expect(isDynamoUnavailable(new Error('Region is missing'))).to.equal(false);
    });
  });
});
