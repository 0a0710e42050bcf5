/**
 * The document cache (lib/client-id-documents/cache.ts). The draft, "Metadata
 * Caching": "The authorization server MAY cache the client metadata it
 * discovers ... The authorization server SHOULD respect HTTP cache headers ...
 * [and] MAY define its own upper and/or lower bounds".
 */
import { expect } from 'chai';
import {
  CacheBusyError,
  DocumentCache,
  documentLifetime,
  type CacheBounds,
} from '../../lib/client-id-documents/cache.js';
import { frozenClock } from '../support/fixtures.js';

const BOUNDS: CacheBounds = { minAge: 60, maxAge: 86400, defaultAge: 300, failureAge: 30, size: 3 };
const NOW = Date.UTC(2026, 0, 1);

describe('client id documents: how long a document is kept', () => {
  const cases: readonly (readonly [string, Record<string, string>, number])[] = [
    ['no header: the default', {}, 300],
    ['max-age', { cacheControl: 'max-age=3600' }, 3600],
    ['max-age among other directives, any case', { cacheControl: 'public, Max-Age=120' }, 120],
    ['max-age less Age', { cacheControl: 'max-age=3600', age: '600' }, 3000],
    ['a short max-age: the lower bound', { cacheControl: 'max-age=5' }, 60],
    ['max-age=0: the lower bound', { cacheControl: 'max-age=0' }, 60],
    ['a long max-age: the upper bound', { cacheControl: 'max-age=31536000' }, 86400],
    ['a malformed max-age: the default', { cacheControl: 'max-age=ten' }, 300],
    ['no-store: not kept', { cacheControl: 'no-store' }, 0],
    ['no-store beside max-age: not kept', { cacheControl: 'max-age=600, no-store' }, 0],
    ['no-cache: not kept (no revalidation here)', { cacheControl: 'no-cache' }, 0],
    [
      'Expires against Date',
      { expires: 'Thu, 01 Jan 2026 02:00:00 GMT', date: 'Thu, 01 Jan 2026 01:00:00 GMT' },
      3600,
    ],
    ['Expires against the clock without Date', { expires: 'Thu, 01 Jan 2026 00:30:00 GMT' }, 1800],
    [
      'max-age wins over Expires',
      { cacheControl: 'max-age=900', expires: 'Thu, 01 Jan 2026 02:00:00 GMT' },
      900,
    ],
    ['an invalid Expires is in the past: the lower bound', { expires: '0' }, 60],
    ['an Expires in the past: the lower bound', { expires: 'Wed, 31 Dec 2025 00:00:00 GMT' }, 60],
  ];
  for (const [what, headers, seconds] of cases) {
    it(`${what}: ${seconds} s`, () => {
      expect(documentLifetime(headers, BOUNDS, NOW)).to.equal(seconds);
    });
  }
});

describe('client id documents: the cache', () => {
  const loader = (lifetime: number) => {
    let calls = 0;
    const load = async () => ({ value: `v${++calls}`, lifetime });
    return { load, calls: () => calls };
  };

  it('keeps a value for its lifetime on the clock, then loads it again', async () => {
    const clock = frozenClock();
    const cache = new DocumentCache<string>(BOUNDS, 10, clock);
    const { load, calls } = loader(120);
    expect(await cache.get('a', load)).to.equal('v1');
    clock.advance(119);
    expect(await cache.get('a', load)).to.equal('v1');
    expect(calls()).to.equal(1);
    clock.advance(1);
    expect(await cache.get('a', load)).to.equal('v2');
    expect(calls()).to.equal(2);
  });

  it('a lifetime of 0 (no-store) is not kept', async () => {
    const cache = new DocumentCache<string>(BOUNDS, 10, frozenClock());
    const { load, calls } = loader(0);
    expect(await cache.get('a', load)).to.equal('v1');
    expect(await cache.get('a', load)).to.equal('v2');
    expect(calls()).to.equal(2);
  });

  it('remembers a failure for failureAge seconds without loading again', async () => {
    const clock = frozenClock();
    const cache = new DocumentCache<string>(BOUNDS, 10, clock);
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new Error(`bad document ${calls}`);
    };
    for (let i = 0; i < 5; i += 1) {
      const err = await cache.get('a', failing).catch((e: Error) => e);
      expect((err as Error).message).to.equal('bad document 1');
    }
    expect(calls).to.equal(1);
    clock.advance(30);
    const again = await cache.get('a', failing).catch((e: Error) => e);
    expect((again as Error).message).to.equal('bad document 2');
  });

  it('parallel lookups of one key share one load', async () => {
    const cache = new DocumentCache<string>(BOUNDS, 10, frozenClock());
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      calls += 1;
      await gate;
      return { value: 'shared', lifetime: 0 };
    };
    const lookups = Array.from({ length: 20 }, () => cache.get('a', load));
    release();
    expect(await Promise.all(lookups)).to.deep.equal(Array(20).fill('shared'));
    expect(calls).to.equal(1);
  });

  it('refuses a load past maxConcurrent at once, and does not remember that', async () => {
    const cache = new DocumentCache<string>(BOUNDS, 2, frozenClock());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async () => {
      await gate;
      return { value: 'slow', lifetime: 300 };
    };
    const running = [cache.get('a', slow), cache.get('b', slow)];
    const refused = await cache.get('c', slow).catch((e: Error) => e);
    expect(refused).to.be.instanceOf(CacheBusyError);
    expect((refused as Error).message).to.equal('2 documents are being fetched already');
    // A key already loading is shared, not refused.
    const shared = cache.get('a', slow);
    release();
    expect(await Promise.all([...running, shared])).to.deep.equal(['slow', 'slow', 'slow']);
    expect(await cache.get('c', async () => ({ value: 'now', lifetime: 300 }))).to.equal('now');
  });

  it('keeps at most size entries, dropping the least recently used', async () => {
    const cache = new DocumentCache<string>(BOUNDS, 10, frozenClock());
    let calls = 0;
    const load = (key: string) => async () => {
      calls += 1;
      return { value: key, lifetime: 300 };
    };
    for (const key of ['a', 'b', 'c']) await cache.get(key, load(key));
    await cache.get('a', load('a')); // a is now the most recently used
    await cache.get('d', load('d')); // b goes
    expect(calls).to.equal(4);
    await cache.get('a', load('a'));
    await cache.get('c', load('c'));
    await cache.get('d', load('d'));
    expect(calls).to.equal(4);
    await cache.get('b', load('b'));
    expect(calls).to.equal(5);
  });
});
