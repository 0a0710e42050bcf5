/**
 * OpenID Connect together with resource indicators (RFC 8707): `openid` counts
 * as offered when `options.openid` is on, for the resources' scopes as for the
 * scope policy. A resource that accepts `openid` (its default: every scope
 * offered) lets a client sign the user in and get a token for that resource in
 * one flow: the id_token is for the client, the access token's audience is the
 * resource, and that token is no key to UserInfo (the server's own audience).
 */
import { expect } from 'chai';
import { createAuthorizationServer, type ProviderOptions } from '../../index.js';
import {
  authorizeApp,
  CB,
  consentPage,
  decide,
  expectRedirect,
  ISSUER,
  redeem,
  signedIn,
  spaParams,
} from '../support/authorize-app.js';
import request from 'supertest';

const API = 'https://api.example.test/';
const OPENID = { claims: () => ({ name: 'Alice' }) };

describe('OpenID Connect with a resource indicator', () => {
  it('a resource may list openid in its scopes when OpenID Connect is on', () => {
    expect(() =>
      createAuthorizationServer({
        issuer: ISSUER,
        scopes: { available: ['read'] },
        openid: OPENID,
        resources: [{ resource: API, scopes: ['openid', 'read'] }],
      }),
    ).to.not.throw();
  });

  it('and not when it is off (openid is not a scope of the server then)', () => {
    expect(() =>
      createAuthorizationServer({
        issuer: ISSUER,
        scopes: { available: ['read'] },
        resources: [{ resource: API, scopes: ['openid', 'read'] }],
      }),
    ).to.throw(
      TypeError,
      'options.resources[0].scopes: "openid" is not in options.scopes.available',
    );
  });

  it('scope=openid read with resource: an id_token for the client, an access token for the resource that UserInfo refuses', async () => {
    const provider: Partial<ProviderOptions> = {
      openid: OPENID,
      resources: [{ resource: API }],
    };
    const fx = authorizeApp({ provider });
    const agent = await signedIn(fx.app);
    const params = { ...spaParams({ scope: 'openid read', nonce: 'n-1' }), resource: API };
    const { form } = await consentPage(agent, params);
    const answer = expectRedirect(await decide(agent, { ...form, decision: 'allow' }), CB, {
      status: 303,
    });
    const token = await redeem(fx.app, { code: answer.get('code')!, resource: API });
    expect(token.status, JSON.stringify(token.body)).to.equal(200);
    expect(token.body.id_token).to.be.a('string');
    const idToken = JSON.parse(
      Buffer.from(String(token.body.id_token).split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(idToken).to.include({ aud: 'spa', nonce: 'n-1', iss: ISSUER });
    const info = await fx.oauth.provider.verifyAccessToken(token.body.access_token, {
      audience: API,
    });
    expect(info.audience).to.equal(API);
    const userinfo = await request(fx.app)
      .get('/userinfo')
      .set('authorization', `Bearer ${token.body.access_token}`);
    expect(userinfo.status).to.equal(401);
    expect(userinfo.headers['www-authenticate']).to.include('error="invalid_token"');
  });
});
