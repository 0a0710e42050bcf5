/**
 * The pieces of the client secret check, alone: the verified-secret cache
 * (lib/client-auth/verified-secrets.ts) and the cap on slow checks
 * (lib/client-auth/slow-checks.ts). No timing: checks are promises the test
 * settles itself.
 */
import { expect } from 'chai';
import { SlowCheckGate } from '../../lib/client-auth/slow-checks.js';
import { VerifiedSecrets } from '../../lib/client-auth/verified-secrets.js';
import { TemporarilyUnavailableError } from '../../lib/errors.js';
import { rejection } from '../support/engine.js';

describe('VerifiedSecrets (the verified-secret cache)', () => {
  it('knows an entry once added, and only that entry', () => {
    const cache = new VerifiedSecrets(10);
    const entry = cache.entry('web', 'secret', 'scrypt-v2:hash');
    expect(cache.has(entry)).to.equal(false);
    cache.add(entry);
    expect(cache.has(entry)).to.equal(true);
    expect(cache.has(cache.entry('web', 'secret2', 'scrypt-v2:hash'))).to.equal(false);
    expect(cache.has(cache.entry('web2', 'secret', 'scrypt-v2:hash'))).to.equal(false);
  });

  it('gives another entry for another stored hash (a rotated secret)', () => {
    const cache = new VerifiedSecrets(10);
    cache.add(cache.entry('web', 'secret', 'scrypt-v2:old'));
    expect(cache.has(cache.entry('web', 'secret', 'scrypt-v2:new'))).to.equal(false);
  });

  it('cannot be fooled by moving bytes between the parts (length prefixes)', () => {
    const cache = new VerifiedSecrets(10);
    cache.add(cache.entry('ab', 'c', 'h'));
    expect(cache.has(cache.entry('a', 'bc', 'h'))).to.equal(false);
    expect(cache.has(cache.entry('ab', '', 'ch'))).to.equal(false);
  });

  it('keeps no secret: entries are 43-character MACs under a per-cache key', () => {
    const a = new VerifiedSecrets(10);
    const b = new VerifiedSecrets(10);
    const entry = a.entry('web', 'the-secret', 'h');
    expect(entry).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(entry).not.to.contain('the-secret');
    expect(b.entry('web', 'the-secret', 'h')).not.to.equal(entry);
  });

  it('holds at most `size` entries, dropping the least recently used', () => {
    const cache = new VerifiedSecrets(2);
    const [one, two, three] = ['1', '2', '3'].map((s) => cache.entry('c', s, 'h')) as [
      string,
      string,
      string,
    ];
    cache.add(one);
    cache.add(two);
    expect(cache.has(one)).to.equal(true); // one is now the most recently used
    cache.add(three);
    expect(cache.size).to.equal(2);
    expect(cache.has(two)).to.equal(false);
    expect(cache.has(one)).to.equal(true);
    expect(cache.has(three)).to.equal(true);
  });
});

/** A check the test finishes when it wants. */
function pending(): { check: () => Promise<string>; finish: (value: string) => void } {
  let finish!: (value: string) => void;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return { check: () => promise, finish };
}

describe('SlowCheckGate (the cap on slow checks)', () => {
  it('runs at most `concurrency` checks; the next waits and runs when one ends', async () => {
    const gate = new SlowCheckGate(2, 5);
    const [a, b, c] = [pending(), pending(), pending()];
    let cStarted = false;
    const runs = [
      gate.run(a.check),
      gate.run(b.check),
      gate.run(() => {
        cStarted = true;
        return c.check();
      }),
    ];
    await Promise.resolve();
    expect([gate.running, gate.waiting, cStarted]).to.deep.equal([2, 1, false]);
    a.finish('a');
    expect(await runs[0]).to.equal('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect([gate.running, gate.waiting, cStarted]).to.deep.equal([2, 0, true]);
    b.finish('b');
    c.finish('c');
    expect(await Promise.all(runs)).to.deep.equal(['a', 'b', 'c']);
    expect([gate.running, gate.waiting]).to.deep.equal([0, 0]);
  });

  it('refuses one more than `queue` waiting with 503 temporarily_unavailable, Retry-After: 1', async () => {
    const gate = new SlowCheckGate(1, 1);
    const [a, b] = [pending(), pending()];
    const runs = [gate.run(a.check), gate.run(b.check)];
    const err = await rejection(gate.run(() => Promise.resolve('never')));
    expect(err).to.be.instanceOf(TemporarilyUnavailableError);
    const error = err as TemporarilyUnavailableError;
    expect([error.status, error.error, error.headers['Retry-After']]).to.deep.equal([
      503,
      'temporarily_unavailable',
      '1',
    ]);
    a.finish('a');
    b.finish('b');
    await Promise.all(runs);
    expect(await gate.run(() => Promise.resolve('again'))).to.equal('again');
  });

  it('frees the place of a check that throws', async () => {
    const gate = new SlowCheckGate(1, 0);
    await rejection(gate.run(() => Promise.reject(new Error('scrypt failed'))));
    expect(gate.running).to.equal(0);
    expect(await gate.run(() => Promise.resolve('next'))).to.equal('next');
  });
});
