/**
 * The MongoDB stores. No MongoDB server can be installed on this machine, so the
 * shared contract runs only when MONGODB_URI names one (two MongoClients per test
 * on one database, collections under a prefix unique to the run, dropped after);
 * without it the suite is skipped, also under CI, and says so. What needs no
 * server runs always: every method against a closed port, and the error rules.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { StoreUnavailableError } from '../../lib/errors.js';
import {
  createMongoIndexes,
  isMongoUnavailable,
  MONGO_COLLECTIONS,
  mongoStores,
} from '../../lib/stores/mongodb.js';
import type { Stores } from '../../lib/stores/types.js';
import type { FrozenClock } from '../support/fixtures.js';
import { requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

const URI = process.env['MONGODB_URI'];

/** Fail-fast options, as the store's header recommends. */
const FAIL_FAST = { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 } as const;

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function unreachableClient(port: number): MongoClient {
  return new MongoClient(`mongodb://127.0.0.1:${port}/test`, {
    ...FAIL_FAST,
    directConnection: true,
  });
}

async function ping(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.db().command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

describe('MongoDB stores', () => {
  const collectionPrefix = `oauth2_test_${randomUUID().slice(0, 8)}_`;
  const connections: MongoClient[] = [];
  const calls = new WeakMap<FrozenClock, number>();
  let downPort = 1;

  before(async function () {
    await requireService(this, {
      name:
        URI === undefined
          ? 'MongoDB (MONGODB_URI is not set, and no MongoDB server is available on this machine)'
          : `MongoDB at MONGODB_URI`,
      probe: async () => URI !== undefined && (await ping(URI)),
      hint: 'point MONGODB_URI at a MongoDB server, e.g. MONGODB_URI=mongodb://127.0.0.1:27017/test',
      // Skipped even under CI when no server was named; a named server that is down fails CI.
      optionalInCi: URI === undefined,
    });
    for (let i = 0; i < 2; i++)
      connections.push(new MongoClient(URI ?? '', { serverSelectionTimeoutMS: 2000 }));
    await createMongoIndexes(connections[0].db(), { collectionPrefix });
    downPort = await closedPort();
  });

  after(async () => {
    for (const client of connections.splice(0)) await client.close();
  });

  describeStoreContract(
    'mongodb',
    (clock) => {
      // The first factory call of a test gets the first client, the second call the other one.
      const n = calls.get(clock) ?? 0;
      calls.set(clock, n + 1);
      return mongoStores({ db: connections[n % 2].db(), collectionPrefix });
    },
    {
      clockControl: 'real',
      sharedBackend: true,
      unreachable: () => {
        const client = unreachableClient(downPort);
        return {
          ...mongoStores({ db: client.db(), collectionPrefix }),
          close: () => client.close(),
        };
      },
      cleanup: async () => {
        const db = connections[0]?.db();
        if (db === undefined) return;
        for (const name of MONGO_COLLECTIONS)
          await db
            .collection(`${collectionPrefix}${name}`)
            .drop()
            .catch(() => undefined);
      },
    },
  );
});

describe('MongoDB stores without a server', () => {
  let client: MongoClient;
  let stores: Stores;

  beforeEach(async () => {
    client = unreachableClient(await closedPort());
    stores = mongoStores({ db: client.db() });
  });

  afterEach(() => client.close());

  it('every method rejects with StoreUnavailableError, the driver error as cause', async function () {
    this.timeout(20_000);
    const id = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const common = {
      id,
      clientId: 'web',
      subject: 'alice',
      scope: ['read'],
      grantId: id,
      issuedAt: now,
      expiresAt: now + 60,
    };
    const calls: Record<string, () => Promise<unknown>> = {
      'clients.find': () => stores.clients.find(id),
      'clients.save': async () =>
        stores.clients.save?.({
          id,
          redirectUris: [],
          grantTypes: [],
          responseTypes: [],
          tokenEndpointAuthMethods: ['none'],
        }),
      'clients.delete': async () => stores.clients.delete?.(id),
      'codes.save': () =>
        stores.authorizationCodes.save(
          { ...common, redirectUri: 'https://a.test/cb', redirectUriSent: true },
          60,
        ),
      'codes.find': () => stores.authorizationCodes.find(id),
      'codes.consume': () => stores.authorizationCodes.consume(id),
      'accessTokens.save': () =>
        stores.accessTokens.save(
          {
            ...common,
            format: 'opaque',
            audience: 'https://api.test',
            grantType: 'authorization_code',
          },
          60,
        ),
      'accessTokens.find': () => stores.accessTokens.find(id),
      'accessTokens.revoke': () => stores.accessTokens.revoke(id),
      'accessTokens.revokeGrant': () => stores.accessTokens.revokeGrant(id, 60),
      'accessTokens.findByUniqueKey': () => stores.accessTokens.findByUniqueKey(id),
      'refreshTokens.save': () => stores.refreshTokens.save(common, 60),
      'refreshTokens.find': () => stores.refreshTokens.find(id),
      'refreshTokens.consume': () => stores.refreshTokens.consume(id),
      'refreshTokens.revoke': () => stores.refreshTokens.revoke(id),
      'refreshTokens.revokeGrant': () => stores.refreshTokens.revokeGrant(id, 60),
      'consents.find': () => stores.consents.find('alice', 'web'),
      'consents.save': () => stores.consents.save('alice', 'web', ['read'], 60),
      'consents.revoke': () => stores.consents.revoke('alice', 'web'),
    };
    const results = await Promise.all(
      Object.entries(calls).map(
        async ([label, call]) =>
          [
            label,
            await call().then(
              () => 'resolved',
              (err: unknown) => err,
            ),
          ] as const,
      ),
    );
    for (const [label, err] of results) {
      expect(err, label).to.be.an.instanceOf(StoreUnavailableError);
      // The first call fails server selection; the driver then closes the auto-connected topology.
      expect((err as Error).cause, label)
        .to.have.property('name')
        .that.matches(/^Mongo(ServerSelection|TopologyClosed)Error$/);
    }
  });

  it('network errors, timeouts and retryable server errors count as unavailable; others do not', () => {
    expect(isMongoUnavailable({ name: 'MongoNetworkTimeoutError' })).to.equal(true);
    expect(isMongoUnavailable({ name: 'MongoServerError', code: 10107 })).to.equal(true);
    expect(
      isMongoUnavailable({
        name: 'MongoServerError',
        code: 1,
        errorLabels: ['RetryableWriteError'],
      }),
    ).to.equal(true);
    expect(isMongoUnavailable({ name: 'MongoServerError', code: 11000 })).to.equal(false);
    expect(isMongoUnavailable({ name: 'MongoServerError', code: 13 })).to.equal(false);
    expect(isMongoUnavailable(new Error('boom'))).to.equal(false);
  });
});
