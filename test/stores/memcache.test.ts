/**
 * The memcached record store against the memcached on 127.0.0.1:11211: the
 * record contract (no expiry refused; two memjs clients per test on one server;
 * a key prefix unique to the run), the typed store contract through
 * `memcacheStores()` on the frozen clock, then memcached's own rules: the
 * 30-day expiry rule, keys for awkward ids, options, and the error policy.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import memjs, { type Client as Memjs } from 'memjs';
import { StoreUnavailableError } from '../../lib/errors.js';
import {
  memcacheExpiry,
  memcacheStores,
  MemcacheRecordStore,
  type MemcacheClient,
} from '../../lib/stores/memcache.js';
import { frozenClock } from '../support/fixtures.js';
import { isListening, requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';
import { describeRecordContract } from './record-contract.js';

const HOST = '127.0.0.1';
const PORT = 11211;
const DAY = 24 * 60 * 60;
const silent = { log(): void {} };

/** A fail-fast client, as the store's header recommends. */
function connect(port: number): Memjs {
  return memjs.Client.create(`${HOST}:${port}`, {
    retries: 1,
    timeout: 0.5,
    conntimeout: 0.5,
    logger: silent,
  });
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('memcache stores', () => {
  const prefix = `oauth2-test:${randomUUID()}:`;
  let downPort = 1;

  before(async function () {
    await requireService(this, {
      name: `memcached on ${HOST}:${PORT}`,
      probe: () => isListening(PORT, HOST),
      hint: `apt-get install -y memcached && memcached -d -u memcache -l ${HOST} -p ${PORT}`,
    });
    downPort = await closedPort();
  });

  describeRecordContract(
    'memcache',
    (clock) => {
      const client = connect(PORT);
      return {
        records: new MemcacheRecordStore({ client, prefix, clock }),
        close: () => client.quit(),
      };
    },
    {
      noExpiry: false,
      sharedBackend: true,
      unreachable: (clock) => {
        const client = connect(downPort);
        return {
          records: new MemcacheRecordStore({ client, prefix, clock }),
          close: () => client.close(),
        };
      },
    },
  );

  describeStoreContract(
    'memcache',
    (clock) => {
      const client = connect(PORT);
      return { ...memcacheStores({ client, prefix, clock }), close: () => client.quit() };
    },
    {
      sharedBackend: true,
      unreachable: (clock) => {
        const client = connect(downPort);
        return { ...memcacheStores({ client, prefix, clock }), close: () => client.close() };
      },
    },
  );

  describe('memcached rules', () => {
    let client: Memjs;
    beforeEach(() => {
      client = connect(PORT);
    });
    afterEach(() => client.quit());

    it('TTLs over 30 days are sent as absolute Unix times, shorter ones as seconds', () => {
      const now = Math.floor(Date.now() / 1000);
      expect(memcacheExpiry(60)).to.equal(60);
      expect(memcacheExpiry(30 * DAY)).to.equal(30 * DAY);
      expect(memcacheExpiry(30 * DAY + 1)).to.be.within(now + 30 * DAY + 1, now + 30 * DAY + 3);
      expect(memcacheExpiry(0), '0 would mean "never expires"').to.equal(1);
      expect(memcacheExpiry(0.2)).to.equal(1);
    });

    it('a record put for 60 days is kept, with its consumed marker (sent as seconds, memcached would drop them at once)', async () => {
      const records = new MemcacheRecordStore({ client, prefix });
      const id = randomUUID();
      await records.put('code', id, { a: 1 }, 60 * DAY);
      expect((await records.get('code', id))?.value).to.deep.equal({ a: 1 });
      expect((await records.consume('code', id))?.value).to.deep.equal({ a: 1 });
      expect(await records.consume('code', id)).to.equal(undefined);
      expect((await records.get('code', id))?.consumedAt).to.be.a('number');
    });

    it('the typed stores have no client registry: memcached may evict it', () => {
      const stores = memcacheStores({ client, prefix });
      expect(stores.clients).to.equal(undefined);
    });

    it('put() without a ttl is a TypeError that names the fix', async () => {
      const records = new MemcacheRecordStore({ client, prefix });
      const err = await records.put('client', randomUUID(), {}, undefined).then(
        () => expect.fail('expected a rejection'),
        (e: unknown) => e,
      );
      expect(err).to.be.an.instanceOf(TypeError);
      expect((err as Error).message)
        .to.match(/evict/)
        .and.match(/Redis or SQL/);
    });

    it('keeps every key within 250 bytes, however long the id and lookup', async () => {
      const keys: string[] = [];
      const recording = new Proxy(client, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (key: string, ...rest: unknown[]) => {
            keys.push(key);
            return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
          };
        },
      }) as MemcacheClient;
      const records = new MemcacheRecordStore({ client: recording, prefix: 'p'.repeat(64) });
      const long = 'é'.repeat(500);
      await records.put(long, long, { a: 1 }, 60, { [long]: long });
      await records.update(long, long, { b: 2 });
      await records.consume(long, long);
      expect((await records.getBy(long, long, long))?.value).to.deep.equal({ a: 1, b: 2 });
      await records.increment(long, long, 60);
      expect(keys.length).to.be.above(5);
      for (const key of keys) expect(Buffer.byteLength(key), key).to.be.at.most(250);
    });

    it('a counter window that ended restarts at 1 for every caller, and later ones join it', async () => {
      const clock = frozenClock();
      const records = new MemcacheRecordStore({ client, prefix, clock });
      const id = randomUUID();
      expect(await records.increment('rate', id, 10)).to.equal(1);
      clock.advance(10);
      const counts = await Promise.all(
        Array.from({ length: 10 }, () => records.increment('rate', id, 10)),
      );
      expect([...counts].sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const second = connect(PORT);
      try {
        const other = new MemcacheRecordStore({ client: second, prefix, clock });
        expect(await other.increment('rate', id, 10), 'a new handle joins the window').to.equal(11);
      } finally {
        second.quit();
      }
    });

    it('parallel addOnce() over a record dead by the clock but still in memcached: exactly one replaces it', async () => {
      const clock = frozenClock();
      const records = new MemcacheRecordStore({ client, prefix, clock });
      const id = randomUUID();
      expect(await records.addOnce('jti', id, 60, { first: true })).to.equal(true);
      clock.advance(60);
      const added = await Promise.all(
        Array.from({ length: 20 }, (_, i) => records.addOnce('jti', id, 60, { i })),
      );
      expect(added.filter(Boolean)).to.have.length(1);
      expect((await records.get('jti', id))?.value).to.deep.equal({ i: added.indexOf(true) });
    });

    it('parallel update() without an expected version: every one is applied, one version each', async () => {
      const records = new MemcacheRecordStore({ client, prefix });
      const id = randomUUID();
      await records.put('device', id, {}, 60);
      const updated = await Promise.all(
        Array.from({ length: 20 }, (_, i) => records.update('device', id, { [`k${i}`]: i })),
      );
      const versions = updated.map((record) => record?.version ?? 0).sort((a, b) => a - b);
      expect(versions).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 2));
      const value = (await records.get('device', id))?.value;
      expect(Object.keys(value ?? {})).to.have.length(20);
    });

    it('bad options are TypeErrors that name the option', () => {
      const make = (options: object) => () =>
        new MemcacheRecordStore(options as ConstructorParameters<typeof MemcacheRecordStore>[0]);
      expect(make({})).to.throw(TypeError, /options\.client/);
      expect(make({ client, prefix: 'has space' })).to.throw(TypeError, /options\.prefix/);
      expect(make({ client, prefix: 'x'.repeat(65) })).to.throw(TypeError, /options\.prefix/);
      expect(make({ client, clock: 1 })).to.throw(TypeError, /options\.clock/);
    });

    it('an unreachable server gives StoreUnavailableError with the memjs error as cause', async () => {
      const down = connect(await closedPort());
      try {
        const err = await new MemcacheRecordStore({ client: down, prefix }).get('code', 'x').then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(err).to.be.an.instanceOf(StoreUnavailableError);
        expect((err as Error).cause).to.be.an.instanceOf(Error);
      } finally {
        down.close();
      }
    });
  });
});
