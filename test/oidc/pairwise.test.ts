/**
 * Pairwise subjects end to end (OpenID Connect Core 1.0 8): with
 * `options.openid.pairwiseKey`, a `pairwise` client's id_tokens and UserInfo
 * answers name the user by a subject of the client's sector (the host of its
 * redirect URIs), while access tokens, the authorized-apps list and revocation
 * keep the local subject. id_tokens are verified with jose against the JWKS.
 */
import { createSecretKey } from 'node:crypto';
import { expect } from 'chai';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import request from 'supertest';
import { pairwiseSubject } from '../../lib/endpoints/openid/subject.js';
import type { ClientConfig } from '../../index.js';
import {
  authorizeApp,
  CLIENTS,
  consentPage,
  decide,
  expectRedirect,
  ISSUER,
  redeem,
  signedIn,
  spaParams,
  CB,
  type Agent,
  type AuthorizeApp,
} from '../support/authorize-app.js';

const KEY = 'pairwise-key-of-this-test-suite-0123456789';
const A_CB = 'https://a.example/cb';
const A_OTHER_CB = 'https://a.example/other/cb';
const B_CB = 'https://b.example/cb';

const pairwise = (id: string, redirectUri: string): ClientConfig => ({
  id,
  name: `Relying party ${id}`,
  tokenEndpointAuthMethods: ['none'],
  redirectUris: [redirectUri],
  subjectType: 'pairwise',
});

/** What the host's claims callback was asked, subject by subject. */
let asked: string[];

function fixture(): AuthorizeApp {
  asked = [];
  return authorizeApp({
    provider: {
      openid: {
        claims: (sub) => {
          asked.push(sub);
          return { name: `Name of ${sub}` };
        },
        pairwiseKey: KEY,
      },
      grants: { authorizationCode: {}, refreshToken: {} },
      clients: [
        ...CLIENTS,
        pairwise('rp-a', A_CB),
        pairwise('rp-a2', A_OTHER_CB),
        pairwise('rp-b', B_CB),
      ],
    },
  });
}

interface Tokens {
  access_token: string;
  id_token: string;
  refresh_token: string;
}

/** `agent`'s user lets `clientId` in with `openid profile`; the client redeems the code. */
async function login(fx: AuthorizeApp, agent: Agent, clientId: string, cb: string) {
  const params = spaParams({ client_id: clientId, redirect_uri: cb, scope: 'openid profile' });
  const { form } = await consentPage(agent, params);
  const res = await decide(agent, { ...form, decision: 'allow' });
  const code = expectRedirect(res, cb, { status: 303 }).get('code') as string;
  const tokens = await redeem(fx.app, { code, client_id: clientId, redirect_uri: cb });
  expect(tokens.status, tokens.text).to.equal(200);
  return tokens.body as Tokens;
}

async function idClaims(fx: AuthorizeApp, idToken: string, clientId: string): Promise<JWTPayload> {
  const jwks = (await request(fx.app).get('/jwks')).body;
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience: clientId,
    currentDate: new Date(fx.clock()),
  });
  return payload;
}

function refresh(fx: AuthorizeApp, clientId: string, token: string): request.Test {
  return request(fx.app)
    .post('/token')
    .type('form')
    .send({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token });
}

function userInfo(fx: AuthorizeApp, access: string): request.Test {
  return request(fx.app).get('/userinfo').set('Authorization', `Bearer ${access}`);
}

const expected = (sector: string, subject: string) =>
  pairwiseSubject(createSecretKey(Buffer.from(KEY)), sector, subject);

