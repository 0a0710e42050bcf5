/**
 * The memcache stores against the memcached on 127.0.0.1:11211: the shared
 * contract (real clock, two memjs clients per test on one server, a unique key
 * prefix per run), then memcached's 30-day rule for TTLs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import memjs, { type Client as Memjs } from 'memjs';
import { StoreUnavailableError } from '../../lib/errors.js';
import {
  memcacheExpiry,
  memcacheStores,
  MemcacheAuthorizationCodeStore,
} from '../../lib/stores/memcache.js';
import type { AuthorizationCodeRecord } from '../../lib/types.js';
import { isListening, requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

const HOST = '127.0.0.1';
const PORT = 11211;
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
  const keyPrefix = `oauth2-test:${randomUUID()}:`;
  let downPort = 1;

  before(async function () {
    await requireService(this, {
      name: `memcached on ${HOST}:${PORT}`,
      probe: () => isListening(PORT, HOST),
      hint: `apt-get install -y memcached && memcached -d -u memcache -l ${HOST} -p ${PORT}`,
    });
    downPort = await closedPort();
  });

  describeStoreContract(
    'memcache',
    () => {
      const client = connect(PORT);
      return { ...memcacheStores(client, { keyPrefix }), close: () => client.quit() };
    },
    {
      clockControl: 'real',
      sharedBackend: true,
      unreachable: () => {
        const client = connect(downPort);
        return { ...memcacheStores(client, { keyPrefix }), close: () => client.close() };
      },
    },
  );

  describe('TTLs over 30 days', () => {
    const DAY = 24 * 60 * 60;
    let client: Memjs;
    beforeEach(() => {
      client = connect(PORT);
    });
    afterEach(() => client.quit());

    it('are sent as absolute Unix times, shorter ones as seconds', () => {
      const now = Math.floor(Date.now() / 1000);
      expect(memcacheExpiry(60)).to.equal(60);
      expect(memcacheExpiry(30 * DAY)).to.equal(30 * DAY);
      expect(memcacheExpiry(30 * DAY + 1)).to.be.within(now + 30 * DAY + 1, now + 30 * DAY + 3);
      expect(memcacheExpiry(0), '0 would mean "never expires"').to.equal(1);
      expect(memcacheExpiry(0.2)).to.equal(1);
    });

    it('a code saved for 60 days is kept (sent as seconds, memcached would drop it at once)', async () => {
      const codes = new MemcacheAuthorizationCodeStore(client, { keyPrefix });
      const now = Math.floor(Date.now() / 1000);
      const record: AuthorizationCodeRecord = {
        id: randomUUID(),
        clientId: 'web',
        subject: 'user-alice',
        scope: ['read'],
        redirectUri: 'https://app.example.test/cb',
        redirectUriSent: false,
        grantId: randomUUID(),
        issuedAt: now,
        expiresAt: now + 60 * DAY,
      };
      await codes.save(record, 60 * DAY);
      expect(await codes.find(record.id)).to.deep.equal(record);
      expect(await codes.consume(record.id)).to.deep.equal(record);
      // The used-marker (also sent with a 60-day expiry) is there too.
      expect(await codes.consume(record.id)).to.equal(undefined);
      expect(await codes.find(record.id)).to.deep.equal({ ...record, consumed: true });
    });

    it('an unreachable server gives StoreUnavailableError with the memjs error as cause', async () => {
      const down = connect(downPort);
      try {
        const err = await new MemcacheAuthorizationCodeStore(down, { keyPrefix }).find('x').then(
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
