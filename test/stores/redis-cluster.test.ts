/**
 * The Redis record store on a Redis Cluster this file starts itself: three
 * masters (no replicas) from `redis-server --cluster-enabled yes` on free loopback
 * ports, a temp dir for their node files and logs, `redis-cli --cluster create`,
 * then the record contract and the typed store contract UNCHANGED (frozen clock)
 * over ioredis `Cluster` connections (two per test for the races), what the
 * one-key-per-command layout promises (keys spread over every master, a record and
 * its lookup index on different masters still found), and last a master that
 * dies: calls fail fast with StoreUnavailableError. Every process is stopped and
 * the dir removed afterwards; every wait is bounded.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../../lib/errors.js';
import {
  RedisRecordStore,
  redisClusterFailFastOptions,
  redisStores,
} from '../../lib/stores/redis.js';
import { freePort, requireBinaries, timed, until } from '../support/processes.js';
import { startRedisCluster, type TestCluster } from '../support/redis-cluster.js';
import { describeStoreContract } from './contract.js';
import { describeRecordContract } from './record-contract.js';

const HOST = '127.0.0.1';

describe('Redis record store on a Redis Cluster (3 masters started by this test)', function () {
  this.timeout(60_000);
  let cluster3: TestCluster | undefined;
  const connect = (): Promise<Cluster> => (cluster3 as TestCluster).connect();

  before(async function () {
    await requireBinaries(
      this,
      ['redis-server', 'redis-cli'],
      'apt-get install redis-server redis-tools',
    );
    cluster3 = await startRedisCluster('oauth2-redis-cluster');
  });

  after(async () => {
    await cluster3?.stop();
  });

  /** A Cluster client that reaches no server (a free port). */
  async function unreachable(): Promise<Cluster> {
    const cluster = new Cluster(
      [{ host: HOST, port: await freePort() }],
      redisClusterFailFastOptions,
    );
    cluster.on('error', () => undefined);
    cluster.on('node error', () => undefined);
    return cluster;
  }

  describeRecordContract(
    'redis cluster',
    async (clock) => {
      const cluster = await connect();
      return {
        records: new RedisRecordStore({ client: cluster, prefix: 'oauth2-test:', clock }),
        close: async () => void (await cluster.quit()),
      };
    },
    {
      sharedBackend: true,
      unreachable: async (clock) => {
        const cluster = await unreachable();
        return {
          records: new RedisRecordStore({ client: cluster, clock }),
          close: () => cluster.disconnect(),
        };
      },
    },
  );

  describeStoreContract(
    'redis cluster',
    async (clock) => {
      const cluster = await connect();
      return {
        ...redisStores({ client: cluster, prefix: 'oauth2-test:', clock }),
        close: async () => void (await cluster.quit()),
      };
    },
    {
      sharedBackend: true,
      unreachable: async (clock) => {
        const cluster = await unreachable();
        return { ...redisStores({ client: cluster, clock }), close: () => cluster.disconnect() };
      },
    },
  );

  describe('one key per command', () => {
    let cluster: Cluster;
    beforeEach(async () => {
      cluster = await connect();
    });
    afterEach(async () => {
      await cluster.quit();
    });

    /** The master serving `key`'s slot ("host:port"). */
    async function holder(key: string): Promise<string | undefined> {
      const slot = (await cluster.cluster('KEYSLOT', key)) as number;
      return cluster.slots[slot]?.[0];
    }

    it('the keys of one test spread over every master (nothing relies on a shared slot)', async () => {
      const stores = redisStores({ client: cluster, prefix: 'spread:' });
      const subjects = Array.from({ length: 30 }, () => randomUUID());
      await Promise.all(
        subjects.map((subject) =>
          stores.consents.save(subject, 'web', { scope: ['read'], resources: [] }, 60),
        ),
      );
      const counts = await Promise.all(cluster.nodes('master').map((node) => node.dbsize()));
      expect(counts.filter((count) => count > 0)).to.have.length(3);
    });

    it('a record and its lookup index on different masters: getBy() and listBy() find it, and lose it once it is replaced', async () => {
      const records = new RedisRecordStore({ client: cluster, prefix: 'apart:' });
      let id = '';
      let value = '';
      for (let tries = 0; tries < 50 && id === ''; tries++) {
        const [i, v] = [randomUUID(), randomUUID()];
        await records.put('k', i, { n: 1 }, 60, { u: v });
        if ((await holder(`apart:k:${i}`)) !== (await holder(`apart:k:by:u:${v}`))) {
          [id, value] = [i, v];
        }
      }
      expect(id, 'a record and its index on different masters').to.not.equal('');
      expect((await records.getBy('k', 'u', value))?.id).to.equal(id);
      expect((await records.listBy('k', 'u', value)).map((r) => r.id)).to.deep.equal([id]);
      await records.put('k', id, { n: 2 }, 60);
      expect(await records.getBy('k', 'u', value)).to.equal(undefined);
      expect(await cluster.exists(`apart:k:by:u:${value}`)).to.equal(0);
    });
  });

  describe('a master that dies', () => {
    let cluster: Cluster | undefined;
    after(() => cluster?.disconnect());

    it('every call fails with StoreUnavailableError within 2.5 s, before and after the cluster says fail', async () => {
      cluster = await connect();
      const stores = redisStores({ client: cluster, prefix: 'fault:' });
      const victim = cluster3?.servers[2];
      if (victim === undefined) expect.fail('no server');
      await victim.stop('SIGKILL');
      const calls = (): Promise<Array<{ error: unknown; ms: number }>> =>
        Promise.all(
          Array.from({ length: 40 }, () => timed(() => stores.consents.find(randomUUID(), 'web'))),
        );
      // Right away: the keys of the dead master fail (connection refused), the others still answer.
      const now = await calls();
      expect(
        now.filter((r) => r.error !== undefined),
        'some keys live on the dead master',
      ).to.not.have.length(0);
      for (const { error, ms } of now) {
        if (error !== undefined) expect(error).to.be.an.instanceOf(StoreUnavailableError);
        expect(ms).to.be.below(2500);
      }
      // Once the others see it (node timeout 1 s): CLUSTERDOWN for every key.
      await until(
        'cluster_state:fail',
        async () => (await cluster3?.state(cluster3.ports[0] ?? 0)) === 'fail',
        15_000,
      );
      for (const { error, ms } of await calls()) {
        expect(error).to.be.an.instanceOf(StoreUnavailableError);
        expect(ms).to.be.below(2500);
      }
    });
  });
});
