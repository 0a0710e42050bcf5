/**
 * The Redis stores against the Redis on 127.0.0.1:6379: the shared contract
 * (unchanged, real clock, two connections per test, a random key prefix deleted
 * afterwards), then what only Redis has: TTLs on the keys, the prefix, records
 * Redis still holds past their expiresAt, and the fail-fast options against a
 * redis-server this file starts, stops and restarts on a port of its own.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../../lib/errors.js';
import { redisFailFastOptions, redisStores, type RedisStores } from '../../lib/stores/redis.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  RefreshTokenRecord,
} from '../../lib/types.js';
import { freePort, requireBinaries, startRedis, timed, type Proc } from '../support/processes.js';
import { isListening, requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

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

let available = false;

/** Deletes every key under this run's prefix (SCAN + UNLINK). */
async function deletePrefix(): Promise<void> {
  if (!available) return;
  const client = await connect();
  const keys = await scanKeys(client, `${PREFIX}*`);
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
  await client.quit();
}

describe('Redis stores (127.0.0.1:6379)', function () {
  this.timeout(20_000);

  before(async function () {
    await requireService(this, {
      name: `Redis on ${HOST}:${PORT}`,
      probe: () => isListening(PORT, HOST),
      hint: HINT,
    });
    available = true;
  });

  // The contract's cleanup runs after the contract; this one after the tests below too.
  after(deletePrefix);

  describeStoreContract(
    'redis',
    async () => {
      const client = await connect();
      return {
        ...redisStores({ client, prefix: PREFIX }),
        close: async () => void (await client.quit()),
      };
    },
    {
      clockControl: 'real',
      sharedBackend: true,
      unreachable: async () => {
        const client = new Redis({ host: HOST, port: await freePort(), ...redisFailFastOptions });
        client.on('error', () => undefined);
        return { ...redisStores({ client, prefix: PREFIX }), close: () => client.disconnect() };
      },
      cleanup: deletePrefix,
    },
  );

  describe('Redis specifics', () => {
    let client: Redis;
    let prefix: string;
    let stores: RedisStores;
    beforeEach(async () => {
      client = await connect();
      prefix = `${PREFIX}${randomUUID()}:`;
      stores = redisStores({ client, prefix });
    });
    afterEach(async () => {
      await client.quit();
    });

    const now = (): number => Math.floor(Date.now() / 1000);
    const code = (tag = randomUUID(), expiresAt = now() + 3600): AuthorizationCodeRecord => ({
      id: `code-${tag}-${randomUUID()}`,
      clientId: `client-${tag}`,
      subject: `user-${tag}`,
      scope: ['read'],
      redirectUri: 'https://app.example.test/cb',
      redirectUriSent: true,
      grantId: `grant-${tag}`,
      issuedAt: now(),
      expiresAt,
    });
    const access = (
      tag = randomUUID(),
      expiresAt = now() + 3600,
      unique = true,
    ): AccessTokenRecord => ({
      id: `at-${tag}-${randomUUID()}`,
      format: 'opaque',
      clientId: `client-${tag}`,
      subject: `user-${tag}`,
      scope: ['read'],
      audience: 'https://api.example.test',
      grantType: 'authorization_code',
      grantId: `grant-${tag}`,
      issuedAt: now(),
      expiresAt,
      ...(unique ? { uniqueKey: `unique-${tag}`, token: `token-${tag}` } : {}),
    });
    const refresh = (tag = randomUUID(), expiresAt = now() + 3600): RefreshTokenRecord => ({
      id: `rt-${tag}-${randomUUID()}`,
      clientId: `client-${tag}`,
      subject: `user-${tag}`,
      scope: ['read'],
      grantId: `grant-${tag}`,
      issuedAt: now(),
      expiresAt,
    });

    it('every write sets its TTL: PTTL > 0 and <= the ttl given, also after consume()', async () => {
      const c = code();
      const a = access();
      const r = refresh();
      await stores.authorizationCodes.save(c, 120);
      await stores.authorizationCodes.consume(c.id);
      await stores.accessTokens.save(a, 90);
      await stores.accessTokens.revokeGrant(`grant-${randomUUID()}`, 600);
      await stores.refreshTokens.save(r, 300);
      await stores.refreshTokens.consume(r.id);
      await stores.refreshTokens.revokeGrant(`grant-${randomUUID()}`, 500);
      await stores.consents.save(`user-${randomUUID()}`, 'web', ['read'], 60);
      const ttls = {
        code: 120,
        access: 90,
        'access-unique': 90,
        'access-revoked': 600,
        refresh: 300,
        'refresh-revoked': 500,
        consent: 60,
      };
      const keys = await scanKeys(client, `${prefix}*`);
      expect(keys.map((key) => key.slice(prefix.length).split(':')[0]).sort()).to.deep.equal(
        Object.keys(ttls).sort(),
      );
      for (const key of keys) {
        const ttl = ttls[key.slice(prefix.length).split(':')[0] as keyof typeof ttls];
        expect(await client.pttl(key), key).to.be.within(1, ttl * 1000);
      }
    });

    it('revokeGrant() lengthens a revocation but never shortens it', async () => {
      const grantId = randomUUID();
      await stores.accessTokens.revokeGrant(grantId, 60);
      await stores.accessTokens.revokeGrant(grantId, 600);
      expect(await client.pttl(`${prefix}access-revoked:${grantId}`)).to.be.above(60_000);
      await stores.accessTokens.revokeGrant(grantId, 30);
      expect(await client.pttl(`${prefix}access-revoked:${grantId}`)).to.be.above(60_000);
    });

    it('keeps every key under the prefix (clients too, which have no TTL)', async () => {
      const tag = randomUUID();
      const c = code(tag);
      const a = access(tag);
      const r = refresh(tag);
      await stores.clients.save({
        id: `client-${tag}`,
        redirectUris: [],
        grantTypes: ['client_credentials'],
        responseTypes: [],
        tokenEndpointAuthMethods: ['client_secret_basic'],
      });
      await Promise.all([
        stores.authorizationCodes.save(c, 60),
        stores.accessTokens.save(a, 60),
        stores.refreshTokens.save(r, 60),
      ]);
      await Promise.all([
        stores.authorizationCodes.consume(c.id),
        stores.refreshTokens.consume(r.id),
      ]);
      await Promise.all([
        stores.accessTokens.revokeGrant(`grant-${tag}`, 60),
        stores.refreshTokens.revokeGrant(`grant-${tag}`, 60),
      ]);
      await stores.consents.save(`user-${tag}`, `client-${tag}`, ['read'], 60);
      await Promise.all([
        stores.accessTokens.find(a.id),
        stores.accessTokens.findByUniqueKey(`unique-${tag}`),
        stores.refreshTokens.find(r.id),
      ]);
      const everywhere = await scanKeys(client, `*${tag}*`);
      expect(everywhere).to.have.length(8);
      for (const key of everywhere) expect(key.startsWith(prefix), key).to.equal(true);
      expect(await client.pttl(`${prefix}client:client-${tag}`)).to.equal(-1);
    });

    it("uses 'oauth2:' when no prefix is given", async () => {
      const user = `user-${randomUUID()}`;
      const defaults = redisStores({ client });
      await defaults.consents.save(user, 'web', ['read'], 60);
      expect(await client.exists(`oauth2:consent:${user}:web`)).to.equal(1);
      await defaults.consents.revoke(user, 'web');
      expect(await client.exists(`oauth2:consent:${user}:web`)).to.equal(0);
    });

    it('escapes ":", "{", "}" and "%" in ids, so keys stay unambiguous and carry no hash tag', async () => {
      await stores.consents.save('a:b', 'c', ['one'], 60);
      await stores.consents.save('a', 'b:c', ['two'], 60);
      await stores.consents.save('{x}%', 'c', ['three'], 60);
      expect(await stores.consents.find('a:b', 'c')).to.deep.equal(['one']);
      expect(await stores.consents.find('a', 'b:c')).to.deep.equal(['two']);
      expect(await client.exists(`${prefix}consent:%7Bx%7D%25:c`)).to.equal(1);
    });

    it('hides records Redis still holds past their expiresAt, and consume() leaves them untouched', async () => {
      const past = now() - 60;
      const c = code(undefined, past);
      const a = access(undefined, past);
      const r = refresh(undefined, past);
      await Promise.all([
        stores.authorizationCodes.save(c, 3600),
        stores.accessTokens.save(a, 3600),
        stores.refreshTokens.save(r, 3600),
      ]);
      for (const key of [
        `code:${c.id}`,
        `access:${a.id}`,
        `access-unique:${a.uniqueKey}`,
        `refresh:${r.id}`,
      ]) {
        expect(await client.pttl(`${prefix}${key}`), key).to.be.above(3_500_000);
      }
      expect(await stores.authorizationCodes.find(c.id)).to.equal(undefined);
      expect(await stores.authorizationCodes.consume(c.id)).to.equal(undefined);
      expect(await stores.accessTokens.find(a.id)).to.equal(undefined);
      expect(await stores.accessTokens.findByUniqueKey(a.uniqueKey ?? '')).to.equal(undefined);
      expect(await stores.refreshTokens.find(r.id)).to.equal(undefined);
      expect(await stores.refreshTokens.consume(r.id)).to.equal(undefined);
      expect(await client.hexists(`${prefix}code:${c.id}`, 'c')).to.equal(0);
      expect(await client.hexists(`${prefix}refresh:${r.id}`, 'c')).to.equal(0);
    });

    it('stores JSON without nulls: undefined-valued keys are dropped', async () => {
      const a = { ...access(undefined, undefined, false), uniqueKey: undefined, token: undefined };
      await stores.accessTokens.save(a, 60);
      const json = (await client.get(`${prefix}access:${a.id}`)) ?? '';
      expect(JSON.parse(json)).to.not.have.any.keys('uniqueKey', 'token');
      expect(json).to.not.include('null');
      expect(await client.exists(`${prefix}access-unique:undefined`)).to.equal(0);
    });

    it('rejects a ttl that is not a positive number, before touching Redis', async () => {
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        let thrown: unknown;
        await stores.accessTokens.save(access(), ttl).catch((err: unknown) => (thrown = err));
        expect(thrown, String(ttl)).to.be.an.instanceOf(RangeError);
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

describe('Redis stores: redisFailFastOptions against a Redis that fails', function () {
  this.timeout(30_000);
  let port: number;
  let server: Proc | undefined;
  let client: Redis | undefined;
  let stores: RedisStores;

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

  it('runs its Lua scripts on a server that does not know them (NOSCRIPT: EVAL, then EVALSHA)', async () => {
    await client?.script('FLUSH');
    const now = Math.floor(Date.now() / 1000);
    const record = {
      id: randomUUID(),
      clientId: 'web',
      subject: 'user',
      scope: [],
      grantId: randomUUID(),
      issuedAt: now,
      expiresAt: now + 60,
    };
    await stores.refreshTokens.save(record, 60);
    await stores.refreshTokens.revokeGrant(randomUUID(), 60);
    expect(await stores.refreshTokens.consume(record.id)).to.deep.equal(record);
    expect(await stores.refreshTokens.consume(record.id)).to.equal(undefined);
  });

  it('a server that stops answering (SIGSTOP): StoreUnavailableError after commandTimeout, then it works again', async () => {
    await stores.consents.save('user', 'web', ['read'], 60);
    server?.child.kill('SIGSTOP');
    try {
      const { error, ms } = await timed(consent);
      expect(error).to.be.an.instanceOf(StoreUnavailableError);
      expect(String((error as Error).cause)).to.match(/timed out/i);
      expect(ms).to.be.within(900, 2000);
    } finally {
      server?.child.kill('SIGCONT');
    }
    expect(await consent()).to.deep.equal(['read']);
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
      result = await timed(() => stores.consents.save('user', 'web', ['again'], 60));
      if (result.error === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(result.error).to.equal(undefined);
    expect(await consent()).to.deep.equal(['again']);
  });
});
