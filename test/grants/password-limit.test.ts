/**
 * Password guessing at the password grant: failures are limited per username +
 * source address (`rateLimits.password`, default 5 in 5 minutes, then 5 minutes'
 * refusal). Past the limit the host's `verify` is not even called, and the answer
 * is 429 `temporarily_unavailable` with `Retry-After`, reported as a `rate_limited`
 * event that names the username only by its hash.
 *
 * RFC 6749 4.3.2: "Since this access token request utilizes the resource owner's
 * password, the authorization server MUST protect the endpoint against brute force
 * attacks (e.g., using rate-limitation or generating alerts)."
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  Provider,
  type EngineResponse,
  type OAuthEvents,
  type PasswordCredentials,
  type ProviderOptions,
} from '../../index.js';
import { basic, expectError, expectTokens } from '../support/engine.js';
import { providerOptions, secrets } from '../support/fixtures.js';

const CLI = basic('cli', secrets.cli.secret);
const GUESSER = '203.0.113.50';
const ALICE_HOME = '198.51.100.60';

/** A provider whose password `verify` counts its calls. */
function provider(overrides: Partial<ProviderOptions> = {}): {
  provider: Provider;
  calls: string[];
} {
  const calls: string[] = [];
  const verify = async ({ username, password }: PasswordCredentials) => {
    calls.push(username);
    return username === 'alice' && password === 'wonderland'
      ? { subject: 'user-alice' }
      : undefined;
  };
  return {
    provider: new Provider(providerOptions({ grants: { password: { verify } }, ...overrides })),
    calls,
  };
}

function login(p: Provider, username: string, password: string, ip: string, requestId?: string) {
  return p.token({
    params: { grant_type: 'password', username, password },
    authorization: CLI,
    meta: { ip, requestId },
  });
}

function expectRefused(res: EngineResponse, retryAfter: string): void {
  expectError(res, 429, 'temporarily_unavailable');
  expect(res.body).to.deep.equal({
    error: 'temporarily_unavailable',
    error_description: 'too many failed attempts: try again later',
  });
  expect(res.headers['Retry-After']).to.equal(retryAfter);
  expect(res.headers['Cache-Control']).to.equal('no-store');
}

describe('password grant: failures limited per username + address', () => {
  it('answers 5 wrong passwords with invalid_grant, the 6th with 429, then stops calling verify', async () => {
    const { provider: p, calls } = provider();
    for (let i = 0; i < 5; i++)
      expectError(await login(p, 'alice', `guess-${i}`, GUESSER), 400, 'invalid_grant');
    expectRefused(await login(p, 'alice', 'guess-5', GUESSER), '300');
    expect(calls).to.have.length(6);
    // Refused unchecked, even the right password, from the guessing address.
    expectRefused(await login(p, 'alice', 'wonderland', GUESSER), '300');
    expect(calls).to.have.length(6);
  });

  it('keeps the user logging in from another address, and other usernames at the guessing address', async () => {
    const { provider: p } = provider();
    for (let i = 0; i < 6; i++) await login(p, 'alice', `guess-${i}`, GUESSER);
    expectRefused(await login(p, 'alice', 'guess', GUESSER), '300');
    expectTokens(await login(p, 'alice', 'wonderland', ALICE_HOME));
    expectError(await login(p, 'bob', 'guess', GUESSER), 400, 'invalid_grant');
  });

  it('counts case and Unicode variants of a username, and one IPv6 /64, together', async () => {
    const { provider: p } = provider();
    const variants = ['alice', 'Alice', 'ALICE', '\uff41lice', 'alicE'];
    for (const [i, username] of variants.entries())
      expectError(await login(p, username, 'guess', `2001:db8:5::${i + 1}`), 400, 'invalid_grant');
    expectRefused(await login(p, 'aLiCe', 'guess', '2001:db8:5::ffff'), '300');
  });

  it('forgets the failures of a username + address after a success', async () => {
    const { provider: p } = provider();
    for (let i = 0; i < 4; i++) await login(p, 'alice', `guess-${i}`, ALICE_HOME);
    expectTokens(await login(p, 'alice', 'wonderland', ALICE_HOME));
    for (let i = 0; i < 5; i++)
      expectError(await login(p, 'alice', 'typo', ALICE_HOME), 400, 'invalid_grant');
    expectRefused(await login(p, 'alice', 'typo', ALICE_HOME), '300');
  });

  it('follows rateLimits.password, and false turns the limit off', async () => {
    const { provider: strict } = provider({ rateLimits: { password: { failures: 1, block: 30 } } });
    expectError(await login(strict, 'alice', 'guess', GUESSER), 400, 'invalid_grant');
    expectRefused(await login(strict, 'alice', 'guess', GUESSER), '30');

    const { provider: off, calls } = provider({ rateLimits: { password: false } });
    for (let i = 0; i < 12; i++)
      expectError(await login(off, 'alice', 'guess', GUESSER), 400, 'invalid_grant');
    expect(calls).to.have.length(12);
  });

  it('reports a refusal as rate_limited with the username hashed, never in clear', async () => {
    const { provider: p } = provider();
    const events: OAuthEvents['rate_limited'][] = [];
    p.events.on('rate_limited', (e) => void events.push(e));
    for (let i = 0; i < 5; i++) await login(p, 'alice', 'guess', GUESSER);
    await login(p, 'alice', 'guess', GUESSER, 'req-6');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).to.have.length(1);
    const { time, ...fields } = events[0] as OAuthEvents['rate_limited'] & { type: string };
    expect(time).to.be.a('number');
    expect(fields).to.deep.equal({
      type: 'rate_limited',
      requestId: 'req-6',
      limit: 'password',
      clientId: 'cli',
      usernameHash: createHash('sha256').update('alice').digest('base64url'),
      ip: GUESSER,
      retryAfter: 300,
    });
    const text = JSON.stringify(events);
    expect(text).not.to.contain('alice');
    expect(text).not.to.contain('guess');
  });
});
