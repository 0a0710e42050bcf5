/**
 * The MongoDB record store. No MongoDB server can be installed on this machine,
 * so the record contract and the typed store contract (through `mongoStores()`,
 * on the frozen clock) run only when MONGODB_URI names one (two MongoClients per
 * test on one database, a collection unique to the run, dropped after); without
 * it the suite is skipped, also under CI, and says so (a named server that is
 * down fails CI). What needs no server runs always: every method against a
 * closed port, the options, and the error rules.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { MongoClient, type Db } from 'mongodb';
import { StoreUnavailableError } from '../../lib/errors.js';
import {
  createMongoIndexes,
  isMongoUnavailable,
  mongoStores,
  MongoRecordStore,
} from '../../lib/stores/mongodb.js';
import type { FrozenClock } from '../support/fixtures.js';
import { requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';
import { describeRecordContract } from './record-contract.js';

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

describe('MongoDB record store', () => {
  const collectionName = `oauth2_test_${randomUUID().slice(0, 8)}_records`;
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
    await createMongoIndexes(connections[0].db(), { collectionName });
    downPort = await closedPort();
  });

  after(async () => {
    await connections[0]
      ?.db()
      .collection(collectionName)
      .drop()
      .catch(() => undefined);
    for (const client of connections.splice(0)) await client.close();
  });

  /** The first factory call of a test gets the first client, the second call the other one. */
  function db(clock: FrozenClock): Db {
    const n = calls.get(clock) ?? 0;
    calls.set(clock, n + 1);
    return connections[n % 2].db();
  }

  describeRecordContract(
    'mongodb',
    (clock) => ({ records: new MongoRecordStore({ db: db(clock), collectionName, clock }) }),
    {
      sharedBackend: true,
      unreachable: (clock) => {
        const client = unreachableClient(downPort);
        return {
          records: new MongoRecordStore({ db: client.db(), collectionName, clock }),
          close: () => client.close(),
        };
      },
    },
  );

  describeStoreContract(
    'mongodb',
    (clock) => mongoStores({ db: db(clock), collectionName, clock }),
    {
      sharedBackend: true,
      unreachable: (clock) => {
        const client = unreachableClient(downPort);
        return {
          ...mongoStores({ db: client.db(), collectionName, clock }),
          close: () => client.close(),
        };
      },
    },
  );
});

describe('MongoDB record store without a server', () => {
  let client: MongoClient;
  let records: MongoRecordStore;

  beforeEach(async () => {
    client = unreachableClient(await closedPort());
    records = new MongoRecordStore({ db: client.db() });
  });

  afterEach(() => client.close());

  it('every method rejects with StoreUnavailableError, the driver error as cause', async function () {
    this.timeout(20_000);
    const id = randomUUID();
    const calls: Record<string, () => Promise<unknown>> = {
      put: () => records.put('code', id, { a: 1 }, 60, { key: id }),
      get: () => records.get('code', id),
      getBy: () => records.getBy('code', 'key', id),
      listBy: () => records.listBy('code', 'key', id),
      addOnce: () => records.addOnce('code', id, 60),
      consume: () => records.consume('code', id),
      update: () => records.update('code', id, { a: 2 }, 1),
      delete: () => records.delete('code', id),
      increment: () => records.increment('rate', id, 60),
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

  it('bad options are TypeErrors that name the option', () => {
    const make = (options: object) => () =>
      new MongoRecordStore(options as ConstructorParameters<typeof MongoRecordStore>[0]);
    expect(make({})).to.throw(TypeError, /options\.db/);
    expect(make({ db: client.db(), collectionName: '' })).to.throw(
      TypeError,
      /options\.collectionName/,
    );
    expect(make({ db: client.db(), prefix: 'a[' })).to.throw(TypeError, /options\.prefix/);
    expect(make({ db: client.db(), clock: 0 })).to.throw(TypeError, /options\.clock/);
  });

  it('a bad ttl is a RangeError, thrown before any call to the server', async () => {
    const err = await records.put('code', randomUUID(), {}, 0).then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e,
    );
    expect(err).to.be.an.instanceOf(RangeError);
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
