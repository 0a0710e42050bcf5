/**
 * Attacks on client secrets at the token endpoint, each sent and its exact answer
 * checked: a secret followed by NUL bytes; a flood of wrong secrets against a
 * client with a person-chosen (scrypt) secret; the same flood with unknown client
 * ids; more slow checks at once than the cap allows. The legitimate client must
 * keep getting tokens: from another address, and from the flooded one once its
 * secret is in the verified-secret cache.
 *
 * RFC 6585 4: "The 429 status code indicates that the user has sent too many
 * requests in a given amount of time ("rate limiting"). The response
 * representations SHOULD include details explaining the condition, and MAY include
 * a Retry-After header indicating how long to wait before making a new request."
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  CLIENT_AUTHENTICATION_FAILED,
  createAuthorizationServer,
  defineClient,
  generateClientSecret,
  hashClientSecret,
  Provider,
  type EngineResponse,
  type OAuthEvents,
  type ProviderOptions,
} from '../../index.js';
import { basic } from '../support/engine.js';
import { STORED_LEGACY_HASH, STORED_LEGACY_SECRET } from '../support/legacy-secrets.js';
import { BASIC_CHALLENGE, expectOAuthError } from './token-assertions.js';

const ISSUER = 'https://auth.example.test';
const SECRET = 'demo-service-secret';
const SHA = generateClientSecret();
const TOO_MANY = 'too many failed attempts: try again later';
const BUSY = 'the server is temporarily unable to handle the request';

function options(overrides: Partial<ProviderOptions> = {}): ProviderOptions {
  const client = { grantTypes: ['client_credentials' as const], scopes: ['read'] };
  return {
    issuer: ISSUER,
    scopes: { available: ['read'], default: ['read'] },
    accessToken: { format: 'opaque' },
    clients: [
      { id: 'chosen', secret: SECRET, ...client },
      { id: 'legacy', secretHash: STORED_LEGACY_HASH, ...client },
      { id: 'generated', secretHash: SHA.secretHash, ...client },
    ],
    ...overrides,
  };
}

/** A client_credentials request from `ip`, authenticated with Basic. */
function token(provider: Provider, id: string, secret: string, ip: string) {
  return provider.token({
    params: { grant_type: 'client_credentials' },
    authorization: basic(id, secret),
    meta: { ip },
  });
}

function expectTokens(res: EngineResponse): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  expect(res.body).to.have.property('access_token').that.is.a('string');
}

function expectRefused(res: EngineResponse, retryAfter: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(429);
  expect(res.body).to.deep.equal({ error: 'temporarily_unavailable', error_description: TOO_MANY });
  expect(res.headers['Retry-After']).to.equal(retryAfter);
  expect(res.headers['Cache-Control']).to.equal('no-store');
}

function expectInvalidClient(res: EngineResponse): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(401);
  expect(res.body).to.deep.equal({
    error: 'invalid_client',
    error_description: CLIENT_AUTHENTICATION_FAILED,
  });
  expect(res.headers['WWW-Authenticate']).to.equal(BASIC_CHALLENGE);
}

describe('client secrets under attack: exact match', () => {
  const provider = new Provider(options());

  // Before: scrypt zero-pads its HMAC key, so `demo-service-secret\0` was accepted.
  for (const suffix of ['\0', '\0\0\0', '\0'.repeat(45)]) {
    for (const id of ['chosen', 'legacy']) {
      it(`refuses ${id}'s secret followed by ${suffix.length} NUL byte(s) (Basic)`, async () => {
        expectInvalidClient(await token(provider, id, `${SECRET}${suffix}`, '192.0.2.1'));
      });
    }
  }

  it('refuses the secret followed by NUL bytes in the body (client_secret_post)', async () => {
    const res = await provider.token({
      params: {
        grant_type: 'client_credentials',
        client_id: 'legacy',
        client_secret: `${SECRET}\0`,
      },
      meta: { ip: '192.0.2.2' },
    });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({
      error: 'invalid_client',
      error_description: CLIENT_AUTHENTICATION_FAILED,
    });
  });

  it('still gives tokens for the real secret, with both scrypt formats', async () => {
    expect(STORED_LEGACY_SECRET).to.equal(SECRET);
    expectTokens(await token(provider, 'chosen', SECRET, '192.0.2.3'));
    expectTokens(await token(provider, 'legacy', SECRET, '192.0.2.3'));
    expectTokens(await token(provider, 'generated', SHA.secret, '192.0.2.3'));
  });
});

