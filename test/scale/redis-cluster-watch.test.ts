/**
 * Stateless JWTs on a Redis Cluster this file starts itself (three masters, no
 * replicas, from `redis-server --cluster-enabled yes` on free loopback ports and
 * `redis-cli --cluster create`): pub/sub reaches every node, so `watch()` over
 * one Cluster connection hears a put made over another, and a token revoked at
 * one "process" is refused at the other. Every wait polls up to a deadline.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import { Provider } from '../../index.js';
import {
  redisClusterFailFastOptions,
  RedisRecordStore,
  redisStores,
} from '../../lib/stores/redis.js';
import { expectTokens } from '../support/engine.js';
import { providerOptions } from '../support/fixtures.js';
import { freePorts, requireBinaries, startRedis, until, type Proc } from '../support/processes.js';
import { accepts, serverKey, SERVICE, untilRefused } from './redis.js';

const HOST = '127.0.0.1';
const PREFIX = `oauth2-test:${randomUUID()}:`;
const run = promisify(execFile);

describe('stateless JWTs on a Redis Cluster (3 masters started by this test)', function () {
  this.timeout(90_000);
  let dir: string | undefined;
  const servers: Proc[] = [];
  const clusters: Cluster[] = [];
  let ports: number[] = [];

  async function connect(): Promise<Cluster> {
    const cluster = new Cluster(
      ports.map((port) => ({ host: HOST, port })),
      { ...redisClusterFailFastOptions, lazyConnect: true },
    );
    cluster.on('error', () => undefined);
    cluster.on('node error', () => undefined);
    await cluster.connect();
    clusters.push(cluster);
    return cluster;
  }

  before(async function () {
    await requireBinaries(
      this,
      ['redis-server', 'redis-cli'],
      'apt-get install redis-server redis-tools',
    );
    dir = await mkdtemp(join(tmpdir(), 'oauth2-redis-cluster-watch-'));
    const free = await freePorts(6);
    ports = free.slice(0, 3);
    for (const [i, port] of ports.entries()) {
      servers.push(
        await startRedis(port, [
          '--cluster-port',
          String(free[3 + i]),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '1000',
          '--dir',
          dir,
          '--logfile',
          join(dir, `redis-${port}.log`),
        ]),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    for (const port of ports)
      await until(
        `cluster_state:ok on ${port}`,
        async () => {
          const { stdout } = await run('redis-cli', [
            '-h',
            HOST,
            '-p',
            String(port),
            'cluster',
            'info',
          ]);
          return stdout.includes('cluster_state:ok');
        },
        20_000,
      );
  });

  after(async () => {
    for (const cluster of clusters) cluster.disconnect();
    await Promise.all(servers.map((server) => server.stop()));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
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
