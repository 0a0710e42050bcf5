/**
 * The contract suite of the persistence primitive: every rule of
 * lib/stores/records.ts, checked against any backend. The memory store runs it in
 * test/stores/memory.test.ts; the Redis, SQL, memcached, DynamoDB and MongoDB
 * record stores run it UNCHANGED.
 *
 *     describeRecordContract('redis', (clock) => {
 *       const client = new Redis();
 *       return { records: new RedisRecordStore({ client, clock }), close: () => client.quit() };
 *     }, { sharedBackend: true, unreachable: … });
 *
 * What a backend provides:
 * - A factory `(clock) => RecordStoreUnderTest`, called once before every test
 *   (and a second time in that test when `sharedBackend` is set). The store must
 *   take that clock for everything time-related: expiry on read, `consumedAt`,
 *   increment windows. The suite moves time with `clock.advance()` only, so no
 *   test waits and no assertion is timed. `close()`, if given, runs after every
 *   test for every object the factory returned (quit the connection it opened).
 * - `sharedBackend` (default false): two objects made by the factory in one test
 *   reach the same data. The race tests then split their calls over both, and a
 *   record written through one handle is read and taken through the other.
 * - `unreachable`: a factory for a store whose backend cannot be reached. Every
 *   method must then reject with `StoreUnavailableError`. Without it those tests
 *   are not registered.
 * - `noExpiry` (default true): whether `put()` takes `ttl: undefined`. When false
 *   (memcached evicts), such a `put()` must reject with a TypeError instead.
 * - `parallelism` (default 20): parallel calls in each race test.
 * - `cleanup()`: runs once after the whole suite (drop a test table or key prefix).
 *
 * Tests that do not apply are not registered (`notApplicable`), so "skipped" in a
 * report means something was missing: the increment tests are skipped when the
 * store has no `increment()` (the optional tier), since that is only known once
 * the factory has run.
 *
 * Every test makes fresh random ids and lookup values, so runs against a shared
 * database do not collide and need no cleanup between tests. Values are compared
 * with their `undefined`-valued keys dropped (at any depth): a backend that
 * serialises a value need not keep an explicit `undefined`, but must never turn
 * one into `null`. Records are compared on the five fields of `StoredRecord`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { StoreUnavailableError } from '../../lib/errors.js';
import type {
  RecordLookups,
  RecordStore,
  RecordValue,
  StoredRecord,
} from '../../lib/stores/records.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';

/** What the factory hands the suite. */
export interface RecordStoreUnderTest {
  records: RecordStore;
  /** Runs after each test (close the connection this object opened). */
  close?(): Promise<void> | void;
}

/** Makes a store that takes `clock` (epoch ms, moved only by the suite) for everything. */
export type RecordStoreFactory = (
  clock: FrozenClock,
) => Promise<RecordStoreUnderTest> | RecordStoreUnderTest;

export interface RecordContractOptions {
  /** Two factory calls in one test reach the same data (races are then split over both). Default false. */
  sharedBackend?: boolean;
  /** A factory whose backend cannot be reached: every method must reject with StoreUnavailableError. */
  unreachable?: RecordStoreFactory;
  /** Whether put() with ttl undefined (no expiry) is supported. Default true (memcached: false, and it must throw TypeError). */
  noExpiry?: boolean;
  /** Parallel calls in the race tests. Default 20. */
  parallelism?: number;
  /** Runs once after the suite. */
  cleanup?(): Promise<void> | void;
}

/** Registers nothing: for tests that do not apply to a backend. */
const notApplicable = ((_title: string, _fn?: Mocha.Func | Mocha.AsyncFunc) =>
  undefined) as unknown as Mocha.TestFunction;

/** The kinds the suite writes. */
const KIND = 'contract';
const OTHER_KIND = 'contract-other';
const COUNTER_KIND = 'contract-counter';

/** An hour: the TTL of every record that should outlive the test. */
const HOUR = 3600;

/** A random id shaped like the engine's: a base64url SHA-256 digest. */
function newId(): string {
  return createHash('sha256').update(randomUUID()).digest('base64url');
}

/** `value` without its `undefined`-valued keys, at any depth (see the header). */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, defined(v)]),
  );
}

/** The fields of a record the contract speaks of, comparable with deep.equal. */
interface Shape {
  id: string;
  value: unknown;
  expiresAt: number | undefined;
  consumedAt?: number | undefined;
  version: number;
}

/** `record` reduced to its {@link Shape}; `undefined` stays `undefined`. */
function shape(record: StoredRecord | undefined): unknown {
  if (record === undefined) return undefined;
  const { id, value, expiresAt, consumedAt, version } = record;
  return defined({ id, value, expiresAt, consumedAt, version });
}

/** The expected shape, with the same `undefined` handling as {@link shape}. */
function expected(record: Shape): unknown {
  return defined(record);
}

