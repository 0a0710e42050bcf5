/**
 * The Redis stores on a Redis Cluster this file starts itself: three masters (no
 * replicas) from `redis-server --cluster-enabled yes` on free loopback ports, a
 * temp dir for their node files and logs, `redis-cli --cluster create`, then the
 * shared contract UNCHANGED over ioredis `Cluster` connections (two per test for
 * the races), and last a master that dies: calls fail fast with
 * StoreUnavailableError. Every process is stopped and the dir removed afterwards;
 * every wait is bounded.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../../lib/errors.js';
import { redisClusterFailFastOptions, redisStores } from '../../lib/stores/redis.js';
import { isListening, requireService } from '../support/services.js';
import { describeStoreContract } from './contract.js';

const HOST = '127.0.0.1';
const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` distinct loopback ports that were free a moment ago (all held open together, then closed). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      server.listen(0, HOST);
      await once(server, 'listening');
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Polls `check` every 100 ms until it is true; fails after `ms`. */
async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function clusterState(port: number): Promise<string | undefined> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), 'cluster', 'info'], { timeout: 2000 });
  return /cluster_state:(\w+)/.exec(stdout)?.[1];
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** What a call threw (or undefined), and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = Date.now();
  try {
    await call();
    return { error: undefined, ms: Date.now() - start };
  } catch (error) {
    return { error, ms: Date.now() - start };
  }
}

describe('Redis stores on a Redis Cluster (3 masters started by this test)', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  const servers: ChildProcess[] = [];
  let ports: number[] = [];

  /** A ready Cluster client with the fail-fast options. */
  async function connect(): Promise<Cluster> {
    const cluster = new Cluster(
      ports.map((port) => ({ host: HOST, port })),
      { ...redisClusterFailFastOptions, lazyConnect: true },
    );
    cluster.on('error', () => undefined);
    cluster.on('node error', () => undefined);
    await cluster.connect();
    return cluster;
  }

  before(async function () {
    await requireService(this, {
      name: 'redis-server and redis-cli (to start a local Redis Cluster)',
      probe: async () => ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version']).status === 0),
      hint: 'apt-get install redis-server redis-tools',
    });
    dir = await mkdtemp(join(tmpdir(), 'oauth2-redis-cluster-'));
    const free = await freePorts(6);
    ports = free.slice(0, 3);
    for (const [i, port] of ports.entries()) {
      const child = spawn(
        'redis-server',
        [
          '--port', String(port), '--cluster-port', String(free[3 + i]), '--bind', HOST,
          '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '1000',
          '--dir', dir, '--logfile', join(dir, `redis-${port}.log`), '--save', '', '--appendonly', 'no',
        ],
        { stdio: 'ignore' },
      );
      servers.push(child);
    }
    for (const port of ports) await waitFor(`redis-server on ${port}`, 10_000, () => isListening(port, HOST, 200));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) await waitFor(`cluster_state:ok on ${port}`, 20_000, async () => (await clusterState(port)) === 'ok');
  });

  after(async () => {
    await Promise.all(servers.map(stop));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describeStoreContract(
    'redis cluster',
    async () => {
      const cluster = await connect();
      return { ...redisStores({ client: cluster, prefix: 'oauth2-test:' }), close: async () => void (await cluster.quit()) };
    },
    {
      clockControl: 'real',
      sharedBackend: true,
      unreachable: async () => {
        const [port] = await freePorts(1);
        const cluster = new Cluster([{ host: HOST, port }], redisClusterFailFastOptions);
        cluster.on('error', () => undefined);
        cluster.on('node error', () => undefined);
        return { ...redisStores({ client: cluster }), close: () => cluster.disconnect() };
      },
    },
  );

  describe('a master that dies', () => {
    let cluster: Cluster | undefined;
    after(() => cluster?.disconnect());

    it('the keys of one test spread over every master (nothing relies on a shared slot)', async () => {
      cluster = await connect();
      const stores = redisStores({ client: cluster, prefix: 'spread:' });
      const subjects = Array.from({ length: 30 }, () => randomUUID());
      await Promise.all(subjects.map((subject) => stores.consents.save(subject, 'web', ['read'], 60)));
      const counts = await Promise.all(cluster.nodes('master').map((node) => node.dbsize()));
      expect(counts.filter((count) => count > 0)).to.have.length(3);
    });

    it('every call fails with StoreUnavailableError within 2.5 s, before and after the cluster says fail', async () => {
      const client = cluster ?? (await connect());
      const stores = redisStores({ client, prefix: 'fault:' });
      const victim = servers[2];
      if (victim === undefined) expect.fail('no server');
      victim.kill('SIGKILL');
      await once(victim, 'exit');
      const calls = (): Promise<Array<{ error: unknown; ms: number }>> =>
        Promise.all(Array.from({ length: 40 }, () => timed(() => stores.consents.find(randomUUID(), 'web'))));
      // Right away: the keys of the dead master fail (connection refused), the others still answer.
      const now = await calls();
      expect(now.filter((r) => r.error !== undefined), 'some keys live on the dead master').to.not.have.length(0);
      for (const { error, ms } of now) {
        if (error !== undefined) expect(error).to.be.an.instanceOf(StoreUnavailableError);
        expect(ms).to.be.below(2500);
      }
      // Once the others see it (node timeout 1 s): CLUSTERDOWN for every key.
      await waitFor('cluster_state:fail', 15_000, async () => (await clusterState(ports[0] ?? 0)) === 'fail');
      for (const { error, ms } of await calls()) {
        expect(error).to.be.an.instanceOf(StoreUnavailableError);
        expect(ms).to.be.below(2500);
      }
    });
  });
});
