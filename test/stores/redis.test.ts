/**
 * The Redis record store against the Redis on 127.0.0.1:6379: the record
 * contract and the typed store contract (frozen clock, two connections per test,
 * a random key prefix deleted afterwards), then what only Redis has: the key
 * layout of the module header, Redis TTLs as cleanup, records Redis still holds
 * past their expiry by the clock, lookup-index housekeeping, the prefix and the
 * escaping, the error policy, and the fail-fast options against a redis-server
 * this file starts, stops and restarts on a port of its own.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../../lib/errors.js';
import { defineClient } from '../../lib/helpers/clients.js';
import {
  RedisRecordStore,
  redisFailFastOptions,
  redisStores,
  type RedisClient,
} from '../../lib/stores/redis.js';
import type { RecordStores } from '../../lib/stores/typed-stores.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';
import { freePort, requireBinaries, startRedis, timed, type Proc } from '../support/processes.js';
import { isListening, requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';
import { describeRecordContract } from './record-contract.js';

const HOST = '127.0.0.1';
const PORT = 6379;
const PREFIX = `oauth2-test:${randomUUID()}:`;
const HINT =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no';

/** A ready connection with the fail-fast options (without the offline queue, commands need `ready`). */
async function connect(options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({
    host: HOST,
    port: PORT,
    ...redisFailFastOptions,
    lazyConnect: true,
    ...options,
  });
  client.on('error', () => undefined); // failures reach the calls; no "Unhandled error event" lines
  await client.connect();
  return client;
}

/** A client whose server is not there (a free port). */
async function unreachableClient(): Promise<Redis> {
  const client = new Redis({ host: HOST, port: await freePort(), ...redisFailFastOptions });
  client.on('error', () => undefined);
  return client;
}

/** Every key matching `pattern` (SCAN, never KEYS). */
async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Resolves to what `call` threw, or fails the test when it did not throw. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  return expect.fail('expected the call to reject');
}

let available = false;

/** Deletes every key under this run's prefix (SCAN + UNLINK). */
async function deletePrefix(): Promise<void> {
  if (!available) return;
  const client = await connect();
  const keys = await scanKeys(client, `${PREFIX}*`);
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
  await client.quit();
}