/** Resolves to what `call` threw or rejected with, or fails the test when it did neither. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  return expect.fail('expected the call to reject');
}

/** A value with every kind of JSON in it. */
function richValue(): RecordValue {
  return {
    nonce: randomUUID(),
    text: 'Zoë ✓ 日本語 🙂 "quoted" back\\slash\nnew line\ttab',
    empty: '',
    numbers: [0, 1, -42, 1.5, 1e-7, 6.02e23, Number.MAX_SAFE_INTEGER],
    flags: { yes: true, no: false },
    nothing: null,
    list: [1, 'two', true, null, { three: [3] }, []],
    nested: { a: { b: { c: { d: 'deep' } } }, emptyObject: {}, emptyList: [] },
    'key with spaces': 1,
    'dotted.key': 2,
    $dollar: 3,
    'ключ 🔑': 'unicode key',
  };
}

export function describeRecordContract(
  name: string,
  factory: RecordStoreFactory,
  options: RecordContractOptions = {},
): void {
  const parallelism = options.parallelism ?? 20;
  const noExpiry = options.noExpiry ?? true;
  const itShared = options.sharedBackend === true ? it : notApplicable;
  const itUnreachable = options.unreachable === undefined ? notApplicable : it;
  const itNoExpiry = noExpiry ? it : notApplicable;
  const itEvicting = noExpiry ? notApplicable : it;
  const handles = options.sharedBackend === true ? 'over two handles' : 'on one handle';

  describe(`record store contract: ${name}`, () => {
    let clock: FrozenClock;
    let records: RecordStore;
    const opened: RecordStoreUnderTest[] = [];

    async function open(make: RecordStoreFactory = factory): Promise<RecordStore> {
      const made = await make(clock);
      opened.push(made);
      return made.records;
    }

    /** The two handles the races use: a second one when the backend is shared. */
    async function pair(): Promise<[RecordStore, RecordStore]> {
      return [records, options.sharedBackend === true ? await open() : records];
    }

    /** Runs `parallelism` calls at once, alternating between the two handles. */
    async function race<T>(call: (store: RecordStore, i: number) => Promise<T>): Promise<T[]> {
      const [first, second] = await pair();
      return Promise.all(
        Array.from({ length: parallelism }, (_, i) => call(i % 2 === 0 ? first : second, i)),
      );
    }

    /** Epoch ms `seconds` from now by the suite's clock. */
    function inSeconds(seconds: number): number {
      return clock() + seconds * 1000;
    }

    beforeEach(async () => {
      clock = frozenClock();
      records = await open();
    });

    afterEach(async () => {
      for (const made of opened.splice(0)) await made.close?.();
    });

    after(async () => {
      await options.cleanup?.();
    });

    describe('put() and get()', () => {
      it('the store exposes the clock it was given', () => {
        clock.advance(12.5);
        expect(records.clock()).to.equal(clock());
      });

      it('get() returns the value put() was given, every kind of JSON intact', async () => {
        const id = newId();
        const value = richValue();
        await records.put(KIND, id, value, HOUR);
        expect(shape(await records.get(KIND, id))).to.deep.equal(
          expected({ id, value, expiresAt: inSeconds(HOUR), version: 1 }),
        );
      });

      it('drops keys whose value is undefined, never turns them into null', async () => {
        const id = newId();
        await records.put(
          KIND,
          id,
          { kept: 1, gone: undefined, inner: { x: undefined, y: 2 } },
          HOUR,
        );
        const value = (await records.get(KIND, id))?.value;
        expect(value?.['gone'], 'top-level key').to.equal(undefined);
        expect((value?.['inner'] as Record<string, unknown>)['x'], 'nested key').to.equal(
          undefined,
        );
        expect(defined(value)).to.deep.equal({ kept: 1, inner: { y: 2 } });
      });

      it('get() of an unknown id is undefined', async () => {
        expect(await records.get(KIND, newId())).to.equal(undefined);
      });

      it('a value that is not a JSON object, or an empty lookup, is a TypeError and writes nothing', async () => {
        const id = newId();
        const bad: unknown[] = [null, [1, 2], 'text', 42];
        for (const value of bad) {
          const err = await rejection(() => records.put(KIND, id, value as RecordValue, HOUR));
          expect(err, JSON.stringify(value)).to.be.an.instanceOf(TypeError);
          const added = await rejection(() =>
            records.addOnce(KIND, id, HOUR, value as RecordValue),
          );
          expect(added, `addOnce ${JSON.stringify(value)}`).to.be.an.instanceOf(TypeError);
        }
        for (const lookups of [{ '': 'x' }, { name: '' }, { name: 7 }]) {
          const err = await rejection(() =>
            records.put(KIND, id, { a: 1 }, HOUR, lookups as unknown as RecordLookups),
          );
          expect(err, JSON.stringify(lookups)).to.be.an.instanceOf(TypeError);
        }
        expect(await records.get(KIND, id)).to.equal(undefined);
      });

      it('update() with a patch that is not a JSON object is a TypeError and changes nothing', async () => {
        const id = newId();
        await records.put(KIND, id, { a: 1 }, HOUR);
        const err = await rejection(() => records.update(KIND, id, [1] as unknown as RecordValue));
        expect(err).to.be.an.instanceOf(TypeError);
        const stored = await records.get(KIND, id);
        expect(stored?.value).to.deep.equal({ a: 1 });
        expect(stored?.version).to.equal(1);
      });

      it('changing the object given to put() or returned by get() changes nothing stored', async () => {
        const id = newId();
        const given = { list: [1], inner: { a: 1 } };
        await records.put(KIND, id, given, HOUR);
        given.list.push(2);
        given.inner.a = 99;
        const first = await records.get(KIND, id);
        (first?.value['list'] as number[]).push(3);
        (first?.value['inner'] as Record<string, number>)['a'] = 100;
        expect((await records.get(KIND, id))?.value).to.deep.equal({ list: [1], inner: { a: 1 } });
      });

      it('keeps kinds apart: the same id in two kinds is two records', async () => {
        const id = newId();
        const lookup = newId();
        await records.put(KIND, id, { kind: 'first' }, HOUR, { key: lookup });
        await records.put(OTHER_KIND, id, { kind: 'second' }, HOUR, { key: lookup });
        expect((await records.get(KIND, id))?.value).to.deep.equal({ kind: 'first' });
        expect((await records.get(OTHER_KIND, id))?.value).to.deep.equal({ kind: 'second' });
        expect((await records.getBy(KIND, 'key', lookup))?.value).to.deep.equal({ kind: 'first' });
        expect((await records.listBy(OTHER_KIND, 'key', lookup)).map((r) => r.value)).to.deep.equal(
          [{ kind: 'second' }],
        );
        expect(await records.consume(KIND, id)).to.not.equal(undefined);
        expect((await records.get(OTHER_KIND, id))?.consumedAt).to.equal(undefined);
        await records.delete(OTHER_KIND, id);
        expect((await records.get(KIND, id))?.value).to.deep.equal({ kind: 'first' });
        expect(await records.get(OTHER_KIND, id)).to.equal(undefined);
      });

      it('keeps kinds apart even where joining kind and id with ":" would collide', async () => {
        const suffix = newId();
        await records.put(KIND, `a:${suffix}`, { kind: KIND }, HOUR);
        await records.put(`${KIND}:a`, suffix, { kind: `${KIND}:a` }, HOUR);
        expect((await records.get(KIND, `a:${suffix}`))?.value).to.deep.equal({ kind: KIND });
        expect((await records.get(`${KIND}:a`, suffix))?.value).to.deep.equal({
          kind: `${KIND}:a`,
        });
      });

      it('takes ids and lookup values with awkward characters, each its own record', async () => {
        const random = newId();
        const ids = [
          `${random}:with:colons`,
          `${random}%41%2F%`,
          `{${random}}`,
          `${random} with spaces `,
          `${random}/slash\\back?q=1&x#frag`,
          `${random}'quote"double`,
          `Zoë ✓ 日本語 🙂 ${random}`,
          `${random}${'x'.repeat(200 - random.length)}`,
        ];
        for (const [i, id] of ids.entries()) await records.put(KIND, id, { i }, HOUR, { key: id });
        for (const [i, id] of ids.entries()) {
          expect(shape(await records.get(KIND, id)), id).to.deep.equal(
            expected({ id, value: { i }, expiresAt: inSeconds(HOUR), version: 1 }),
          );
          expect((await records.getBy(KIND, 'key', id))?.id, id).to.equal(id);
          expect(
            (await records.listBy(KIND, 'key', id)).map((r) => r.id),
            id,
          ).to.deep.equal([id]);
        }
        for (const id of ids) expect((await records.consume(KIND, id))?.id, id).to.equal(id);
        for (const id of ids) await records.delete(KIND, id);
        for (const id of ids) expect(await records.get(KIND, id), id).to.equal(undefined);
      });

      it('takes the names of Object.prototype as plain ids, lookup names and values', async () => {
        const kind = `contract-${randomUUID()}`;
        const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
        for (const id of names) {
          expect(await records.get(kind, id), `get ${id} before put`).to.equal(undefined);
          expect(await records.getBy(kind, id, id), `getBy ${id}`).to.equal(undefined);
          expect(await records.listBy(kind, id, id), `listBy ${id}`).to.deep.equal([]);
        }
        for (const id of names) await records.put(kind, id, { id }, HOUR, { [id]: id });
        for (const id of names) {
          expect((await records.get(kind, id))?.value, id).to.deep.equal({ id });
          expect((await records.getBy(kind, id, id))?.id, id).to.equal(id);
          expect((await records.update(kind, id, { more: 1 }))?.version, id).to.equal(2);
          expect((await records.consume(kind, id))?.id, id).to.equal(id);
          expect(await records.addOnce(kind, id, HOUR), id).to.equal(false);
          await records.delete(kind, id);
          expect(await records.get(kind, id), id).to.equal(undefined);
        }
      });

      it('put() replaces a record: value, lookups, TTL, version back to 1, consumedAt cleared', async () => {
        const id = newId();
        const [oldKey, newKey] = [newId(), newId()];
        await records.put(KIND, id, { old: true, shared: 1 }, HOUR, { old: oldKey });
        await records.update(KIND, id, { updated: true });
        await records.consume(KIND, id);
        await records.put(KIND, id, { shared: 2 }, 60, { fresh: newKey });
        const replaced = expected({
          id,
          value: { shared: 2 },
          expiresAt: inSeconds(60),
          version: 1,
        });
        expect(shape(await records.get(KIND, id))).to.deep.equal(replaced);
        expect(await records.getBy(KIND, 'old', oldKey)).to.equal(undefined);
        expect(await records.listBy(KIND, 'old', oldKey)).to.deep.equal([]);
        expect(shape(await records.getBy(KIND, 'fresh', newKey))).to.deep.equal(replaced);
        expect(shape(await records.consume(KIND, id)), 'consumable again').to.deep.equal(replaced);
      });
    });

    describe('expiry', () => {
      it('a record lives until its ttl, then is gone for every method', async () => {
        const id = newId();
        const key = newId();
        await records.put(KIND, id, { n: 1 }, 60, { key });
        clock.advance(59);
        const live = expected({ id, value: { n: 1 }, expiresAt: inSeconds(1), version: 1 });
        expect(shape(await records.get(KIND, id))).to.deep.equal(live);
        expect(shape(await records.getBy(KIND, 'key', key))).to.deep.equal(live);
        expect((await records.listBy(KIND, 'key', key)).map(shape)).to.deep.equal([live]);
        clock.advance(1);
        expect(await records.get(KIND, id), 'get').to.equal(undefined);
        expect(await records.getBy(KIND, 'key', key), 'getBy').to.equal(undefined);
        expect(await records.listBy(KIND, 'key', key), 'listBy').to.deep.equal([]);
        expect(await records.consume(KIND, id), 'consume').to.equal(undefined);
        expect(await records.update(KIND, id, { n: 2 }), 'update').to.equal(undefined);
        expect(await records.update(KIND, id, { n: 2 }, 1), 'update at version 1').to.equal(
          undefined,
        );
        expect(await records.get(KIND, id), 'consume and update created nothing').to.equal(
          undefined,
        );
        expect(await records.addOnce(KIND, id, 60, { n: 3 }), 'addOnce').to.equal(true);
        expect(shape(await records.get(KIND, id))).to.deep.equal(
          expected({ id, value: { n: 3 }, expiresAt: inSeconds(60), version: 1 }),
        );
      });

      itNoExpiry('ttl undefined never expires', async () => {
        const id = newId();
        const key = newId();
        await records.put(KIND, id, { client: true }, undefined, { key });
        clock.advance(20 * 365 * 24 * HOUR);
        const kept = expected({ id, value: { client: true }, expiresAt: undefined, version: 1 });
        expect(shape(await records.get(KIND, id))).to.deep.equal(kept);
        expect(shape(await records.getBy(KIND, 'key', key))).to.deep.equal(kept);
        expect(shape(await records.update(KIND, id, { more: 1 }))).to.deep.equal(
          expected({ id, value: { client: true, more: 1 }, expiresAt: undefined, version: 2 }),
        );
        expect(await records.addOnce(KIND, id, HOUR)).to.equal(false);
      });

      itEvicting(
        'put() with ttl undefined rejects with a TypeError and stores nothing',
        async () => {
          const id = newId();
          expect(
            await rejection(() => records.put(KIND, id, { a: 1 }, undefined)),
          ).to.be.an.instanceOf(TypeError);
          expect(await records.get(KIND, id)).to.equal(undefined);
        },
      );

      it('takes a fractional ttl to the millisecond', async () => {
        const id = newId();
        await records.put(KIND, id, { a: 1 }, 90.5);
        expect((await records.get(KIND, id))?.expiresAt).to.equal(inSeconds(90.5));
        clock.advance(90.25);
        expect(await records.get(KIND, id)).to.not.equal(undefined);
        clock.advance(0.25);
        expect(await records.get(KIND, id)).to.equal(undefined);
      });

      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        it(`a ttl of ${ttl} rejects with a RangeError and stores nothing`, async () => {
          const id = newId();
          expect(
            await rejection(() => records.put(KIND, id, { a: 1 }, ttl)),
            'put',
          ).to.be.an.instanceOf(RangeError);
          expect(
            await rejection(() => records.addOnce(KIND, id, ttl)),
            'addOnce',
          ).to.be.an.instanceOf(RangeError);
          const increment = records.increment?.bind(records);
          if (increment !== undefined) {
            expect(
              await rejection(() => increment(COUNTER_KIND, id, ttl)),
              'increment',
            ).to.be.an.instanceOf(RangeError);
          }
          expect(await records.get(KIND, id)).to.equal(undefined);
        });
      }
    });

    describe('getBy() and listBy()', () => {
      it('getBy() finds a record by each of its lookups, and by no other name', async () => {
        const id = newId();
        const [subject, uniqueKey] = [newId(), newId()];
        await records.put(KIND, id, { a: 1 }, HOUR, { subject, uniqueKey });
        const record = expected({ id, value: { a: 1 }, expiresAt: inSeconds(HOUR), version: 1 });
        expect(shape(await records.getBy(KIND, 'subject', subject))).to.deep.equal(record);
        expect(shape(await records.getBy(KIND, 'uniqueKey', uniqueKey))).to.deep.equal(record);
        expect(await records.getBy(KIND, 'uniqueKey', subject)).to.equal(undefined);
        expect(await records.getBy(KIND, 'other', subject)).to.equal(undefined);
        expect(await records.getBy(KIND, 'subject', newId())).to.equal(undefined);
      });

      it('getBy() returns the record most recently put with the lookup value', async () => {
        const key = newId();
        const [a, b, c] = [newId(), newId(), newId()];
        for (const id of [a, b, c]) await records.put(KIND, id, { id }, HOUR, { key });
        expect((await records.getBy(KIND, 'key', key))?.id).to.equal(c);
        await records.put(KIND, a, { id: a, again: true }, HOUR, { key });
        expect((await records.getBy(KIND, 'key', key))?.value).to.deep.equal({
          id: a,
          again: true,
        });
      });

      it('getBy() falls back to the next most recent live record when a newer one goes', async () => {
        const key = newId();
        const [a, b, c, d] = [newId(), newId(), newId(), newId()];
        await records.put(KIND, a, { id: a }, HOUR, { key });
        await records.put(KIND, b, { id: b }, HOUR, { key });
        await records.put(KIND, c, { id: c }, 60, { key });
        await records.put(KIND, d, { id: d }, HOUR, { key });
        await records.delete(KIND, d);
        expect((await records.getBy(KIND, 'key', key))?.id, 'newest deleted').to.equal(c);
        clock.advance(60);
        expect((await records.getBy(KIND, 'key', key))?.id, 'next expired').to.equal(b);
        await records.put(KIND, b, { id: b }, HOUR, { other: key });
        expect((await records.getBy(KIND, 'key', key))?.id, 'next replaced').to.equal(a);
      });

      it('a record put again without a lookup, or with another value, is not found by the old one', async () => {
        const [id, key, next] = [newId(), newId(), newId()];
        await records.put(KIND, id, { v: 1 }, HOUR, { key });
        await records.put(KIND, id, { v: 2 }, HOUR);
        expect(await records.getBy(KIND, 'key', key)).to.equal(undefined);
        expect(await records.listBy(KIND, 'key', key)).to.deep.equal([]);
        await records.put(KIND, id, { v: 3 }, HOUR, { key: next });
        expect(await records.getBy(KIND, 'key', key)).to.equal(undefined);
        expect((await records.getBy(KIND, 'key', next))?.value).to.deep.equal({ v: 3 });
        await records.put(KIND, id, { v: 4 }, HOUR, { key });
        expect(await records.getBy(KIND, 'key', next)).to.equal(undefined);
        expect((await records.getBy(KIND, 'key', key))?.value).to.deep.equal({ v: 4 });
      });

      it('getBy() and listBy() find no deleted record', async () => {
        const [id, key] = [newId(), newId()];
        await records.put(KIND, id, { a: 1 }, HOUR, { key });
        await records.delete(KIND, id);
        expect(await records.getBy(KIND, 'key', key)).to.equal(undefined);
        expect(await records.listBy(KIND, 'key', key)).to.deep.equal([]);
      });

      it('getBy() and listBy() find consumed and updated records as they now are', async () => {
        const [id, key] = [newId(), newId()];
        await records.put(KIND, id, { a: 1 }, HOUR, { key });
        await records.consume(KIND, id);
        await records.update(KIND, id, { b: 2 });
        const now = expected({
          id,
          value: { a: 1, b: 2 },
          expiresAt: inSeconds(HOUR),
          consumedAt: clock(),
          version: 2,
        });
        expect(shape(await records.getBy(KIND, 'key', key))).to.deep.equal(now);
        expect((await records.listBy(KIND, 'key', key)).map(shape)).to.deep.equal([now]);
      });

      it('listBy() returns every live record with the lookup value, and only those', async () => {
        const subject = newId();
        const live = [newId(), newId(), newId()];
        const [expiring, deleted, replaced, otherSubject] = [newId(), newId(), newId(), newId()];
        for (const id of live)
          await records.put(KIND, id, { id }, HOUR, { subject, other: newId() });
        await records.put(KIND, expiring, { id: expiring }, 30, { subject });
        await records.put(KIND, deleted, { id: deleted }, HOUR, { subject });
        await records.put(KIND, replaced, { id: replaced }, HOUR, { subject });
        await records.put(KIND, otherSubject, { id: otherSubject }, HOUR, { subject: newId() });
        await records.put(OTHER_KIND, newId(), { other: 'kind' }, HOUR, { subject });
        await records.put(KIND, newId(), { other: 'name' }, HOUR, { notSubject: subject });
        await records.delete(KIND, deleted);
        await records.put(KIND, replaced, { id: replaced }, HOUR);
        await records.consume(KIND, live[0] ?? '');
        clock.advance(30);
        const found = await records.listBy(KIND, 'subject', subject);
        expect(found.map((r) => r.id)).to.have.members(live);
        expect(found).to.have.length(live.length);
        for (const record of found) {
          expect(record.value, record.id).to.deep.equal({ id: record.id });
          expect(record.expiresAt, record.id).to.equal(inSeconds(HOUR - 30));
          expect(record.version, record.id).to.equal(1);
        }
      });

      it('listBy() of an unknown value is an empty list', async () => {
        expect(await records.listBy(KIND, 'subject', newId())).to.deep.equal([]);
      });
    });

    describe('consume()', () => {
      it('returns the record as it was, then get() shows consumedAt = the time it was taken', async () => {
        const id = newId();
        const value = richValue();
        await records.put(KIND, id, value, HOUR);
        clock.advance(100);
        const won = await records.consume(KIND, id);
        expect(won?.consumedAt).to.equal(undefined);
        const before = { id, value, expiresAt: inSeconds(HOUR - 100), version: 1 };
        expect(shape(won)).to.deep.equal(expected(before));
        expect(shape(await records.get(KIND, id))).to.deep.equal(
          expected({ ...before, consumedAt: clock() }),
        );
      });

      it('a second consume() is undefined, and consumedAt keeps the first time', async () => {
        const id = newId();
        await records.put(KIND, id, { a: 1 }, HOUR);
        await records.consume(KIND, id);
        const first = clock();
        clock.advance(30);
        expect(await records.consume(KIND, id)).to.equal(undefined);
        expect(await records.consume(KIND, id)).to.equal(undefined);
        expect((await records.get(KIND, id))?.consumedAt).to.equal(first);
      });

      it('consume() of an unknown or expired record is undefined and creates nothing', async () => {
        const [unknown, expiring] = [newId(), newId()];
        await records.put(KIND, expiring, { a: 1 }, 60);
        clock.advance(60);
        for (const id of [unknown, expiring]) {
          expect(await records.consume(KIND, id), id).to.equal(undefined);
          expect(await records.get(KIND, id), id).to.equal(undefined);
        }
        expect(await records.addOnce(KIND, unknown, HOUR), 'nothing holds the id').to.equal(true);
      });

      it('a consumed record stays readable until its ttl ends', async () => {
        const [id, key] = [newId(), newId()];
        await records.put(KIND, id, { a: 1 }, 60, { key });
        await records.consume(KIND, id);
        const consumedAt = clock();
        clock.advance(59);
        expect((await records.get(KIND, id))?.consumedAt).to.equal(consumedAt);
        expect((await records.getBy(KIND, 'key', key))?.consumedAt).to.equal(consumedAt);
        expect(await records.addOnce(KIND, id, HOUR), 'a consumed record is live').to.equal(false);
        clock.advance(1);
        expect(await records.get(KIND, id)).to.equal(undefined);
        expect(await records.getBy(KIND, 'key', key)).to.equal(undefined);
      });

      it('consume() of one record leaves another alone', async () => {
        const [a, b] = [newId(), newId()];
        await records.put(KIND, a, { a: 1 }, HOUR);
        await records.put(KIND, b, { b: 1 }, HOUR);
        await records.consume(KIND, a);
        expect((await records.get(KIND, b))?.consumedAt).to.equal(undefined);
        expect((await records.consume(KIND, b))?.value).to.deep.equal({ b: 1 });
      });
    });

    describe('addOnce()', () => {
      it('adds once: true, then false, and the first value stays', async () => {
        const id = newId();
        expect(await records.addOnce(KIND, id, HOUR, { first: true })).to.equal(true);
        expect(await records.addOnce(KIND, id, HOUR, { second: true })).to.equal(false);
        expect(shape(await records.get(KIND, id))).to.deep.equal(
          expected({ id, value: { first: true }, expiresAt: inSeconds(HOUR), version: 1 }),
        );
      });

      it('is false while a record put() under that id lives, and leaves it as it was', async () => {
        const id = newId();
        await records.put(KIND, id, { put: true }, HOUR);
        expect(await records.addOnce(KIND, id, 60, { added: true })).to.equal(false);
        expect(shape(await records.get(KIND, id))).to.deep.equal(
          expected({ id, value: { put: true }, expiresAt: inSeconds(HOUR), version: 1 }),
        );
      });

      it('is true again once the record expired, or was deleted', async () => {
        const [expiring, deleted] = [newId(), newId()];
        expect(await records.addOnce(KIND, expiring, 60)).to.equal(true);
        await records.put(KIND, deleted, { a: 1 }, HOUR);
        clock.advance(59);
        expect(await records.addOnce(KIND, expiring, 60)).to.equal(false);
        clock.advance(1);
        expect(await records.addOnce(KIND, expiring, 60)).to.equal(true);
        expect((await records.get(KIND, expiring))?.expiresAt).to.equal(inSeconds(60));
        await records.delete(KIND, deleted);
        expect(await records.addOnce(KIND, deleted, 60)).to.equal(true);
      });

      it('stores {} when no value is given, readable by get()', async () => {
        const id = newId();
        expect(await records.addOnce(KIND, id, HOUR)).to.equal(true);
        expect(shape(await records.get(KIND, id))).to.deep.equal(
          expected({ id, value: {}, expiresAt: inSeconds(HOUR), version: 1 }),
        );
      });
    });

    describe('update()', () => {
      it('merges top-level keys, adds 1 to the version, and returns the record as get() sees it', async () => {
        const id = newId();
        await records.put(KIND, id, { a: 1, b: { x: 1 }, c: 'keep' }, HOUR);
        const updated = await records.update(KIND, id, { b: { y: 2 }, d: [true] });
        const after = expected({
          id,
          value: { a: 1, b: { y: 2 }, c: 'keep', d: [true] },
          expiresAt: inSeconds(HOUR),
          version: 2,
        });
        expect(shape(updated)).to.deep.equal(after);
        expect(shape(await records.get(KIND, id))).to.deep.equal(after);
        expect((await records.update(KIND, id, {}))?.version).to.equal(3);
      });

      it('a key patched to undefined is removed, never set to null', async () => {
        const id = newId();
        await records.put(KIND, id, { a: 1, b: 2 }, HOUR);
        const updated = await records.update(KIND, id, { a: undefined });
        expect(defined(updated?.value)).to.deep.equal({ b: 2 });
        expect(defined((await records.get(KIND, id))?.value)).to.deep.equal({ b: 2 });
      });

      it('keeps the TTL, lookups and consumedAt', async () => {
        const [id, key] = [newId(), newId()];
        await records.put(KIND, id, { a: 1 }, 60, { key });
        await records.consume(KIND, id);
        const consumedAt = clock();
        clock.advance(10);
        await records.update(KIND, id, { a: 2 });
        const after = expected({
          id,
          value: { a: 2 },
          expiresAt: inSeconds(50),
          consumedAt,
          version: 2,
        });
        expect(shape(await records.get(KIND, id))).to.deep.equal(after);
        expect(shape(await records.getBy(KIND, 'key', key))).to.deep.equal(after);
        clock.advance(49);
        expect(await records.get(KIND, id)).to.not.equal(undefined);
        clock.advance(1);
        expect(await records.get(KIND, id), 'the TTL did not restart').to.equal(undefined);
      });

      it('with expectedVersion, updates only a record at that version', async () => {
        const id = newId();
        await records.put(KIND, id, { n: 0 }, HOUR);
        expect((await records.update(KIND, id, { n: 1 }, 1))?.version).to.equal(2);
        expect(await records.update(KIND, id, { n: 99 }, 1), 'stale version').to.equal(undefined);
        expect(await records.update(KIND, id, { n: 99 }, 3), 'future version').to.equal(undefined);
        expect((await records.get(KIND, id))?.value).to.deep.equal({ n: 1 });
        expect((await records.update(KIND, id, { n: 2 }, 2))?.value).to.deep.equal({ n: 2 });
        expect((await records.get(KIND, id))?.version).to.equal(3);
      });

      it('update() of a missing record is undefined and creates nothing', async () => {
        const id = newId();
        expect(await records.update(KIND, id, { a: 1 })).to.equal(undefined);
        expect(await records.update(KIND, id, { a: 1 }, 1)).to.equal(undefined);
        expect(await records.get(KIND, id)).to.equal(undefined);
      });
    });

    describe('delete()', () => {
      it('removes the record and leaves the others', async () => {
        const [gone, kept] = [newId(), newId()];
        await records.put(KIND, gone, { a: 1 }, HOUR);
        await records.put(KIND, kept, { b: 1 }, HOUR);
        await records.delete(KIND, gone);
        expect(await records.get(KIND, gone)).to.equal(undefined);
        expect(await records.consume(KIND, gone)).to.equal(undefined);
        expect(await records.update(KIND, gone, { a: 2 })).to.equal(undefined);
        expect((await records.get(KIND, kept))?.value).to.deep.equal({ b: 1 });
      });

      it('delete() of an unknown id resolves', async () => {
        await records.delete(KIND, newId());
      });
    });

    describe('increment()', () => {
      let increment: (kind: string, id: string, ttl: number) => Promise<number>;
      beforeEach(function () {
        if (records.increment === undefined) this.skip();
        increment = records.increment.bind(records);
      });

      it('counts 1, 2, 3; every id and kind its own counter', async () => {
        const [a, b] = [newId(), newId()];
        expect(await increment(COUNTER_KIND, a, HOUR)).to.equal(1);
        expect(await increment(COUNTER_KIND, a, HOUR)).to.equal(2);
        expect(await increment(COUNTER_KIND, b, HOUR)).to.equal(1);
        expect(await increment(OTHER_KIND, a, HOUR)).to.equal(1);
        expect(await increment(COUNTER_KIND, a, HOUR)).to.equal(3);
      });

      it('a fixed window: increments do not extend it, and after it the count starts at 1', async () => {
        const id = newId();
        expect(await increment(COUNTER_KIND, id, 60)).to.equal(1);
        clock.advance(30);
        expect(await increment(COUNTER_KIND, id, 60)).to.equal(2);
        clock.advance(29);
        expect(await increment(COUNTER_KIND, id, 60)).to.equal(3);
        clock.advance(1);
        expect(await increment(COUNTER_KIND, id, 60), 'the window ran out').to.equal(1);
        clock.advance(59);
        expect(await increment(COUNTER_KIND, id, 60)).to.equal(2);
        clock.advance(1);
        expect(await increment(COUNTER_KIND, id, 60), 'the new window ran out').to.equal(1);
      });
    });

    describe(`races (${parallelism} parallel calls ${handles})`, () => {
      it('parallel consume() of one record: exactly one gets it', async () => {
        const id = newId();
        await records.put(KIND, id, { a: 1 }, HOUR);
        const results = await race((store) => store.consume(KIND, id));
        const winners = results.filter((r) => r !== undefined);
        expect(winners).to.have.length(1);
        expect(shape(winners[0])).to.deep.equal(
          expected({ id, value: { a: 1 }, expiresAt: inSeconds(HOUR), version: 1 }),
        );
        expect((await records.get(KIND, id))?.consumedAt).to.equal(clock());
      });

      it('parallel addOnce() of one id: exactly one adds, and its value is stored', async () => {
        const id = newId();
        const results = await race((store, i) => store.addOnce(KIND, id, HOUR, { i }));
        expect(results.filter((added) => added)).to.have.length(1);
        expect((await records.get(KIND, id))?.value).to.deep.equal({ i: results.indexOf(true) });
      });

      it('parallel update() at one expected version: exactly one wins, and its patch is stored', async () => {
        const id = newId();
        await records.put(KIND, id, { i: -1 }, HOUR);
        const results = await race((store, i) => store.update(KIND, id, { i }, 1));
        const winners = results.filter((r) => r !== undefined);
        expect(winners).to.have.length(1);
        expect(winners[0]?.version).to.equal(2);
        expect(shape(await records.get(KIND, id))).to.deep.equal(shape(winners[0]));
      });

      it('parallel increment() of one counter: every call counted once', async function () {
        if (records.increment === undefined) this.skip();
        const id = newId();
        const counts = await race((store) => {
          if (store.increment === undefined)
            return expect.fail('the second handle has no increment()');
          return store.increment(COUNTER_KIND, id, HOUR);
        });
        const expectedCounts = Array.from({ length: parallelism }, (_, i) => i + 1);
        expect([...counts].sort((x, y) => x - y)).to.deep.equal(expectedCounts);
      });

      it('parallel consume() of different records: each gets its own', async () => {
        const ids = Array.from({ length: parallelism }, () => newId());
        for (const id of ids) await records.put(KIND, id, { id }, HOUR);
        const results = await race((store, i) => store.consume(KIND, ids[i] ?? ''));
        expect(results.map((r) => r?.value)).to.deep.equal(ids.map((id) => ({ id })));
      });

      itShared(
        'a record written through one handle is read and taken through the other',
        async () => {
          const [, second] = await pair();
          const [id, key] = [newId(), newId()];
          await records.put(KIND, id, { a: 1 }, HOUR, { key });
          expect((await second.get(KIND, id))?.value).to.deep.equal({ a: 1 });
          expect((await second.getBy(KIND, 'key', key))?.id).to.equal(id);
          expect((await second.update(KIND, id, { b: 2 }, 1))?.version).to.equal(2);
          expect((await second.consume(KIND, id))?.version).to.equal(2);
          expect(await records.consume(KIND, id)).to.equal(undefined);
          expect(await records.addOnce(KIND, id, HOUR)).to.equal(false);
          await second.delete(KIND, id);
          expect(await records.get(KIND, id)).to.equal(undefined);
        },
      );
    });

    describe('an unreachable backend', () => {
      itUnreachable('every method rejects with StoreUnavailableError', async () => {
        const down = await open(options.unreachable);
        const calls: Record<string, () => Promise<unknown>> = {
          put: () => down.put(KIND, newId(), { a: 1 }, HOUR, { key: newId() }),
          get: () => down.get(KIND, newId()),
          getBy: () => down.getBy(KIND, 'key', newId()),
          listBy: () => down.listBy(KIND, 'key', newId()),
          addOnce: () => down.addOnce(KIND, newId(), HOUR),
          consume: () => down.consume(KIND, newId()),
          update: () => down.update(KIND, newId(), { a: 1 }, 1),
          delete: () => down.delete(KIND, newId()),
        };
        const increment = down.increment?.bind(down);
        if (increment !== undefined)
          calls['increment'] = () => increment(COUNTER_KIND, newId(), HOUR);
        for (const [label, call] of Object.entries(calls)) {
          expect(await rejection(call), label).to.be.an.instanceOf(StoreUnavailableError);
        }
      });
    });
  });
}
