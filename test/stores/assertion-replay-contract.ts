/**
 * The contract of the client assertion replay cache (lib/stores/assertion-replay.ts,
 * RFC 7523 3 item 7) over any backend's record store: a `jti` is used once per
 * client, until its TTL ends, and of parallel uses over two connections exactly
 * one wins. Registered by test/stores/contract.ts for every backend.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { AssertionReplayCache } from '../../lib/stores/assertion-replay.js';
import type { RecordStore } from '../../lib/stores/records.js';

export interface AssertionReplayContract {
  /** The record store of this test's stores, if the backend gives one. */
  records(): RecordStore | undefined;
  /** A second connection to the same backend (or the same store when there is none). */
  second(): Promise<RecordStore | undefined>;
  /** Moves the stores' clock forward. */
  advance(seconds: number): void;
  itMovingTime: Mocha.TestFunction;
  parallelism: number;
}

export function describeAssertionReplayContract(contract: AssertionReplayContract): void {
  describe('AssertionReplayCache (assertion-jti)', () => {
    let cache: AssertionReplayCache;
    beforeEach(function () {
      const records = contract.records();
      if (records === undefined) this.skip();
      cache = new AssertionReplayCache(records);
    });

    it('useOnce() is true the first time and false after, for one client and jti', async () => {
      const jti = randomUUID();
      expect(await cache.useOnce('client-a', jti, 60)).to.equal(true);
      expect(await cache.useOnce('client-a', jti, 60)).to.equal(false);
    });

    it('keeps clients apart, and ids that only join alike ("a" + "bc" vs "ab" + "c")', async () => {
      const jti = randomUUID();
      expect(await cache.useOnce('client-a', jti, 60)).to.equal(true);
      expect(await cache.useOnce('client-b', jti, 60)).to.equal(true);
      expect(await cache.useOnce(`x${jti}`, 'bc', 60)).to.equal(true);
      expect(await cache.useOnce(`x${jti}b`, 'c', 60)).to.equal(true);
    });

    contract.itMovingTime('forgets a jti once its TTL ended, not before', async () => {
      const jti = randomUUID();
      expect(await cache.useOnce('client-a', jti, 120)).to.equal(true);
      contract.advance(119);
      expect(await cache.useOnce('client-a', jti, 120)).to.equal(false);
      contract.advance(2);
      expect(await cache.useOnce('client-a', jti, 120)).to.equal(true);
    });

    it(`of ${contract.parallelism} parallel uses over two connections, exactly one wins`, async () => {
      const other = new AssertionReplayCache(
        (await contract.second()) ?? (contract.records() as RecordStore),
      );
      const jti = randomUUID();
      const results = await Promise.all(
        Array.from({ length: contract.parallelism }, (_, i) =>
          (i % 2 === 0 ? cache : other).useOnce('client-a', jti, 60),
        ),
      );
      expect(results.filter((won) => won)).to.have.length(1);
    });
  });
}
