/**
 * Stateless JWTs on a Redis Cluster this file starts itself (three masters, no
 * replicas, from `redis-server --cluster-enabled yes` on free loopback ports and
 * `redis-cli --cluster create`): pub/sub reaches every node, so `watch()` over
 * one Cluster connection hears a put made over another, and a token revoked at
 * one "process" is refused at the other. Every wait polls up to a deadline.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Cluster } from 'ioredis';
import { Provider } from '../../index.js';
import { RedisRecordStore, redisStores } from '../../lib/stores/redis.js';
import { expectTokens } from '../support/engine.js';
import { providerOptions } from '../support/fixtures.js';
import { requireBinaries, until } from '../support/processes.js';
import { startRedisCluster, type TestCluster } from '../support/redis-cluster.js';
import { accepts, serverKey, SERVICE, untilRefused } from './redis.js';

const PREFIX = `oauth2-test:${randomUUID()}:`;

describe('stateless JWTs on a Redis Cluster (3 masters started by this test)', function () {
  this.timeout(90_000);
  let cluster3: TestCluster | undefined;
  const connect = (): Promise<Cluster> => (cluster3 as TestCluster).connect();

  before(async function () {
    await requireBinaries(
      this,
      ['redis-server', 'redis-cli'],
      'apt-get install redis-server redis-tools',
    );
    cluster3 = await startRedisCluster('oauth2-redis-cluster-watch');
  });

  after(async () => {
    await cluster3?.stop();
  });

  it('watch() over one Cluster connection hears puts made over another', async () => {
    const [reader, writer] = [await connect(), await connect()];
    const heard: string[] = [];
    let subscribed = 0;
    const stop = new RedisRecordStore({ client: reader, prefix: PREFIX }).watch(
      ['deny-token', 'deny-grant'],
      {
        put: (kind, id) => heard.push(`${kind} ${id}`),
        subscribed: () => subscribed++,
        unsubscribed: () => undefined,
      },
    );
    await until('subscribed', async () => subscribed === 1, 10_000);
    const store = new RedisRecordStore({ client: writer, prefix: PREFIX });
    // Ids whose keys fall on different masters: pub/sub still reaches the one subscriber.
    const ids = Array.from({ length: 12 }, (_, i) => `jti-${i}`);
    for (const id of ids) await store.put('deny-token', id, {}, 60, { list: 'all' });
    await until('every put heard', async () => heard.length === ids.length, 10_000);
    // PUBLISH goes to any node: the order is not kept across nodes.
    expect([...heard].sort()).to.deep.equal(ids.map((id) => `deny-token ${id}`).sort());
    stop();
  });

  it('a token revoked at A is refused at B (two Cluster connections, one server)', async () => {
    const key = serverKey();
    const make = async (): Promise<Provider> =>
      new Provider(
        providerOptions({
          stores: redisStores({ client: await connect(), prefix: PREFIX }),
          signingKeys: [key],
        }),
      );
    const [A, B] = [await make(), await make()];
    const token = expectTokens(
      await A.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE }),
    ).access_token;
    expect(await accepts(B, token)).to.equal(true);
    expect((await A.revoke({ params: { token }, authorization: SERVICE })).status).to.equal(200);
    await untilRefused(B, token, 'B refusing the token revoked at A');
  });
});
