/**
 * OpenID Connect Core on the code flow: the `openid` scope, the nonce kept with
 * the code, the id_token from the token endpoint (and on refresh), UserInfo and
 * the discovery document. id_tokens are verified with jose against the JWKS.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import request from 'supertest';
import {
  authorizeApp,
  CB,
  consentPage,
  decide,
  expectErrorRedirect,
  expectRedirect,
  ISSUER,
  redeem,
  signedIn,
  spaParams,
  type AuthorizeApp,
} from '../support/authorize-app.js';

const ALICE = { name: 'Alice Liddell', email: 'alice@example.com', email_verified: true };

function oidcApp(): AuthorizeApp {
  return authorizeApp({
    provider: {
      openid: {
        claims: (sub) => ({
          ...ALICE,
          sub: 'forged',
          phone_number: '+1 555',
          address: { country: 'UK' },
          secret_flag: true,
          subject_seen: sub,
        }),
      },
      grants: { authorizationCode: {}, refreshToken: {} },
    },
  });
}

async function tokensFor(fixture: AuthorizeApp, extra: Record<string, string>) {
  const agent = await signedIn(fixture.app);
  const { form } = await consentPage(agent, spaParams(extra));
  const code = expectRedirect(await decide(agent, { ...form, decision: 'allow' }), CB, {
    status: 303,
  }).get('code') as string;
  const res = await redeem(fixture.app, { code });
  expect(res.status, res.text).to.equal(200);
  return res.body as { access_token: string; id_token?: string; refresh_token?: string };
}

async function verifyIdToken(fixture: AuthorizeApp, idToken: string): Promise<JWTPayload> {
  const jwks = (await request(fixture.app).get('/jwks')).body;
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience: 'spa',
    currentDate: new Date(fixture.clock()),
  });
  return payload;
}

function atHash(token: string): string {
  return createHash('sha256').update(token).digest().subarray(0, 16).toString('base64url');
}

describe('OpenID Connect: id_token (OIDC Core 3.1.3)', () => {
  it('a code with openid gets an id_token: iss, sub, aud, azp, exp, iat, auth_time, nonce, at_hash', async () => {
    const fixture = oidcApp();
    const body = await tokensFor(fixture, { scope: 'openid profile', nonce: 'n-0S6_WzA2Mj' });
    expect(body.id_token).to.be.a('string');
    expect(decodeProtectedHeader(body.id_token as string).typ).to.equal('JWT');
    const claims = await verifyIdToken(fixture, body.id_token as string);
    const now = Math.floor(fixture.clock() / 1000);
    expect(claims.sub).to.equal('user-alice');
    expect(claims['azp']).to.equal('spa');
    expect(claims.iat).to.equal(now);
    expect(claims.exp).to.equal(now + 3600);
    expect(claims['nonce']).to.equal('n-0S6_WzA2Mj');
    // OIDC Core 3.1.3.6: "the base64url encoding of the left-most half of the hash of the octets of the ASCII representation of the access_token value"
    expect(claims['at_hash']).to.equal(atHash(body.access_token));
    expect(claims['auth_time']).to.be.a('number');
    // The id_token stays minimal: the standard claims come from UserInfo.
    expect(claims).not.to.have.property('email');
  });

  it('idTokenLifetime sets exp', async () => {
    const fixture = authorizeApp({
      provider: { openid: { claims: () => ({}), idTokenLifetime: 300 } },
    });
    const body = await tokensFor(fixture, { scope: 'openid' });
    const claims = await verifyIdToken(fixture, body.id_token as string);
    expect((claims.exp as number) - (claims.iat as number)).to.equal(300);
    expect(claims).not.to.have.property('nonce');
  });

  it('no openid in the scope: no id_token', async () => {
    const body = await tokensFor(oidcApp(), { scope: 'profile', nonce: 'abc' });
    expect(body).not.to.have.property('id_token');
  });

  it('OAuth-only (no openid option): openid is not offered → invalid_scope', async () => {
    const fixture = authorizeApp();
    const agent = await signedIn(fixture.app);
    const res = await agent.get(
      `/authorize?${new URLSearchParams(spaParams({ scope: 'openid' }))}`,
    );
    expectErrorRedirect(res, 'invalid_scope');
    expect((await request(fixture.app).get('/.well-known/openid-configuration')).status).to.equal(
      404,
    );
  });

  it('a refresh keeps openid: a new id_token with auth_time, without nonce (OIDC Core 12.2)', async () => {
    const fixture = oidcApp();
    const body = await tokensFor(fixture, { scope: 'openid profile', nonce: 'n1' });
    const first = await verifyIdToken(fixture, body.id_token as string);
    const res = await request(fixture.app)
      .post('/token')
      .type('form')
      .send({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: body.refresh_token });
    expect(res.status, res.text).to.equal(200);
    const claims = await verifyIdToken(fixture, res.body.id_token);
    expect(claims['auth_time']).to.equal(first['auth_time']);
    expect(claims).not.to.have.property('nonce');
    expect(claims['at_hash']).to.equal(atHash(res.body.access_token));
  });

  it('a nonce over 2048 characters is invalid_request, redirected with state', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    const res = await agent.get(
      `/authorize?${new URLSearchParams(spaParams({ scope: 'openid', nonce: 'n'.repeat(2049) }))}`,
    );
    const params = expectErrorRedirect(res, 'invalid_request');
    expect(params.get('error_description')).to.equal(
      'nonce must be 1 to 2048 characters of %x20-7E (OpenID Connect Core 3.1.2.1)',
    );
  });

  it('a nonce with a control character is invalid_request', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    const res = await agent.get(
      `/authorize?${new URLSearchParams(spaParams({ scope: 'openid', nonce: 'a\nb' }))}`,
    );
    expectErrorRedirect(res, 'invalid_request');
  });
});

describe('OpenID Connect: UserInfo (OIDC Core 5.3)', () => {
  it('answers sub and the claims of the granted scopes only, GET and POST', async () => {
    const fixture = oidcApp();
    const body = await tokensFor(fixture, { scope: 'openid profile' });
    for (const method of ['get', 'post'] as const) {
      const res = await request(fixture.app)
        [method]('/userinfo')
        .set('Authorization', `Bearer ${body.access_token}`);
      expect(res.status, res.text).to.equal(200);
      expect(res.headers['cache-control']).to.equal('no-store');
      // profile asks for name; not email, phone or address; the host's sub and extras are dropped.
      expect(res.body).to.deep.equal({ sub: 'user-alice', name: 'Alice Liddell' });
    }
  });

  it('email and phone and address scopes add their claims', async () => {
    const fixture = authorizeApp({
      provider: {
        scopes: { available: ['profile', 'openid', 'email', 'phone', 'address'] },
        openid: {
          claims: () => ({ ...ALICE, phone_number: '+1 555', address: { country: 'UK' } }),
        },
      },
    });
    const body = await tokensFor(fixture, { scope: 'openid email phone address' });
    const res = await request(fixture.app)
      .get('/userinfo')
      .set('Authorization', `Bearer ${body.access_token}`);
    expect(res.body).to.deep.equal({
      sub: 'user-alice',
      email: 'alice@example.com',
      email_verified: true,
      phone_number: '+1 555',
      address: { country: 'UK' },
    });
  });

  it('a token without openid is 403 insufficient_scope (RFC 6750 3.1)', async () => {
    const fixture = oidcApp();
    const body = await tokensFor(fixture, { scope: 'profile' });
    const res = await request(fixture.app)
      .get('/userinfo')
      .set('Authorization', `Bearer ${body.access_token}`);
    expect(res.status).to.equal(403);
    expect(res.body.error).to.equal('insufficient_scope');
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer realm="api", error="insufficient_scope", scope="openid"',
    );
  });

  it('an invalid token is 401 invalid_token; no credentials is 401 with a bare challenge', async () => {
    const fixture = oidcApp();
    const bad = await request(fixture.app).get('/userinfo').set('Authorization', 'Bearer nope');
    expect(bad.status).to.equal(401);
    expect(bad.body.error).to.equal('invalid_token');
    expect(bad.headers['www-authenticate']).to.match(/^Bearer realm="api", error="invalid_token"/);
    const none = await request(fixture.app).get('/userinfo');
    expect(none.status).to.equal(401);
    expect(none.headers['www-authenticate']).to.equal('Bearer realm="api"');
  });

  it('PUT is 405 with Allow: GET, POST', async () => {
    const res = await request(oidcApp().app).put('/userinfo');
    expect(res.status).to.equal(405);
    expect(res.headers['allow']).to.equal('GET, POST');
    expect(res.body).to.deep.equal({
      error: 'invalid_request',
      error_description: 'this endpoint accepts GET and POST only',
    });
  });
});

describe('OpenID Connect: discovery (OIDC Discovery 1.0 3)', () => {
  it('serves /.well-known/openid-configuration with the OIDC members', async () => {
    const fixture = oidcApp();
    const res = await request(fixture.app).get('/.well-known/openid-configuration');
    expect(res.status).to.equal(200);
    expect(res.body.issuer).to.equal(ISSUER);
    expect(res.body.jwks_uri).to.equal(`${ISSUER}/jwks`);
    expect(res.body.userinfo_endpoint).to.equal(`${ISSUER}/userinfo`);
    expect(res.body.subject_types_supported).to.deep.equal(['public']);
    expect(res.body.id_token_signing_alg_values_supported).to.deep.equal(['ES256']);
    expect(res.body.scopes_supported).to.include('openid');
    expect(res.body.claims_supported).to.include.members(['sub', 'name', 'email']);
  });

  it('options.openid is checked at construction', () => {
    expect(() => authorizeApp({ provider: { openid: {} as never } })).to.throw(
      TypeError,
      'options.openid.claims must be a function',
    );
    expect(() =>
      authorizeApp({ provider: { openid: { claims: () => ({}), idTokenLifetime: 0 } } }),
    ).to.throw(TypeError, 'options.openid.idTokenLifetime must be a whole number of seconds > 0');
    expect(() =>
      authorizeApp({ provider: { openid: { claims: () => ({}), nope: 1 } as never } }),
    ).to.throw(TypeError, /nope/);
  });
});