describe('OpenID Connect: pairwise subjects (OIDC Core 8)', () => {
  it('two pairwise clients on different hosts get different subs for alice, each the HMAC of its sector', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    const a = await idClaims(fx, (await login(fx, alice, 'rp-a', A_CB)).id_token, 'rp-a');
    const b = await idClaims(fx, (await login(fx, alice, 'rp-b', B_CB)).id_token, 'rp-b');
    // OIDC Core 8.1: "the host component of the redirect_uri" is the sector.
    expect(a.sub).to.equal(expected('a.example', 'user-alice'));
    expect(b.sub).to.equal(expected('b.example', 'user-alice'));
    expect(a.sub).not.to.equal(b.sub);
    expect(a.sub).not.to.equal('user-alice');
    expect(a.sub).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  it('two clients of one sector share the sub; another user gets another', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    const bob = await signedIn(fx.app, 'bob');
    const a = await idClaims(fx, (await login(fx, alice, 'rp-a', A_CB)).id_token, 'rp-a');
    const a2 = await idClaims(fx, (await login(fx, alice, 'rp-a2', A_OTHER_CB)).id_token, 'rp-a2');
    const bobs = await idClaims(fx, (await login(fx, bob, 'rp-a', A_CB)).id_token, 'rp-a');
    expect(a2.sub).to.equal(a.sub);
    expect(bobs.sub).to.equal(expected('a.example', 'user-bob'));
    expect(bobs.sub).not.to.equal(a.sub);
  });

  it('the sub is stable across logins and refreshes', async () => {
    const fx = fixture();
    const first = await login(fx, await signedIn(fx.app), 'rp-a', A_CB);
    fx.clock.advance(600);
    const second = await login(fx, await signedIn(fx.app), 'rp-a', A_CB);
    const refreshed = await refresh(fx, 'rp-a', first.refresh_token);
    expect(refreshed.status, refreshed.text).to.equal(200);
    const subs = await Promise.all(
      [first.id_token, second.id_token, refreshed.body.id_token as string].map(
        async (token) => (await idClaims(fx, token, 'rp-a')).sub,
      ),
    );
    expect(subs).to.deep.equal(Array(3).fill(expected('a.example', 'user-alice')));
  });

  it("UserInfo's sub equals the id_token's; the host's callback is asked with the local subject", async () => {
    const fx = fixture();
    const tokens = await login(fx, await signedIn(fx.app), 'rp-b', B_CB);
    const res = await userInfo(fx, tokens.access_token);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({
      sub: expected('b.example', 'user-alice'),
      name: 'Name of user-alice',
    });
    expect(res.body.sub).to.equal((await idClaims(fx, tokens.id_token, 'rp-b')).sub);
    expect(asked).to.deep.equal(['user-alice']);
  });

  it('a public client gets the local sub in its id_token and at UserInfo', async () => {
    const fx = fixture();
    const tokens = await login(fx, await signedIn(fx.app), 'spa', CB);
    expect((await idClaims(fx, tokens.id_token, 'spa')).sub).to.equal('user-alice');
    expect((await userInfo(fx, tokens.access_token)).body.sub).to.equal('user-alice');
  });

  it('the access token keeps the local subject (for resource servers, RFC 9068)', async () => {
    const fx = fixture();
    const tokens = await login(fx, await signedIn(fx.app), 'rp-a', A_CB);
    expect(decodeJwt(tokens.access_token).sub).to.equal('user-alice');
    const api = await request(fx.app)
      .get('/api/profile')
      .set('Authorization', `Bearer ${tokens.access_token}`);
    expect(api.body).to.deep.include({ sub: 'user-alice', client_id: 'rp-a' });
  });

  it('the authorized-apps list shows a pairwise client under the local subject, and revoking it takes its tokens back', async () => {
    const fx = fixture();
    const tokens = await login(fx, await signedIn(fx.app), 'rp-a', A_CB);
    const apps = fx.oauth.provider.authorizedApps;
    expect((await apps.list('user-alice')).map((app) => app.clientId)).to.deep.equal(['rp-a']);
    expect(await apps.list(expected('a.example', 'user-alice'))).to.deep.equal([]);
    expect(await apps.revoke('user-alice', 'rp-a')).to.equal(1);
    const refused = await refresh(fx, 'rp-a', tokens.refresh_token);
    expect(refused.status).to.equal(400);
    expect(refused.body).to.deep.equal({
      error: 'invalid_grant',
      error_description:
        'the grant is invalid, expired or revoked, or was issued to another client',
    });
    const info = await userInfo(fx, tokens.access_token);
    expect(info.status).to.equal(401);
    expect(await apps.list('user-alice')).to.deep.equal([]);
  });

  it('another pairwise key gives other subs (rotating the key changes every pairwise sub)', async () => {
    const other = 'another-pairwise-key-for-this-test-0123456789';
    expect(
      pairwiseSubject(createSecretKey(Buffer.from(other)), 'a.example', 'user-alice'),
    ).not.to.equal(expected('a.example', 'user-alice'));
  });
});
