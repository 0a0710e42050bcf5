/**
 * The device code store's part of the typed store contract (lib/stores/device-codes.ts,
 * RFC 8628), run by ./contract.ts inside `describeStoreContract` against every
 * backend: user codes unique among live codes, lookups that never return an
 * answered, consumed or expired code, and the atomic state changes with races
 * (parallel updates of one version, parallel answers, parallel polls: exactly
 * one wins each), split over two connections when the backend is shared.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { DeviceCodeRecord, DeviceCodeStore } from '../../index.js';

/** What ./contract.ts lends the device code cases. */
export interface DeviceContractContext {
  /** This test's first store, or undefined when the backend has none. */
  store(): DeviceCodeStore | undefined;
  /** A second store of this test (another connection when the backend is shared). */
  second(): Promise<DeviceCodeStore>;
  /** Now in epoch seconds, by the stores' clock. */
  now(): number;
  /** Moves the stores' clock (only registered for frozen clocks). */
  advance(seconds: number): void;
  itMovingTime: Mocha.TestFunction;
  parallelism: number;
}

const HOUR = 3600;

function newId(): string {
  return createHash('sha256').update(randomUUID()).digest('base64url');
}

export function describeDeviceCodeContract(context: DeviceContractContext): void {
  describe('DeviceCodeStore', () => {
    let codes: DeviceCodeStore;
    beforeEach(function () {
      const store = context.store();
      if (store === undefined) this.skip();
      codes = store;
    });

    function record(overrides: Partial<DeviceCodeRecord> = {}): DeviceCodeRecord {
      const issuedAt = context.now();
      return {
        id: newId(),
        userCodeHash: newId(),
        clientId: 'tv',
        scope: ['profile', 'read'],
        resources: ['https://api.example.test/'],
        status: 'pending',
        interval: 5,
        issuedAt,
        expiresAt: issuedAt + HOUR,
        ...overrides,
      };
    }

    /** `parallelism` calls, alternating between two stores. */
    async function race<T>(call: (store: DeviceCodeStore, i: number) => Promise<T>): Promise<T[]> {
      const other = await context.second();
      return Promise.all(
        Array.from({ length: context.parallelism }, (_, i) => call(i % 2 === 0 ? codes : other, i)),
      );
    }

    it('add() then find() and findByUserCode() return the record, version 1, not consumed', async () => {
      const r = record();
      expect(await codes.add(r, HOUR)).to.equal(true);
      const found = await codes.find(r.id);
      expect(found?.record).to.deep.equal(r);
      expect(found?.version).to.equal(1);
      expect(found?.consumed).to.equal(false);
      expect((await codes.findByUserCode(r.userCodeHash))?.record).to.deep.equal(r);
    });

    it('find() and findByUserCode() of unknown values are undefined', async () => {
      expect(await codes.find(newId())).to.equal(undefined);
      expect(await codes.findByUserCode(newId())).to.equal(undefined);
    });

    it('add() refuses a user code a live code holds, and saves nothing', async () => {
      const first = record();
      const second = record({ userCodeHash: first.userCodeHash });
      expect(await codes.add(first, HOUR)).to.equal(true);
      expect(await codes.add(second, HOUR)).to.equal(false);
      expect(await codes.find(second.id)).to.equal(undefined);
      expect((await codes.findByUserCode(first.userCodeHash))?.record.id).to.equal(first.id);
    });

    it(`of parallel add() calls with one user code, exactly one adds`, async () => {
      const userCodeHash = newId();
      const added = await race((store) => store.add(record({ userCodeHash }), HOUR));
      expect(added.filter(Boolean)).to.have.length(1);
    });

    context.itMovingTime('a user code is free again once its code expired', async () => {
      const first = record({ expiresAt: context.now() + 60 });
      expect(await codes.add(first, 60)).to.equal(true);
      context.advance(61);
      expect(await codes.findByUserCode(first.userCodeHash)).to.equal(undefined);
      const second = record({ userCodeHash: first.userCodeHash });
      expect(await codes.add(second, HOUR)).to.equal(true);
      expect((await codes.findByUserCode(first.userCodeHash))?.record.id).to.equal(second.id);
      // The expired code is still found by id (the grant answers expired_token).
      expect((await codes.find(first.id))?.record.id).to.equal(first.id);
    });

    it('findByUserCode() never returns a code past its expiresAt; find() still does', async () => {
      const r = record({ issuedAt: context.now() - 120, expiresAt: context.now() - 60 });
      expect(await codes.add(r, HOUR)).to.equal(true);
      expect(await codes.findByUserCode(r.userCodeHash)).to.equal(undefined);
      expect((await codes.find(r.id))?.record.id).to.equal(r.id);
    });

    it('update() is compare-and-set on the version', async () => {
      const r = record();
      await codes.add(r, HOUR);
      const after = await codes.update(r.id, 1, { interval: 10, lastPollMs: 1234 });
      expect(after?.version).to.equal(2);
      expect(after?.record).to.deep.equal({ ...r, interval: 10, lastPollMs: 1234 });
      expect(await codes.update(r.id, 1, { interval: 99 })).to.equal(undefined);
      expect((await codes.find(r.id))?.record.interval).to.equal(10);
      expect(await codes.update(newId(), 1, { interval: 10 })).to.equal(undefined);
    });

    it('of parallel update() calls at one version, exactly one wins', async () => {
      const r = record();
      await codes.add(r, HOUR);
      const results = await race((store, i) => store.update(r.id, 1, { lastPollMs: i }));
      expect(results.filter((x) => x !== undefined)).to.have.length(1);
      expect((await codes.find(r.id))?.version).to.equal(2);
    });

    it('settle() answers a pending code once; then it is no longer found by its user code', async () => {
      const r = record();
      await codes.add(r, HOUR);
      const approved = await codes.settle(r.id, {
        status: 'approved',
        subject: 'alice',
        grantId: 'g1',
      });
      expect(approved).to.deep.equal({ ...r, status: 'approved', subject: 'alice', grantId: 'g1' });
      expect(await codes.settle(r.id, { status: 'denied', subject: 'bob' })).to.equal(undefined);
      expect((await codes.find(r.id))?.record.status).to.equal('approved');
      expect(await codes.findByUserCode(r.userCodeHash)).to.equal(undefined);
      expect(await codes.settle(newId(), { status: 'denied', subject: 'bob' })).to.equal(undefined);
    });

    it('settle() wins over a poll that wrote in between (it reads again)', async () => {
      const r = record();
      await codes.add(r, HOUR);
      await codes.update(r.id, 1, { lastPollMs: 1 });
      expect((await codes.settle(r.id, { status: 'denied', subject: 'bob' }))?.status).to.equal(
        'denied',
      );
    });

    it('settle() leaves an expired code alone', async () => {
      const r = record({ issuedAt: context.now() - 120, expiresAt: context.now() - 60 });
      await codes.add(r, HOUR);
      expect(await codes.settle(r.id, { status: 'denied', subject: 'bob' })).to.equal(undefined);
    });

    it('of parallel settle() calls (approvals and denials), exactly one wins', async () => {
      const r = record();
      await codes.add(r, HOUR);
      const results = await race((store, i) =>
        store.settle(
          r.id,
          i % 3 === 0
            ? { status: 'denied', subject: `user-${i}` }
            : { status: 'approved', subject: `user-${i}`, grantId: `g-${i}` },
        ),
      );
      const winners = results.filter((x) => x !== undefined);
      expect(winners).to.have.length(1);
      expect((await codes.find(r.id))?.record).to.deep.equal(winners[0]);
    });

    it('of parallel consume() calls (polls of an approved code), exactly one gets it', async () => {
      const r = record();
      await codes.add(r, HOUR);
      await codes.settle(r.id, { status: 'approved', subject: 'alice', grantId: 'g' });
      const results = await race((store) => store.consume(r.id));
      const taken = results.filter((x) => x !== undefined);
      expect(taken).to.have.length(1);
      expect(taken[0]?.subject).to.equal('alice');
      expect((await codes.find(r.id))?.consumed).to.equal(true);
      expect(await codes.consume(r.id)).to.equal(undefined);
    });
  });
}