describe('Redis record store (127.0.0.1:6379)', function () {
  this.timeout(20_000);

  before(async function () {
    await requireService(this, {
      name: `Redis on ${HOST}:${PORT}`,
      probe: () => isListening(PORT, HOST),
      hint: HINT,
    });
    available = true;
  });

  // The contracts' cleanup runs after each contract; this one after the tests below too.
  after(deletePrefix);

  describeRecordContract(
    'redis',
    async (clock) => {
      const client = await connect();
      return {
        records: new RedisRecordStore({ client, prefix: PREFIX, clock }),
        close: async () => void (await client.quit()),
      };
    },
    {
      sharedBackend: true,
      unreachable: async (clock) => {
        const client = await unreachableClient();
        return {
          records: new RedisRecordStore({ client, prefix: PREFIX, clock }),
          close: () => client.disconnect(),
        };
      },
      cleanup: deletePrefix,
    },
  );

  describeStoreContract(
    'redis',
    async (clock) => {
      const client = await connect();
      return {
        ...redisStores({ client, prefix: PREFIX, clock }),
        close: async () => void (await client.quit()),
      };
    },
    {
      sharedBackend: true,
      unreachable: async (clock) => {
        const client = await unreachableClient();
        return {
          ...redisStores({ client, prefix: PREFIX, clock }),
          close: () => client.disconnect(),
        };
      },
      cleanup: deletePrefix,
    },
  );

  describe('Redis specifics', () => {
    let client: Redis;
    let prefix: string;
    let clock: FrozenClock;
    let records: RedisRecordStore;
    beforeEach(async () => {
      client = await connect();
      prefix = `${PREFIX}${randomUUID()}:`;
      clock = frozenClock();
      records = new RedisRecordStore({ client, prefix, clock });
    });
    afterEach(async () => {
      await client.quit();
    });

    it('keeps a record as one hash (v, n, e, l; c once consumed) and its lookup as an index entry', async () => {
      await records.put('code', 'a', { x: 1 }, 120, { u: 'one' });
      const e = String(clock() + 120_000);
      expect(await client.hgetall(`${prefix}code:a`)).to.deep.equal({
        v: '{"x":1}',
        n: '1',
        e,
        l: '{"u":"one"}',
      });
      const index = await client.hgetall(`${prefix}code:by:u:one`);
      expect(Object.keys(index)).to.deep.equal(['a']);
      expect(index['a']).to.match(new RegExp(`^\\d+ ${e}$`));
      clock.advance(5);
      await records.consume('code', 'a');
      await records.update('code', 'a', { y: 2 });
      expect(await client.hmget(`${prefix}code:a`, 'c', 'n', 'v')).to.deep.equal([
        String(clock()),
        '2',
        '{"x":1,"y":2}',
      ]);
    });

    it('every write sets a Redis TTL no longer than its ttl, which consume(), update() and increment() keep', async () => {
      await records.put('code', 'a', {}, 120, { u: 'one' });
      await records.consume('code', 'a');
      await records.update('code', 'a', { y: 2 });
      await records.addOnce('marker', 'm', 90);
      await records.increment('count', 'c', 60);
      await records.increment('count', 'c', 600); // the window of the first increment stays
      const ttls: Record<string, number> = {
        'code:a': 120,
        'code:by:u:one': 120,
        'marker:m': 90,
        'count:c': 60,
      };
      const keys = await scanKeys(client, `${prefix}*`);
      expect(keys.map((key) => key.slice(prefix.length)).sort()).to.deep.equal(
        Object.keys(ttls).sort(),
      );
      for (const [key, ttl] of Object.entries(ttls)) {
        expect(await client.pttl(`${prefix}${key}`), key).to.be.within(1, ttl * 1000);
      }
    });

    it('a record without ttl, and an index holding one, have no Redis TTL', async () => {
      await records.put('client', 'c', { name: 'x' }, undefined, { owner: 'o' });
      await records.put('client', 'd', { name: 'y' }, 60, { owner: 'o' });
      expect(await client.pttl(`${prefix}client:c`)).to.equal(-1);
      expect(await client.pttl(`${prefix}client:by:owner:o`)).to.equal(-1);
      clock.advance(3600 * 24 * 365);
      expect((await records.get('client', 'c'))?.value).to.deep.equal({ name: 'x' });
      expect((await records.listBy('client', 'owner', 'o')).map((r) => r.id)).to.deep.equal(['c']);
    });

    it('a lookup index: TTL of its latest entry, expired entries go with the next put, stale ones with the reader that meets them', async () => {
      const index = `${prefix}consent:by:subject:s`;
      await records.put('consent', 'a', {}, 60, { subject: 's' });
      await records.put('consent', 'b', {}, 600, { subject: 's' });
      expect(await client.pttl(index)).to.be.within(60_001, 600_000);
      clock.advance(120); // a is dead by the clock; Redis still holds it
      await records.put('consent', 'c', {}, 60, { subject: 's' });
      expect(Object.keys(await client.hgetall(index)).sort()).to.deep.equal(['b', 'c']);
      await records.put('consent', 'b', {}, 600); // replaced: no longer carries the lookup
      await records.delete('consent', 'c');
      expect(await client.hlen(index)).to.equal(2);
      expect(await records.listBy('consent', 'subject', 's')).to.deep.equal([]);
      expect(await client.exists(index)).to.equal(0);
    });

    it('getBy() walks from the latest put down: the earlier record once the latest is deleted', async () => {
      await records.put('access', 'a', { n: 1 }, 60, { uniqueKey: 'k' });
      await records.put('access', 'b', { n: 2 }, 60, { uniqueKey: 'k' });
      expect((await records.getBy('access', 'uniqueKey', 'k'))?.id).to.equal('b');
      await records.delete('access', 'b');
      expect((await records.getBy('access', 'uniqueKey', 'k'))?.id).to.equal('a');
      expect(Object.keys(await client.hgetall(`${prefix}access:by:uniqueKey:k`))).to.deep.equal([
        'a',
      ]);
    });

    it('hides what Redis still holds past its expiry by the clock; scripts leave it untouched', async () => {
      await records.put('code', 'a', { x: 1 }, 60, { u: 'one' });
      await records.addOnce('marker', 'm', 60);
      await records.increment('count', 'c', 60);
      clock.advance(60);
      expect(await client.pttl(`${prefix}code:a`)).to.be.above(50_000);
      expect(await records.get('code', 'a')).to.equal(undefined);
      expect(await records.getBy('code', 'u', 'one')).to.equal(undefined);
      expect(await records.listBy('code', 'u', 'one')).to.deep.equal([]);
      expect(await records.consume('code', 'a')).to.equal(undefined);
      expect(await records.update('code', 'a', { x: 2 })).to.equal(undefined);
      expect(await client.hmget(`${prefix}code:a`, 'c', 'n', 'v')).to.deep.equal([
        null,
        '1',
        '{"x":1}',
      ]);
      expect(await records.addOnce('marker', 'm', 60)).to.equal(true);
      expect(await records.increment('count', 'c', 60)).to.equal(1);
    });

    it('keeps every key under the prefix (clients too, which have no TTL)', async () => {
      const tag = randomUUID();
      const stores = redisStores({ client, prefix, clock });
      const now = Math.floor(clock() / 1000);
      const base = { clientId: `client-${tag}`, subject: `user-${tag}`, scope: ['read'] };
      const times = { grantId: `grant-${tag}`, issuedAt: now, expiresAt: now + 60 };
      await stores.clients?.save(
        defineClient({
          id: `client-${tag}`,
          redirectUris: ['https://app.example.test/cb'],
          tokenEndpointAuthMethods: ['none'],
        }),
      );
      await stores.authorizationCodes.save(
        {
          id: `code-${tag}`,
          ...base,
          ...times,
          redirectUri: 'https://app.example.test/cb',
          redirectUriSent: true,
        },
        60,
      );
      await stores.accessTokens.save(
        {
          id: `at-${tag}`,
          ...base,
          ...times,
          format: 'opaque',
          audience: 'https://api.example.test',
          grantType: 'authorization_code',
          uniqueKey: `unique-${tag}`,
        },
        60,
      );
      await stores.refreshTokens.save({ id: `rt-${tag}`, ...base, ...times }, 60);
      await stores.authorizationCodes.consume(`code-${tag}`);
      await stores.refreshTokens.consume(`rt-${tag}`);
      await stores.accessTokens.revokeGrant(`grant-${tag}`, 60);
      await stores.refreshTokens.revokeGrant(`grant-${tag}`, 60);
      await stores.consents.save(
        `user-${tag}`,
        `client-${tag}`,
        { scope: ['read'], resources: [] },
        60,
      );
      const everywhere = await scanKeys(client, `*${tag}*`);
      expect(everywhere.sort()).to.deep.equal((await scanKeys(client, `${prefix}*`)).sort());
      expect(everywhere).to.have.length(9);
      expect(await client.pttl(`${prefix}client:client-${tag}`)).to.equal(-1);
    });

    it("uses 'oauth2:' when no prefix is given", async () => {
      const id = randomUUID();
      const defaults = new RedisRecordStore({ client, clock });
      await defaults.put('contract', id, {}, 60);
      expect(await client.exists(`oauth2:contract:${id}`)).to.equal(1);
      await defaults.delete('contract', id);
      expect(await client.exists(`oauth2:contract:${id}`)).to.equal(0);
    });

    it('escapes ":", "{", "}" and "%" in every part, so keys stay unambiguous and carry no hash tag', async () => {
      await records.put('k', 'a:b', { n: 1 }, 60);
      await records.put('k:a', 'b', { n: 2 }, 60, { 'x:y': '{z}%' });
      expect((await records.get('k', 'a:b'))?.value).to.deep.equal({ n: 1 });
      expect((await records.get('k:a', 'b'))?.value).to.deep.equal({ n: 2 });
      expect(await client.exists(`${prefix}k:a%3Ab`, `${prefix}k%3Aa:b`)).to.equal(2);
      expect(await client.exists(`${prefix}k%3Aa:by:x%3Ay:%7Bz%7D%25`)).to.equal(1);
      expect((await records.getBy('k:a', 'x:y', '{z}%'))?.id).to.equal('b');
    });

    it('a value this module did not write is a plain Error; a key of another type is StoreUnavailableError', async () => {
      await client.hset(`${prefix}k:json`, 'v', 'not json', 'n', '1');
      await client.hset(`${prefix}k:array`, 'v', '[1]', 'n', '1');
      await client.hset(`${prefix}k:version`, 'v', '{}', 'n', 'x');
      await client.hset(`${prefix}k:by:u:v`, 'json', 'not an entry');
      for (const call of [
        () => records.get('k', 'json'),
        () => records.get('k', 'array'),
        () => records.update('k', 'version', {}),
        () => records.getBy('k', 'u', 'v'),
      ]) {
        const err = await rejection(call);
        expect(err).to.be.an.instanceOf(Error);
        expect(err).to.not.be.an.instanceOf(StoreUnavailableError);
        expect(String(err)).to.match(/did not write/);
      }
      await client.set(`${prefix}k:string`, 'x');
      const err = await rejection(() => records.get('k', 'string'));
      expect(err).to.be.an.instanceOf(StoreUnavailableError);
      expect(String((err as Error).cause)).to.match(/WRONGTYPE/);
    });

    it('stores JSON as given: undefined-valued keys are dropped, never turned into null', async () => {
      await records.put('k', 'a', { a: undefined, b: 1 }, 60);
      await records.update('k', 'a', { b: undefined, c: 2 });
      expect(await client.hget(`${prefix}k:a`, 'v')).to.equal('{"c":2}');
    });

    it('rejects a ttl that is not a positive number, before touching Redis', async () => {
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        for (const call of [
          () => records.put('k', 'a', {}, ttl),
          () => records.addOnce('k', 'a', ttl),
          () => records.increment('k', 'a', ttl),
        ]) {
          expect(await rejection(call), String(ttl)).to.be.an.instanceOf(RangeError);
        }
      }
      expect(await scanKeys(client, `${prefix}*`)).to.deep.equal([]);
    });

    it('rejects bad options with a TypeError naming the option', () => {
      const bad: Array<[unknown, RegExp]> = [
        [undefined, /options\.client/],
        [{}, /options\.client/],
        [{ client: {} }, /options\.client/],
        [{ client, prefix: 1 }, /options\.prefix/],
        [{ client, clock: 1 }, /options\.clock/],
      ];
      for (const [options, message] of bad) {
        const make = (): unknown => redisStores(options as { client: RedisClient });
        expect(make).to.throw(TypeError, message);
      }
    });

    it('imports nothing but types from ioredis (a memory-store user never loads it)', async () => {
      const source = await readFile(new URL('../../lib/stores/redis.ts', import.meta.url), 'utf8');
      const imports = source.match(/^import[^;]*'ioredis[^']*';/gm) ?? [];
      expect(imports).to.have.length.above(0);
      for (const line of imports) expect(line).to.match(/^import type /);
    });
  });
});

