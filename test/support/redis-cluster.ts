/**
 * A Redis Cluster a test starts itself: three masters (no replicas) from
 * `redis-server --cluster-enabled yes` on free loopback ports, a temp dir for
 * their node files and logs, `redis-cli --cluster create`, and a wait until every
 * node says `cluster_state:ok`. Every wait is bounded; `stop()` stops every
 * process, closes every client made with `connect()` and removes the dir.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { redisClusterFailFastOptions } from '../../lib/stores/redis.js';
import { freePorts, startRedis, until, type Proc } from './processes.js';

const HOST = '127.0.0.1';
const run = promisify(execFile);

export interface TestCluster {
  /** The masters' client ports. */
  readonly ports: readonly number[];
  /** The masters' processes, in the order of `ports`. */
  readonly servers: readonly Proc[];
  /** A ready Cluster client with the fail-fast options. */
  connect(): Promise<Cluster>;
  /** What `CLUSTER INFO` on `port` says of the cluster's state (`ok`, `fail`). */
  state(port: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

async function clusterState(port: number): Promise<string | undefined> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), 'cluster', 'info'], {
    timeout: 2000,
  });
  return /cluster_state:(\w+)/.exec(stdout)?.[1];
}

/** Starts the cluster; `name` names its temp dir. Needs redis-server and redis-cli. */
export async function startRedisCluster(name: string): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const free = await freePorts(6);
  const ports = free.slice(0, 3);
  const servers: Proc[] = [];
  const clients: Cluster[] = [];
  const stop = async (): Promise<void> => {
    for (const client of clients) client.disconnect();
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, port] of ports.entries()) {
      servers.push(
        await startRedis(port, [
          ...['--cluster-port', String(free[3 + i]), '--cluster-enabled', 'yes'],
          ...['--cluster-config-file', join(dir, `nodes-${port}.conf`)],
          ...['--cluster-node-timeout', '1000', '--dir', dir],
          ...['--logfile', join(dir, `redis-${port}.log`)],
        ]),
      );
    }
    const nodes = ports.map((port) => `${HOST}:${port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    for (const port of ports) {
      await until(
        `cluster_state:ok on ${port}`,
        async () => (await clusterState(port)) === 'ok',
        20_000,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ports,
    servers,
    state: clusterState,
    stop,
    async connect() {
      const cluster = new Cluster(
        ports.map((port) => ({ host: HOST, port })),
        { ...redisClusterFailFastOptions, lazyConnect: true },
      );
      cluster.on('error', () => undefined);
      cluster.on('node error', () => undefined);
      clients.push(cluster);
      await cluster.connect();
      return cluster;
    },
  };
}
