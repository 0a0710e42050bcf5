/**
 * `options.openid.requireNonce` (lib/endpoints/authorization/nonce.ts): off by
 * default (the code flow's `nonce` is optional, OIDC Core 3.1.2.1); on, an
 * OpenID Connect request without `nonce` is `invalid_request` "nonce is
 * required", redirected with `state` and `iss` — at the authorization endpoint
 * and at the PAR endpoint (JSON there) alike.
 *
 * OIDC Core 3.1.2.1: nonce is "String value used to associate a Client session
 * with an ID Token, and to mitigate replay attacks."
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAuthorizationServer } from '../../index.js';
import { expectJsonError, push, pushed, usePath, webRequest, webSecret } from '../par/support.js';
import {
  authorizePath,
  consentPage,
  decide,
  expectRedirect,
  CB,
  redeem,
  signedIn,
  spaParams,
} from '../support/authorize-app.js';
import { errorAt, hintApp, oidc } from './hints-support.js';

const REQUIRED = errorAt('invalid_request', 'nonce is required');
const strict = () => hintApp({ provider: { openid: { claims: () => ({}), requireNonce: true } } });

describe('OpenID Connect requireNonce: off (the default)', () => {
  it('an openid request without nonce → the consent page; the id_token has no nonce', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const { form } = await consentPage(agent, oidc());
    const res = await decide(agent, { ...form, decision: 'allow' });
    const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
    const token = await redeem(fx.app, { code });
    const claims = JSON.parse(
      Buffer.from((token.body.id_token as string).split('.')[1]!, 'base64url').toString(),
    );
    expect(claims).not.to.have.property('nonce');
  });
});

describe('OpenID Connect requireNonce: true', () => {
  it('an openid request without nonce → invalid_request "nonce is required", redirected with state and iss', async () => {
    const fx = strict();
    const agent = await signedIn(fx.app);
    const res = await agent.get(authorizePath(oidc()));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(REQUIRED);
    expect(fx.codes.saved).to.have.length(0);
  });

  it('an empty nonce counts as absent (RFC 6749 3.1) → the same refusal', async () => {
    const fx = strict();
    const agent = await signedIn(fx.app);
    const res = await agent.get(authorizePath(oidc({ nonce: '' })));
    expect(res.headers['location']).to.equal(REQUIRED);
  });

  it('refused before the login: nobody signed in gets the redirect, not the login page', async () => {
    const fx = strict();
    const agent = request.agent(fx.app);
    const res = await agent.get(authorizePath(oidc()));
    expect(res.headers['location']).to.equal(REQUIRED);
    expect((await agent.get('/test/session')).body.returnTo).to.equal(null);
  });

  it('with a nonce → the consent page, and the id_token echoes it', async () => {
    const fx = strict();
    const agent = await signedIn(fx.app);
    const { form } = await consentPage(agent, oidc({ nonce: 'n-0S6_WzA2Mj' }));
    const res = await decide(agent, { ...form, decision: 'allow' });
    const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
    const token = await redeem(fx.app, { code });
    const claims = JSON.parse(
      Buffer.from((token.body.id_token as string).split('.')[1]!, 'base64url').toString(),
    );
    expect(claims.nonce).to.equal('n-0S6_WzA2Mj');
  });

  it('a plain OAuth request (no openid scope) needs no nonce', async () => {
    const fx = strict();
    const agent = await signedIn(fx.app);
    await consentPage(agent, spaParams());
  });

  it('the nonce rules still hold: over 2048 characters → their own text', async () => {
    const fx = strict();
    const agent = await signedIn(fx.app);
    const res = await agent.get(authorizePath(oidc({ nonce: 'n'.repeat(2049) })));
    expect(res.headers['location']).to.equal(
      errorAt(
        'invalid_request',
        'nonce must be 1 to 2048 characters of %x20-7E (OpenID Connect Core 3.1.2.1)',
      ),
    );
  });

  it('at the PAR endpoint: 400 JSON "nonce is required"; with a nonce the pushed request works', async () => {
    const fx = strict();
    const res = await push(fx.app, webRequest({ scope: 'openid' }), ['web', webSecret.secret]);
    expectJsonError(res, 400, 'invalid_request', 'nonce is required');
    const uri = await pushed(fx.app, webRequest({ scope: 'openid', nonce: 'n1' }));
    const agent = await signedIn(fx.app);
    expect((await agent.get(usePath(uri))).status).to.equal(200);
  });
});

describe('OpenID Connect requireNonce: the option is checked', () => {
  const base = { issuer: 'https://auth.example.test', clients: [] };

  it('anything but true or false → a TypeError naming the option', () => {
    for (const value of ['yes', 1, null])
      expect(
        () =>
          createAuthorizationServer({
            ...base,
            openid: { claims: () => ({}), requireNonce: value as never },
          }),
        String(value),
      ).to.throw(TypeError, 'options.openid.requireNonce must be true or false (default false)');
  });

  it('a misspelled key → did you mean "requireNonce"', () => {
    expect(() =>
      createAuthorizationServer({
        ...base,
        openid: { claims: () => ({}), requireNonces: true } as never,
      }),
    ).to.throw(TypeError, /unknown key "requireNonces"; did you mean "requireNonce"\?/);
  });
});