describe('client secrets under attack: a flood of wrong secrets', () => {
  const ATTACKER = '203.0.113.7';
  const CLIENT = '198.51.100.20';

  it('throttles the client id + address after 10 failures; the real client keeps getting tokens', async () => {
    const provider = new Provider(options());
    // The legitimate client once, from the address the attacker will share (a NAT): cached.
    expectTokens(await token(provider, 'chosen', SECRET, ATTACKER));
    for (let i = 0; i < 10; i++)
      expectInvalidClient(await token(provider, 'chosen', 'guess', ATTACKER));
    expectRefused(await token(provider, 'chosen', 'guess', ATTACKER), '60');
    expectRefused(await token(provider, 'chosen', 'guess', ATTACKER), '60');
    // A cached right secret is never throttled, from the same address too.
    expectTokens(await token(provider, 'chosen', SECRET, ATTACKER));
    // The right secret from another address is checked (not cached there? it is: the
    // cache is per client, secret and hash, not per address) and gets tokens.
    expectTokens(await token(provider, 'chosen', SECRET, CLIENT));
    // Other addresses are not throttled for this client, nor other clients at this address.
    expectInvalidClient(await token(provider, 'chosen', 'guess', CLIENT));
    expectInvalidClient(await token(provider, 'legacy', 'guess', ATTACKER));
  });

  it('refuses a right secret never verified in this process from the throttled address (a slow check)', async () => {
    const provider = new Provider(options());
    for (let i = 0; i < 10; i++)
      expectInvalidClient(await token(provider, 'chosen', 'guess', ATTACKER));
    expectRefused(await token(provider, 'chosen', 'guess', ATTACKER), '60');
    expectRefused(await token(provider, 'chosen', SECRET, ATTACKER), '60');
    expectTokens(await token(provider, 'chosen', SECRET, CLIENT));
    // Once verified (from the other address), the same secret is a cache hit everywhere.
    expectTokens(await token(provider, 'chosen', SECRET, ATTACKER));
  });

  it('throttles a generated (SHA-256) secret the same way, and never its right secret', async () => {
    const provider = new Provider(options());
    for (let i = 0; i < 10; i++)
      expectInvalidClient(await token(provider, 'generated', 'guess', ATTACKER));
    expectRefused(await token(provider, 'generated', 'guess', ATTACKER), '60');
    expectTokens(await token(provider, 'generated', SHA.secret, ATTACKER));
  });

  it('counts an IPv6 /64 as one address: stepping to the next address does not start afresh', async () => {
    const provider = new Provider(options());
    for (let i = 1; i <= 10; i++)
      expectInvalidClient(await token(provider, 'generated', 'guess', `2001:db8:0:1::${i}`));
    expectRefused(await token(provider, 'generated', 'guess', '2001:db8:0:1:ffff::99'), '60');
    expectInvalidClient(await token(provider, 'generated', 'guess', '2001:db8:0:2::1'));
  });

  it('answers an unknown client id exactly as a known one: 10 × 401, then 429', async () => {
    const provider = new Provider(options());
    for (let i = 0; i < 10; i++)
      expectInvalidClient(await token(provider, 'nobody', 'guess', ATTACKER));
    expectRefused(await token(provider, 'nobody', 'guess', ATTACKER), '60');
  });

  it('follows the configured limit, and rateLimits.clientAuth: false turns it off', async () => {
    const strict = new Provider(options({ rateLimits: { clientAuth: { failures: 2, block: 7 } } }));
    expectInvalidClient(await token(strict, 'generated', 'guess', ATTACKER));
    expectInvalidClient(await token(strict, 'generated', 'guess', ATTACKER));
    expectRefused(await token(strict, 'generated', 'guess', ATTACKER), '7');

    const off = new Provider(options({ rateLimits: { clientAuth: false } }));
    for (let i = 0; i < 15; i++)
      expectInvalidClient(await token(off, 'generated', 'guess', ATTACKER));
  });

  it('a success forgets the failures of its client id + address', async () => {
    const provider = new Provider(options());
    for (let i = 0; i < 9; i++)
      expectInvalidClient(await token(provider, 'legacy', 'guess', ATTACKER));
    expectTokens(await token(provider, 'legacy', SECRET, ATTACKER));
    for (let i = 0; i < 10; i++)
      expectInvalidClient(await token(provider, 'legacy', 'guess', ATTACKER));
    expectRefused(await token(provider, 'legacy', 'guess', ATTACKER), '60');
  });

  it('reports each refusal as a rate_limited event, without the secret', async () => {
    const provider = new Provider(options());
    const events: OAuthEvents['rate_limited'][] = [];
    provider.events.on('rate_limited', (e) => void events.push(e));
    for (let i = 0; i < 10; i++) await token(provider, 'chosen', 'wrong-secret', ATTACKER);
    await provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: basic('chosen', 'wrong-secret'),
      meta: { ip: ATTACKER, requestId: 'req-429' },
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).to.have.length(1);
    const { time, ...fields } = events[0] as OAuthEvents['rate_limited'] & { type: string };
    expect(time).to.be.a('number');
    expect(fields).to.deep.equal({
      type: 'rate_limited',
      requestId: 'req-429',
      limit: 'client_auth',
      clientId: 'chosen',
      ip: ATTACKER,
      retryAfter: 60,
    });
    expect(JSON.stringify(events)).not.to.contain('wrong-secret');
  });
});

