/**
 * The named failure limit (lib/helpers/failure-limit.ts) in memory: what it
 * counts, when it refuses, what a success forgets; and what a source address
 * counts as (an IPv6 address by its /64, so the next address of the same network
 * is not a fresh start).
 */
import { expect } from 'chai';
import { addressKey, FailureLimit, limitKey } from '../../lib/helpers/failure-limit.js';

describe('FailureLimit (memory)', () => {
  const settings = { failures: 3, window: 60, block: 120 };

  it('answers `failures` failures, refuses the next for `block` seconds, and keeps refusing', async () => {
    const limit = new FailureLimit('test', settings, { prefix: 't:' });
    const key = limitKey('client', '192.0.2.1');
    expect(await limit.check(key)).to.equal(0);
    expect([await limit.fail(key), await limit.fail(key), await limit.fail(key)]).to.deep.equal([
      0, 0, 0,
    ]);
    expect(await limit.check(key)).to.equal(0);
    expect(await limit.fail(key)).to.equal(120);
    expect(await limit.check(key)).to.equal(120);
    expect(await limit.check(limitKey('client', '192.0.2.2'))).to.equal(0);
  });

  it('forgets a key after a success', async () => {
    const limit = new FailureLimit('test', settings, { prefix: 't:' });
    const key = limitKey('client', '192.0.2.1');
    for (let i = 0; i < 4; i++) await limit.fail(key);
    expect(await limit.check(key)).to.be.greaterThan(0);
    await limit.succeed(key);
    expect(await limit.check(key)).to.equal(0);
  });

  it('keys are 43-character hashes; parts never run into each other', () => {
    expect(limitKey('client', '192.0.2.1')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(limitKey('ab', 'c')).not.to.equal(limitKey('a', 'bc'));
    expect(limitKey('a', undefined)).not.to.equal(limitKey('a', ''));
  });
});

describe('addressKey', () => {
  const cases: ReadonlyArray<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['2001:db8:0:1:aaaa:bbbb:cccc:dddd', '2001:db8:0:1::/64'],
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['2001:0db8:0000:0001:ffff::2', '2001:db8:0:1::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an address', 'not an address'],
    ['1:2:3:4:5:6:7:8:9::', '1:2:3:4:5:6:7:8:9::'],
    ['1::2::3', '1::2::3'],
  ];
  for (const [ip, key] of cases) {
    it(`${JSON.stringify(ip)} counts as ${JSON.stringify(key)}`, () => {
      expect(addressKey(ip)).to.equal(key);
    });
  }

  it('puts every address of one /64 under one key, and the next /64 under another', () => {
    expect(addressKey('2001:db8:0:1::1')).to.equal(addressKey('2001:db8:0:1:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:0:1::1')).not.to.equal(addressKey('2001:db8:0:2::1'));
  });
});
