/**
 * The DynamoDB stores against dynalite, started in this process on a free loopback
 * port (it has no TTL sweeper: expiry on read is all there is). The shared contract
 * runs with two SDK clients per test on one table; then the table helper and the
 * translation of SDK errors.
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
import {
  DynamoAccessTokenStore,
  dynamoStores,
  isDynamoUnavailable,
} from '../../lib/stores/dynamodb.js';
import { createDynamoTable, DYNAMO_TTL_ATTRIBUTE } from '../../lib/stores/dynamodb/table.js';
import { describeStoreContract } from './contract.js';

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

  function open(
    at: number,
    table = tableName,
  ): ReturnType<typeof dynamoStores> & { close(): void } {
    const db = sdk(at);
    return {
      ...dynamoStores({ client: DynamoDBDocument.from(db), tableName: table }),
      close: () => db.destroy(),
    };
  }

  describeStoreContract('dynamodb', () => open(port), {
    clockControl: 'real',
    sharedBackend: true,
    unreachable: () => open(downPort),
  });

  describe('createDynamoTable()', () => {
    it('is safe to run again on an existing table', async () => {
      const db = sdk(port);
      try {
        await createDynamoTable(db, tableName, { timeToLive: false });
        const { Table } = await db.describeTable({ TableName: tableName });
        expect(Table?.TableStatus).to.equal('ACTIVE');
        expect(Table?.KeySchema).to.deep.equal([{ AttributeName: 'pk', KeyType: 'HASH' }]);
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

  describe('errors', () => {
    it('a server that accepts but never answers gives StoreUnavailableError within the request timeout', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      const silentPort = await listen(silent);
      const stores = open(silentPort);
      try {
        const started = Date.now();
        const err = await stores.accessTokens.find(randomUUID()).then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(err).to.be.an.instanceOf(StoreUnavailableError);
        expect((err as Error).cause).to.have.property('name', 'TimeoutError');
        expect(Date.now() - started).to.be.below(3000);
      } finally {
        stores.close();
        for (const socket of sockets) socket.destroy();
        await close(silent);
      }
    });

    it('a missing table is not "unavailable": the SDK error is rethrown as it is', async () => {
      const db = sdk(port);
      try {
        const store = new DynamoAccessTokenStore({
          client: DynamoDBDocument.from(db),
          tableName: `missing-${randomUUID()}`,
        });
        const err = await store.find(randomUUID()).then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(err).to.not.be.an.instanceOf(StoreUnavailableError);
        expect(err).to.have.property('name', 'ResourceNotFoundException');
      } finally {
        db.destroy();
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