describe('client secrets under attack: the cap on slow checks', () => {
  it('answers 503 with Retry-After past concurrency + queue, and serves cached secrets meanwhile', async () => {
    const provider = new Provider(
      options({ rateLimits: { secretChecks: { concurrency: 1, queue: 1 } } }),
    );
    expectTokens(await token(provider, 'chosen', SECRET, '198.51.100.1'));
    // Three slow checks at once (different addresses: no limit involved): one runs,
    // one waits, one is refused at once; a cached secret needs no place.
    const answers = await Promise.all([
      token(provider, 'chosen', 'guess-1', '198.51.100.2'),
      token(provider, 'chosen', 'guess-2', '198.51.100.3'),
      token(provider, 'nobody', 'guess-3', '198.51.100.4'),
      token(provider, 'chosen', SECRET, '198.51.100.5'),
    ]);
    expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 503, 200]);
    const busy = answers[2] as EngineResponse;
    expect(busy.body).to.deep.equal({ error: 'temporarily_unavailable', error_description: BUSY });
    expect(busy.headers['Retry-After']).to.equal('1');
  });

  it('runs one slow check for a burst of the same uncached secret (a cold start), so none is refused', async () => {
    const provider = new Provider(
      options({ rateLimits: { secretChecks: { concurrency: 1, queue: 0 } } }),
    );
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        token(provider, 'chosen', SECRET, `198.51.100.${30 + i}`),
      ),
    );
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
  });

  it('puts an unknown client id through the same cap as a wrong secret (it costs a slow check)', async () => {
    const provider = new Provider(
      options({ rateLimits: { secretChecks: { concurrency: 1, queue: 0 } } }),
    );
    const answers = await Promise.all([
      token(provider, 'nobody', 'guess', '198.51.100.6'),
      token(provider, 'nobody-else', 'guess', '198.51.100.7'),
    ]);
    expect(answers.map((a) => a.status)).to.deep.equal([401, 503]);
  });
});

describe('client secrets under attack: the verified-secret cache', () => {
  it('forgets a secret once the stored hash changes (a new secret)', async () => {
    const provider = new Provider(options());
    const save = provider.stores.clients.save?.bind(provider.stores.clients);
    if (save === undefined) throw new Error('the memory client registry can save');
    const client = {
      id: 'rotating',
      grantTypes: ['client_credentials' as const],
      scopes: ['read'],
    };
    await save(defineClient({ ...client, secretHash: hashClientSecret('old secret') }));
    expectTokens(await token(provider, 'rotating', 'old secret', '198.51.100.8'));
    await save(defineClient({ ...client, secretHash: hashClientSecret('new secret') }));
    expectInvalidClient(await token(provider, 'rotating', 'old secret', '198.51.100.8'));
    expectTokens(await token(provider, 'rotating', 'new secret', '198.51.100.8'));
  });
});

describe('client secrets under attack: over HTTP', () => {
  it('answers the 429 as JSON with Retry-After and no-store, per forwarded address', async () => {
    const oauth = createAuthorizationServer(options());
    const app = express();
    app.set('trust proxy', true);
    app.post('/token', oauth.token());
    const send = (secret: string, ip: string) =>
      request(app)
        .post('/token')
        .type('form')
        .set('X-Forwarded-For', ip)
        .set('Authorization', basic('generated', secret))
        .send('grant_type=client_credentials');
    for (let i = 0; i < 10; i++)
      expectOAuthError(await send('guess', '203.0.113.9'), 401, 'invalid_client', {
        challenge: true,
      });
    const refused = await send('guess', '203.0.113.9');
    expectOAuthError(refused, 429, 'temporarily_unavailable', { description: TOO_MANY });
    expect(refused.headers['retry-after']).to.equal('60');
    expectOAuthError(await send('guess', '203.0.113.10'), 401, 'invalid_client', {
      challenge: true,
    });
    expect((await send(SHA.secret, '203.0.113.9')).status).to.equal(200);
  });
});