describe('Redis record store: redisFailFastOptions against a Redis that fails', function () {
  this.timeout(30_000);
  let port: number;
  let server: Proc | undefined;
  let client: Redis | undefined;
  let stores: RecordStores;

  before(async function () {
    await requireBinaries(this, ['redis-server'], 'apt-get install redis-server');
    port = await freePort();
    server = await startRedis(port);
    client = await connect({ port });
    stores = redisStores({ client, prefix: 'fault:' });
  });

  after(async () => {
    client?.disconnect();
    await server?.stop();
  });

  const consent = (): Promise<unknown> => stores.consents.find('user', 'web');

  it('runs every Lua script on a server that does not know it (NOSCRIPT: EVAL, then EVALSHA)', async () => {
    if (client === undefined) return expect.fail('no client');
    const records = new RedisRecordStore({ client, prefix: 'noscript:' });
    for (let round = 0; round < 2; round++) {
      await client.script('FLUSH');
      const id = randomUUID();
      await records.put('k', id, { n: 1 }, 60, { u: id }); // PUT, INDEX_ADD
      expect(await records.addOnce('marker', id, 60)).to.equal(true); // ADD_ONCE
      expect((await records.consume('k', id))?.value).to.deep.equal({ n: 1 }); // CONSUME
      expect((await records.update('k', id, { n: 2 }))?.version).to.equal(2); // UPDATE
      expect(await records.increment('count', id, 60)).to.equal(1); // INCREMENT
      await records.put('k', id, { n: 3 }, 60);
      expect(await records.getBy('k', 'u', id)).to.equal(undefined); // INDEX_PRUNE
      expect(await client.exists(`noscript:k:by:u:${id}`)).to.equal(0);
    }
    return undefined;
  });

  it('a server that stops answering (SIGSTOP): StoreUnavailableError after commandTimeout, then it works again', async () => {
    await stores.consents.save('user', 'web', { scope: ['read'], resources: [] }, 60);
    server?.child.kill('SIGSTOP');
    try {
      const { error, ms } = await timed(consent);
      expect(error).to.be.an.instanceOf(StoreUnavailableError);
      expect(String((error as Error).cause)).to.match(/timed out/i);
      expect(ms).to.be.within(900, 2000);
    } finally {
      server?.child.kill('SIGCONT');
    }
    expect(await consent()).to.deep.equal({ scope: ['read'], resources: [] });
  });

  it('a server that is gone: every call fails within 2 s, and the same client works once it is back', async () => {
    await server?.stop('SIGKILL');
    for (let i = 0; i < 3; i++) {
      const { error, ms } = await timed(consent);
      expect(error).to.be.an.instanceOf(StoreUnavailableError);
      expect(ms).to.be.below(2000);
    }
    server = await startRedis(port);
    // Liveness: the client reconnects by itself (retryStrategy, at most 1 s apart).
    let result: { error: unknown; ms: number } = { error: 'not tried', ms: 0 };
    for (let waited = 0; waited < 10_000; waited += 100) {
      result = await timed(() =>
        stores.consents.save('user', 'web', { scope: ['again'], resources: [] }, 60),
      );
      if (result.error === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(result.error).to.equal(undefined);
    expect(await consent()).to.deep.equal({ scope: ['again'], resources: [] });
  });
});
