/**
 * The in-process deny-list (lib/tokens/deny-list.ts) over each way a store can
 * be followed: polled (a shared store that cannot announce), announced (a store
 * with `watch()`, faked here; the Redis one is in test/scale/), and direct (the
 * memory store). Two DenyLists over one store stand for two processes. No
 * timings are asserted: a poll is forced with `pollInterval: 0`, or ruled out
 * with an hour.
 */
import { expect } from 'chai';
import {
  MemoryRecordStore,
  StoreUnavailableError,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from '../../index.js';
import { RecordDenyListStore } from '../../lib/stores/deny-list.js';
import type { RecordWatchListener } from '../../lib/stores/watch.js';
import { DenyList } from '../../lib/tokens/deny-list.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';

/** A store shared by "processes" that cannot announce: memory underneath, counted, breakable. */
class SharedStore implements RecordStore {
  readonly inner: MemoryRecordStore;
  readonly clock: () => number;
  reads = 0;
  failure: Error | undefined;

  constructor(clock: FrozenClock) {
    this.inner = new MemoryRecordStore({ clock });
    this.clock = clock;
  }

  #check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
  async put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups?: RecordLookups,
  ): Promise<void> {
    this.#check();
    return this.inner.put(kind, id, value, ttl, lookups);
  }
  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    this.#check();
    this.reads++;
    return this.inner.get(kind, id);
  }
  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    this.#check();
    this.reads++;
    return this.inner.getBy(kind, lookup, value);
  }
  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    this.#check();
    this.reads++;
    return this.inner.listBy(kind, lookup, value);
  }
  addOnce(kind: string, id: string, ttl: number, value?: RecordValue): Promise<boolean> {
    return this.inner.addOnce(kind, id, ttl, value);
  }
  consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    return this.inner.consume(kind, id);
  }
  update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    return this.inner.update(kind, id, patch, expectedVersion);
  }
  delete(kind: string, id: string): Promise<void> {
    return this.inner.delete(kind, id);
  }
}

/** The same, able to announce: the test plays the subscription. */
class AnnouncingStore extends SharedStore {
  listener: RecordWatchListener | undefined;
  watchedKinds: readonly string[] = [];

  watch(kinds: readonly string[], listener: RecordWatchListener): () => void {
    this.watchedKinds = kinds;
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }
}

const reported: unknown[] = [];
function denyList(store: RecordStore, pollInterval: number): DenyList {
  return new DenyList({
    store: new RecordDenyListStore(store),
    report: (err) => reported.push(err),
    pollInterval,
  });
}

