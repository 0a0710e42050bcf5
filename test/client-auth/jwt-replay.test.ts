/**
 * Replayed client assertions (RFC 7523 3 item 7: "The authorization server MAY
 * ensure that JWTs are not replayed by maintaining the set of used "jti" values
 * for the length of time for which the JWT would be considered valid"; here it
 * always does), in parallel and across two providers on one store, and the
 * failure limit that failed assertions count against.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { CLIENT_AUTHENTICATION_FAILED, createAuthorizationServer } from '../../index.js';
import { MemoryRecordStore } from '../../lib/stores/memory.js';
import { expectOAuthError, expectTokenResponse } from '../http/token-assertions.js';
import { assertionParams, jwtHarness, keyPair, type JwtHarness } from './jwt-support.js';
import { frozenClock, ISSUER } from '../support/fixtures.js';

const REPLAYED = 'client assertion: the jti was used before (a replayed assertion)';

describe('private_key_jwt: replayed assertions', () => {
  let h: JwtHarness;
  beforeEach(async () => {
    h = await jwtHarness();
  });

  it('an assertion works once; the second use is 400 invalid_client', async () => {
    const assertion = await h.assertion();
    expectTokenResponse(await h.token(assertionParams(assertion)));
    const again = await h.token(assertionParams(assertion));
    expectOAuthError(again, 400, 'invalid_client', { description: CLIENT_AUTHENTICATION_FAILED });
    await h.settle();
    expect(h.failures.map((f) => f.reason)).to.deep.equal([REPLAYED]);
  });

  it('of 10 parallel uses of one assertion, exactly one gets a token', async () => {
    const assertion = await h.assertion();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => h.token(assertionParams(assertion))),
    );
    expect(answers.filter((r) => r.status === 200)).to.have.length(1);
    for (const r of answers.filter((a) => a.status !== 200))
      expectOAuthError(r, 400, 'invalid_client', { description: CLIENT_AUTHENTICATION_FAILED });
  });

  it('a new assertion with a used jti is a replay too', async () => {
    expectTokenResponse(
      await h.token(assertionParams(await h.assertion({ claims: { jti: 'j1' } }))),
    );
    const other = await h.assertion({
      claims: { jti: 'j1', exp: Math.floor(h.clock() / 1000) + 90 },
    });
    expectOAuthError(await h.token(assertionParams(other)), 400, 'invalid_client');
  });

  it('the same jti of two clients is not a replay (the cache is per client)', async () => {
    expectTokenResponse(
      await h.token(assertionParams(await h.assertion({ claims: { jti: 'j' } }))),
    );
    const { signAssertion } = await import('./jwt-support.js');
    const rs = await signAssertion({
      clientId: 'jwt-rs',
      key: h.rs.privateKey,
      alg: 'RS256',
      now: h.clock(),
      claims: { jti: 'j' },
    });
    expectTokenResponse(await h.token(assertionParams(rs)));
  });

  it('an assertion refused for another reason does not use up its jti', async () => {
    const wrongAud = await h.assertion({ claims: { jti: 'kept', aud: 'https://x.example' } });
    expectOAuthError(await h.token(assertionParams(wrongAud)), 400, 'invalid_client');
    expectTokenResponse(
      await h.token(assertionParams(await h.assertion({ claims: { jti: 'kept' } }))),
    );
  });

  it('a jti is forgotten only after exp and 60 s more', async () => {
    expectTokenResponse(
      await h.token(assertionParams(await h.assertion({ claims: { jti: 'old' } }))),
    );
    h.clock.advance(119); // exp was now + 60; the record lives until exp + 60
    const early = await h.assertion({ claims: { jti: 'old' } });
    expectOAuthError(await h.token(assertionParams(early)), 400, 'invalid_client');
    h.clock.advance(2);
    expectTokenResponse(
      await h.token(assertionParams(await h.assertion({ claims: { jti: 'old' } }))),
    );
  });

  it('failed assertions count against the client_auth limit: 429 past it', async () => {
    const limited = await jwtHarness({ rateLimits: { clientAuth: { failures: 3 } } });
    const bad = () => limited.assertion({ claims: { aud: 'https://x.example' } });
    for (let i = 0; i < 3; i++)
      expectOAuthError(await limited.token(assertionParams(await bad())), 400, 'invalid_client');
    const fourth = await limited.token(assertionParams(await bad()));
    expect(fourth.status).to.equal(429);
    expect(fourth.body.error).to.equal('temporarily_unavailable');
    await limited.settle();
    expect(limited.limited.map((e) => [e.limit, e.clientId])).to.deep.equal([
      ['client_auth', 'jwt-es'],
    ]);
    // RFC 7523 allows nothing else: the client is locked out only as a wrong secret would lock it.
    const good = await limited.token(assertionParams(await limited.assertion()));
    expect(good.status).to.equal(200);
  });
});

describe('private_key_jwt: one replay cache for every process on a store', () => {
  it('an assertion used at one provider is refused at another sharing the records', async () => {
    const clock = frozenClock();
    const key = await keyPair('ES256', 'k');
    const records = new MemoryRecordStore({ clock });
    const apps = [0, 1].map(() => {
      const oauth = createAuthorizationServer({
        issuer: ISSUER,
        clock,
        stores: { records },
        clients: [
          {
            id: 'shared',
            tokenEndpointAuthMethods: ['private_key_jwt'],
            jwks: { keys: [key.publicJwk] },
            grantTypes: ['client_credentials'],
          },
        ],
      });
      return express().use(oauth.router());
    });
    const { signAssertion } = await import('./jwt-support.js');
    const assertion = await signAssertion({
      clientId: 'shared',
      key: key.privateKey,
      alg: 'ES256',
      kid: 'k',
      now: clock(),
    });
    const send = (app: express.Express) =>
      request(app)
        .post('/token')
        .type('form')
        .send({ grant_type: 'client_credentials', ...assertionParams(assertion) });
    const [a, b] = apps as [express.Express, express.Express];
    const answers = await Promise.all([send(a), send(b), send(a), send(b)]);
    expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 400, 400, 400]);
  });
});
