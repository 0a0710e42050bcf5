/**
 * The Redis store's announcements across a Redis restart, on a redis-server
 * this file starts on a port of its own (its RDB file in a temp dir, so a
 * restart can keep or lose the data on purpose):
 *
 * - `watch()` hears announced puts from another connection, is unsubscribed
 *   when Redis goes, subscribed again when it is back, and hears puts again;
 * - a deny written without announcement (missed by B) is refused at B after a
 *   restart that kept the data: the full resync on reconnect;
 * - a Redis that lost its data: allow-list JWTs are refused (fail-closed), and
 *   a process keeps refusing what it knew to be denied.
 *
 * Every wait polls up to a deadline; no timing is asserted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import type { Provider, SigningKey } from '../../index.js';
import { RecordDenyListStore } from '../../lib/stores/deny-list.js';
import { RedisRecordStore } from '../../lib/stores/redis.js';
import { expectTokens } from '../support/engine.js';
import { freePort, requireBinaries, startRedis, until, type Proc } from '../support/processes.js';
import { isListening } from '../support/services.js';
import { accepts, connectRedis, redisProvider, serverKey, SERVICE, untilRefused } from './redis.js';

const PREFIX = `oauth2-test:${randomUUID()}:`;

describe('Redis announcements across a Redis restart (a redis-server of its own)', function () {
  this.timeout(90_000);
  let dir: string;
  let port: number;
  let redis: Proc | undefined;
  const clients: Redis[] = [];

  const start = (dbfilename: string) =>
    startRedis(port, ['--dir', dir, '--dbfilename', dbfilename]);

  /** Stops Redis, saving its data to the RDB file first (`save`) or not. */
  async function stop(save: boolean): Promise<void> {
    const admin = await connectRedis(port);
    await admin.call('SHUTDOWN', save ? 'SAVE' : 'NOSAVE').catch(() => undefined);
    admin.disconnect();
    await until('Redis down', async () => !(await isListening(port)), 10_000);
    await redis?.stop();
  }

  async function connect(name: string): Promise<Redis> {
    const client = await connectRedis(port, { connectionName: name });
    clients.push(client);
    return client;
  }

  async function serviceToken(provider: Provider): Promise<string> {
    const res = await provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: SERVICE,
    });
    return expectTokens(res).access_token;
  }

  before(async function () {
    await requireBinaries(this, ['redis-server'], 'apt-get install -y redis-server');
    dir = await mkdtemp(join(tmpdir(), 'oauth2-redis-watch-'));
    port = await freePort();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await redis?.stop();
    redis = undefined;
  });

  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('watch(): hears announced puts, is unsubscribed while Redis is down, subscribed again after', async () => {
    redis = await start('watch.rdb');
    const [reader, writer] = [await connect('watch-reader'), await connect('watch-writer')];
    const heard: string[] = [];
    let subscribed = 0;
    let unsubscribed = 0;
    const stopWatching = new RedisRecordStore({ client: reader, prefix: PREFIX }).watch(
      ['deny-token', 'code'],
      {
        put: (kind, id, expiresAt) => heard.push(`${kind} ${id} ${String(expiresAt)}`),
        subscribed: () => subscribed++,
        unsubscribed: () => unsubscribed++,
      },
    );
    const store = new RedisRecordStore({ client: writer, prefix: PREFIX, clock: () => 1e12 });
    await until('subscribed', async () => subscribed === 1, 5000);
    await store.put('deny-token', 'jti-1', {}, 60);
    await store.put('code', 'not-announced', {}, 60); // not a kind the store announces
    await until('the put heard', async () => heard.length === 1, 5000);
    expect(heard).to.deep.equal([`deny-token jti-1 ${1e12 + 60_000}`]);

    await stop(false);
    await until('unsubscribed', async () => unsubscribed === 1, 5000);
    redis = await start('watch.rdb');
    await until('subscribed again', async () => subscribed === 2, 10_000);
    await until('the writer back', async () => writer.status === 'ready', 10_000);
    await store.put('deny-token', 'jti-2', {}, 60);
    await until('the put after the restart heard', async () => heard.length === 2, 5000);
    expect(heard[1]).to.equal(`deny-token jti-2 ${1e12 + 60_000}`);
    stopWatching();
  });

  it('a deny B missed is refused at B after a restart that kept the data (full resync on reconnect)', async () => {
    redis = await start('resync.rdb');
    const key: SigningKey = serverKey();
    const [a, b, silent] = [await connect('a'), await connect('b'), await connect('silent')];
    const A = redisProvider(a, PREFIX, key);
    const B = redisProvider(b, PREFIX, key);
    const [missed, later] = [await serviceToken(A), await serviceToken(A)];
    expect(await accepts(B, missed)).to.equal(true);
    await until(
      'B subscribed',
      async () => (await a.pubsub('NUMSUB', `${PREFIX}changes:deny-token`))[1] === 1,
      5000,
    );
    expect(await accepts(B, later)).to.equal(true); // B's first read after subscribing
    // Written without announcement: B, subscribed and fresh, does not hear of it.
    const unannounced = new RedisRecordStore({ client: silent, prefix: PREFIX, announce: [] });
    await new RecordDenyListStore(unannounced).deny('token', decodeJwt(missed).jti as string, 600);
    expect(await accepts(B, missed), 'not announced, not known yet').to.equal(true);

    await stop(true);
    redis = await start('resync.rdb');
    await until('A back', async () => a.status === 'ready', 10_000);
    // Once B's subscriber is back (and not before: while unsubscribed B polls anyway),
    // B's next check must read everything again.
    await until(
      'B subscribed again',
      async () => (await a.pubsub('NUMSUB', `${PREFIX}changes:deny-token`))[1] === 1,
      10_000,
    );
    await until('B back', async () => b.status === 'ready', 10_000);
    expect(await accepts(B, missed), 'refused by the resync').to.equal(false);
    expect((await A.revoke({ params: { token: later }, authorization: SERVICE })).status).to.equal(
      200,
    );
    await untilRefused(B, later, 'B refusing a token revoked at A after the restart');
  });

  it('a Redis that lost its data: allow-list JWTs are refused (fail-closed); known denials stay', async () => {
    redis = await start('lost.rdb');
    const key: SigningKey = serverKey();
    const [a, b] = [await connect('lost-a'), await connect('lost-b')];
    const allowList = redisProvider(a, `${PREFIX}allow:`, key, {
      accessToken: { revocation: 'allow-list' },
    });
    const A = redisProvider(a, PREFIX, key);
    const B = redisProvider(b, PREFIX, key);
    const recorded = await serviceToken(allowList);
    const [revoked, kept] = [await serviceToken(A), await serviceToken(A)];
    expect(await accepts(allowList, recorded)).to.equal(true);
    expect(await accepts(B, revoked)).to.equal(true);
    await A.revoke({ params: { token: revoked }, authorization: SERVICE });
    await untilRefused(B, revoked, 'B refusing the revoked token');

    await stop(false);
    redis = await start('lost.rdb');
    await until('A back', async () => a.status === 'ready', 10_000);
    await until(
      'the allow-list token refused (its record is gone)',
      async () => !(await accepts(allowList, recorded)),
      10_000,
    );
    await until('B back', async () => b.status === 'ready', 10_000);
    expect(await accepts(B, revoked), 'B still knows it was revoked').to.equal(false);
    expect(await accepts(B, kept), 'stateless tokens need no record').to.equal(true);
  });
});
