/**
 * The contract of users' grants (lib/stores/user-grants.ts, `provider.authorizedApps`)
 * over any backend's record store: a grant is listed by its subject only, its use
 * is recorded at most once a minute and extends its life, a revoked or deleted
 * grant is never listed again, and parallel uses over two connections leave one
 * consistent record. Registered by test/stores/contract.ts for every backend.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { RecordStore } from '../../lib/stores/records.js';
import { RecordRefreshTokenStore } from '../../lib/stores/typed-stores.js';
import { UserGrantStore, USE_INTERVAL } from '../../lib/stores/user-grants.js';

export interface UserGrantContract {
  /** The record store of this test's stores, if the backend gives one. */
  records(): RecordStore | undefined;
  /** A second connection to the same backend (or undefined when there is none). */
  second(): Promise<RecordStore | undefined>;
  /** Moves the stores' clock forward. */
  advance(seconds: number): void;
  itMovingTime: Mocha.TestFunction;
  parallelism: number;
}

/** Seconds a used grant lives in these tests. */
const LIFETIME = 3600;

const grant = (subject: string, clientId = 'web') => ({
  grantId: randomUUID(),
  subject,
  clientId,
  scope: ['profile', 'read'],
  resources: ['https://api.example.test/'],
});

export function describeUserGrantContract(contract: UserGrantContract): void {
  describe('UserGrantStore (authorized apps)', () => {
    let store: UserGrantStore;
    let records: RecordStore;
    let alice: string;
    beforeEach(function () {
      const found = contract.records();
      if (found === undefined) this.skip();
      records = found;
      store = new UserGrantStore(records, LIFETIME);
      alice = `alice-${randomUUID()}`;
    });

    it('list() returns the subject’s grants, every field intact, and no one else’s', async () => {
      const a = grant(alice);
      const b = grant(alice, 'other');
      await store.granted(a, 60);
      await store.granted(b, 60);
      await store.granted(grant(`bob-${randomUUID()}`), 60);
      const now = Math.floor(records.clock() / 1000);
      const listed = (await store.list(alice)).sort((x, y) => x.clientId.localeCompare(y.clientId));
      expect(listed.map((g) => g.grantId)).to.deep.equal([b.grantId, a.grantId]);
      const { grantedAt, ...rest } = listed[1] as NonNullable<(typeof listed)[1]>;
      expect(rest).to.deep.equal(a);
      expect(grantedAt).to.be.within(now - 5, now + 5);
      expect(await store.list(`nobody-${randomUUID()}`)).to.deep.equal([]);
    });

    it('used() records lastUsedAt; used() of an unknown grant creates nothing', async () => {
      const a = grant(alice);
      await store.granted(a, 60);
      await store.used(a.grantId);
      const [listed] = await store.list(alice);
      expect(listed?.lastUsedAt).to.be.a('number');
      const ghost = randomUUID();
      await store.used(ghost);
      expect(await records.get('user-grant', ghost)).to.equal(undefined);
    });

    it('a deleted grant is not listed, and a later use does not bring it back', async () => {
      const a = grant(alice);
      await store.granted(a, 60);
      await store.delete(a.grantId);
      await store.used(a.grantId);
      expect(await store.list(alice)).to.deep.equal([]);
    });

    it('a grant whose refresh tokens were revoked is not listed', async () => {
      const a = grant(alice);
      const b = grant(alice);
      await store.granted(a, 60);
      await store.granted(b, 60);
      await new RecordRefreshTokenStore(records).revokeGrant(a.grantId, 60);
      expect((await store.list(alice)).map((g) => g.grantId)).to.deep.equal([b.grantId]);
    });

    contract.itMovingTime('an unused grant lives its pending TTL plus a minute', async () => {
      const a = grant(alice);
      await store.granted(a, 60);
      contract.advance(60 + USE_INTERVAL - 1);
      expect(await store.list(alice)).to.have.length(1);
      contract.advance(2);
      expect(await store.list(alice)).to.deep.equal([]);
    });

    contract.itMovingTime('a use extends its life to the lifetime plus a minute', async () => {
      const a = grant(alice);
      await store.granted(a, 60);
      await store.used(a.grantId);
      contract.advance(LIFETIME + USE_INTERVAL - 1);
      expect(await store.list(alice)).to.have.length(1);
      contract.advance(2);
      expect(await store.list(alice)).to.deep.equal([]);
    });

    contract.itMovingTime('lastUsedAt is written at most once a minute', async () => {
      const a = grant(alice);
      await store.granted(a, 60);
      await store.used(a.grantId);
      const first = (await records.get('user-grant', a.grantId))?.value['lastUsedAt'];
      contract.advance(USE_INTERVAL - 1);
      await store.used(a.grantId);
      expect((await store.list(alice))[0]?.lastUsedAt).to.equal(first);
      contract.advance(1);
      await store.used(a.grantId);
      expect((await store.list(alice))[0]?.lastUsedAt).to.equal((first as number) + USE_INTERVAL);
    });

    it(`${String(contract.parallelism)} parallel uses over two connections leave one record`, async () => {
      const other = (await contract.second()) ?? records;
      const second = new UserGrantStore(other, LIFETIME);
      const a = grant(alice);
      await store.granted(a, 60);
      await Promise.all(
        Array.from({ length: contract.parallelism }, (_, i) =>
          (i % 2 === 0 ? store : second).used(a.grantId),
        ),
      );
      const listed = await store.list(alice);
      expect(listed).to.have.length(1);
      expect(listed[0]?.lastUsedAt).to.be.a('number');
      expect(listed[0]?.scope).to.deep.equal(a.scope);
    });
  });
}
