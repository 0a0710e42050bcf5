/**
 * The `rateLimits` provider option: defaults, and a TypeError naming every wrong
 * value or unknown key when the provider is made (lib/engine/rate-limits.ts).
 */
import { expect } from 'chai';
import { Provider, type ProviderOptions } from '../../index.js';
import { resolveRateLimits } from '../../lib/engine/rate-limits.js';
import { providerOptions } from '../support/fixtures.js';

function make(rateLimits: unknown): Provider {
  return new Provider(providerOptions({ rateLimits } as Partial<ProviderOptions>));
}

describe('options.rateLimits', () => {
  it('defaults: client_auth 10/60 s, password 5/300 s, registration 10/60 s, device_user_code 10/300 s, public_client_writes 30/60 s, 2 slow checks at once, 32 waiting, 1000 cached', () => {
    expect(resolveRateLimits(undefined)).to.deep.equal({
      redis: undefined,
      prefix: 'oauth2:rl:',
      limits: {
        clientAuth: { failures: 10, window: 60, block: 60 },
        password: { failures: 5, window: 300, block: 300 },
        registration: { failures: 10, window: 60, block: 60 },
        deviceUserCode: { failures: 10, window: 300, block: 300 },
        publicClientWrites: { failures: 30, window: 60, block: 60 },
      },
      secretChecks: { concurrency: 2, queue: 32, cacheSize: 1000 },
    });
  });

  it('takes partial settings, keeps the other defaults, and false for off', () => {
    const resolved = resolveRateLimits({
      clientAuth: { failures: 3 },
      password: false,
      registration: { window: 600 },
      deviceUserCode: false,
      publicClientWrites: { block: 300 },
      secretChecks: { queue: 0 },
      prefix: 'app:',
    });
    expect(resolved.limits).to.deep.equal({
      clientAuth: { failures: 3, window: 60, block: 60 },
      password: undefined,
      registration: { failures: 10, window: 600, block: 60 },
      deviceUserCode: undefined,
      publicClientWrites: { failures: 30, window: 60, block: 300 },
    });
    expect(resolved.secretChecks).to.deep.equal({ concurrency: 2, queue: 0, cacheSize: 1000 });
    expect(resolved.prefix).to.equal('app:');
  });

  it('publicClientWrites: true is the default, 30 requests a minute', () => {
    expect(resolveRateLimits({ publicClientWrites: true }).limits.publicClientWrites).to.deep.equal(
      {
        failures: 30,
        window: 60,
        block: 60,
      },
    );
  });

  const wrong: ReadonlyArray<[string, unknown, RegExp]> = [
    ['not an object', 'on', /options\.rateLimits must be an object/],
    [
      'an unknown key',
      { clientAuthh: false },
      /unknown key "clientAuthh"; did you mean "clientAuth"\?/,
    ],
    [
      'an unknown limit setting',
      { password: { attempts: 3 } },
      /options\.rateLimits\.password has an unknown key "attempts"/,
    ],
    [
      'an unknown secretChecks key',
      { secretChecks: { concurency: 1 } },
      /did you mean "concurrency"\?/,
    ],
    [
      'failures 0',
      { clientAuth: { failures: 0 } },
      /options\.rateLimits\.clientAuth\.failures must be a whole number >= 1/,
    ],
    [
      'a fractional window',
      { password: { window: 1.5 } },
      /options\.rateLimits\.password\.window must be a whole number >= 1/,
    ],
    [
      'a block given as a string',
      { clientAuth: { block: '60' } },
      /options\.rateLimits\.clientAuth\.block must be a whole number >= 1/,
    ],
    [
      'a limit given as a number',
      { clientAuth: 10 },
      /options\.rateLimits\.clientAuth \(or a boolean\) must be an object/,
    ],
    [
      'publicClientWrites failures 0',
      { publicClientWrites: { failures: 0 } },
      /options\.rateLimits\.publicClientWrites\.failures must be a whole number >= 1/,
    ],
    [
      'an unknown publicClientWrites setting',
      { publicClientWrites: { requests: 5 } },
      /options\.rateLimits\.publicClientWrites has an unknown key "requests"/,
    ],
    [
      'concurrency 0',
      { secretChecks: { concurrency: 0 } },
      /secretChecks\.concurrency must be a whole number >= 1/,
    ],
    [
      'a negative queue',
      { secretChecks: { queue: -1 } },
      /secretChecks\.queue must be a whole number >= 0/,
    ],
    [
      'a redis that is not an ioredis client',
      { redis: { get() {} } },
      /options\.rateLimits\.redis must be an ioredis Redis or Cluster client/,
    ],
    [
      'a prefix that is not a string',
      { prefix: 7 },
      /options\.rateLimits\.prefix must be a string/,
    ],
  ];
  for (const [what, value, message] of wrong) {
    it(`refuses ${what} with a TypeError`, () => {
      expect(() => make(value)).to.throw(TypeError, message);
    });
  }
});