describe('tokens/deny-list: the in-process copy', () => {
  let clock: FrozenClock;
  beforeEach(() => {
    clock = frozenClock();
    reported.length = 0;
  });

  describe('polled (a shared store without announcements)', () => {
    it('is polled; a deny written by another process is seen at the next read', async () => {
      const store = new SharedStore(clock);
      const [a, b] = [denyList(store, 0), denyList(store, 0)];
      expect(b.mode).to.equal('polled');
      expect(await b.check('jti-1', 'grant-1')).to.equal(false);
      await a.deny('token', 'jti-1', 60);
      await a.deny('grant', 'grant-2', 60);
      expect(await b.check('jti-1', 'grant-1')).to.equal(true);
      expect(await b.check('jti-9', 'grant-2')).to.equal(true);
      expect(await b.check('jti-9', 'grant-9')).to.equal(false);
    });

    it('answers from memory while the copy is fresh: no store read per check', async () => {
      const store = new SharedStore(clock);
      const list = denyList(store, 3_600_000);
      await list.check('jti', undefined);
      const after = store.reads;
      expect(after).to.equal(2); // one listBy per kind
      for (let i = 0; i < 100; i++) expect(list.check(`jti-${i}`, 'g')).to.equal(false);
      expect(store.reads).to.equal(after);
    });

    it('a deny written by this process is in its copy at once, before any re-read', async () => {
      const store = new SharedStore(clock);
      const list = denyList(store, 3_600_000);
      await list.check('jti', undefined);
      await list.deny('token', 'jti', 60);
      expect(list.check('jti', undefined)).to.equal(true);
    });

    it('until a first read succeeded a check fails with the store error (503), never answers', async () => {
      const store = new SharedStore(clock);
      const list = denyList(store, 0);
      store.failure = new StoreUnavailableError('down');
      let error: unknown;
      await Promise.resolve(list.check('jti', 'g')).catch((err: unknown) => (error = err));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      store.failure = undefined;
      expect(await list.check('jti', 'g')).to.equal(false);
    });

    it('a later failed read keeps the copy (reported), and the next read catches up', async () => {
      const store = new SharedStore(clock);
      const [a, b] = [denyList(store, 0), denyList(store, 0)];
      await a.deny('token', 'old', 60);
      expect(await b.check('old', undefined)).to.equal(true);
      store.failure = new StoreUnavailableError('down');
      expect(await b.check('old', undefined)).to.equal(true);
      expect(await b.check('other', undefined)).to.equal(false);
      expect(reported).to.have.length(2);
      store.failure = undefined;
      await a.deny('token', 'new', 60);
      expect(await b.check('new', undefined)).to.equal(true);
    });

    it('a store that lost its data does not bring back a token this process knew to be denied', async () => {
      const store = new SharedStore(clock);
      const [a, b] = [denyList(store, 0), denyList(store, 0)];
      await a.deny('grant', 'grant-1', 60);
      expect(await b.check('jti', 'grant-1')).to.equal(true);
      await store.inner.delete('deny-grant', 'grant-1'); // a restart without persistence
      expect(await b.check('jti', 'grant-1')).to.equal(true);
    });

    it('an entry leaves when it expires', async () => {
      const store = new SharedStore(clock);
      const list = denyList(store, 0);
      await list.deny('token', 'jti', 10);
      expect(await list.check('jti', undefined)).to.equal(true);
      clock.advance(10);
      expect(await list.check('jti', undefined)).to.equal(false);
    });
  });

  describe('announced (a store with watch())', () => {
    it('watches both kinds; before the subscription it polls', async () => {
      const store = new AnnouncingStore(clock);
      const [a, b] = [denyList(store, 0), denyList(store, 0)];
      expect(b.mode).to.equal('announced');
      expect(await b.check('jti', undefined)).to.equal(false);
      expect(store.watchedKinds).to.deep.equal(['deny-token', 'deny-grant']);
      await a.deny('token', 'jti', 60);
      expect(await b.check('jti', undefined)).to.equal(true);
    });

    it('once subscribed: a full read, then announcements only (no read per check, even with pollInterval 0)', async () => {
      const store = new AnnouncingStore(clock);
      const list = denyList(store, 0);
      await list.check('x', undefined); // starts watching
      const listener = store.listener as RecordWatchListener;
      const other = new RecordDenyListStore(store);
      await other.deny('token', 'missed', 60); // written while not subscribed
      listener.subscribed();
      expect(await list.check('missed', undefined), 'caught up by the resync').to.equal(true);
      const reads = store.reads;
      for (let i = 0; i < 100; i++) expect(await list.check(`jti-${i}`, 'g')).to.equal(false);
      expect(store.reads).to.equal(reads);
      listener.put('deny-grant', 'grant-7', clock() + 60_000);
      listener.put('some-other-kind', 'jti-1', clock() + 60_000);
      expect(list.check('jti-1', 'grant-7')).to.equal(true);
      expect(list.check('jti-1', 'grant-1')).to.equal(false);
      expect(store.reads).to.equal(reads);
    });

    it('after unsubscribed() it polls again; a new subscribed() reads everything again', async () => {
      const store = new AnnouncingStore(clock);
      const list = denyList(store, 0);
      await list.check('x', undefined);
      const listener = store.listener as RecordWatchListener;
      listener.subscribed();
      await list.check('x', undefined);
      listener.unsubscribed();
      const reads = store.reads;
      await list.check('x', undefined);
      expect(store.reads, 'polled while unsubscribed').to.be.greaterThan(reads);
      const other = new RecordDenyListStore(store);
      await other.deny('token', 'during-the-gap', 60);
      listener.subscribed();
      expect(await list.check('during-the-gap', undefined)).to.equal(true);
    });
  });

  describe('direct (the memory store: one process)', () => {
    it('asks the store per check: exact, and nothing is copied', async () => {
      const store = new MemoryRecordStore({ clock });
      const [a, b] = [denyList(store, 3_600_000), denyList(store, 3_600_000)];
      expect(b.mode).to.equal('direct');
      expect(await b.check('jti', 'g')).to.equal(false);
      await a.deny('grant', 'g', 60);
      expect(await b.check('jti', 'g')).to.equal(true);
    });
  });
});
