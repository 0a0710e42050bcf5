/**
 * The contract of the DPoP proof replay cache (lib/stores/dpop-replay.ts,
 * RFC 9449 11.1) over any backend's record store: a proof's `jti` is used once
 * per key thumbprint, until its TTL ends, and of parallel uses over two
 * connections exactly one wins. Registered by test/stores/contract.ts for every
 * backend.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { DPOP_JTI_KIND, DpopReplayCache } from '../../lib/stores/dpop-replay.js';
import type { RecordStore } from '../../lib/stores/records.js';
import type { AssertionReplayContract } from './assertion-replay-contract.js';

const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

export function describeDpopReplayContract(contract: AssertionReplayContract): void {
  describe(`DpopReplayCache (${DPOP_JTI_KIND})`, () => {
    let cache: DpopReplayCache;
    beforeEach(function () {
      const records = contract.records();
      if (records === undefined) this.skip();
      cache = new DpopReplayCache(records);
    });

    it('useOnce() is true the first time and false after, for one key and jti', async () => {
      const jti = randomUUID();
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(true);
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(false);
    });

    it('keeps keys apart, and pairs that only join alike ("a" + "bc" vs "ab" + "c")', async () => {
      const jti = randomUUID();
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(true);
      expect(await cache.useOnce(`${JKT}x`, jti, 120)).to.equal(true);
      expect(await cache.useOnce(`a${jti}`, 'bc', 120)).to.equal(true);
      expect(await cache.useOnce(`a${jti}b`, 'c', 120)).to.equal(true);
    });

    it('does not collide with the client assertion cache (another kind)', async () => {
      const records = contract.records() as RecordStore;
      const jti = randomUUID();
      expect(await records.addOnce('assertion-jti', jti, 60)).to.equal(true);
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(true);
    });

    contract.itMovingTime('forgets a jti once its TTL ended, not before', async () => {
      const jti = randomUUID();
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(true);
      contract.advance(119);
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(false);
      contract.advance(2);
      expect(await cache.useOnce(JKT, jti, 120)).to.equal(true);
    });

    it(`of ${contract.parallelism} parallel uses over two connections, exactly one wins`, async () => {
      const other = new DpopReplayCache(
        (await contract.second()) ?? (contract.records() as RecordStore),
      );
      const jti = randomUUID();
      const results = await Promise.all(
        Array.from({ length: contract.parallelism }, (_, i) =>
          (i % 2 === 0 ? cache : other).useOnce(JKT, jti, 120),
        ),
      );
      expect(results.filter((won) => won)).to.have.length(1);
    });
  });
}
