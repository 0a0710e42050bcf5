/**
 * A client that registered itself with OpenID Connect members (OpenID Connect
 * Dynamic Client Registration 1.0 2) is served by them: `subject_type: pairwise`
 * gives its id_tokens and UserInfo the pairwise `sub` of its sector, and
 * `default_max_age` sends an older login back to the login page. Through the
 * Passport test app with registration open and a frozen clock.
 */
import { createSecretKey } from 'node:crypto';
import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { pairwiseSubject } from '../../lib/endpoints/openid/subject.js';
import {
  authorizeApp,
  authorizePath,
  consentPage,
  decide,
  expectRedirect,
  ISSUER,
  redeem,
  signedIn,
  spaParams,
  type AuthorizeApp,
} from '../support/authorize-app.js';

const KEY = 'the-pairwise-key-of-registered-clients';
const RP_CB = 'https://rp.example/cb';

async function registered(fx: AuthorizeApp, members: Record<string, unknown>): Promise<string> {
  const res = await request(fx.app)
    .post('/register')
    .set('Content-Type', 'application/json')
    .send(
      JSON.stringify({
        redirect_uris: [RP_CB],
        token_endpoint_auth_method: 'none',
        scope: 'openid profile',
        ...members,
      }),
    );
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.client_id as string;
}

function fixture(): AuthorizeApp {
  return authorizeApp({
    provider: {
      registration: { policy: 'open' },
      openid: { claims: () => ({ name: 'Alice' }), pairwiseKey: KEY },
    },
  });
}

describe('registration: a registered OpenID Connect client is served by its members', () => {
  it('subject_type pairwise: the id_token and UserInfo carry the pairwise sub of rp.example', async () => {
    const fx = fixture();
    const clientId = await registered(fx, { subject_type: 'pairwise' });
    const agent = await signedIn(fx.app);
    const params = spaParams({ client_id: clientId, redirect_uri: RP_CB, scope: 'openid' });
    const { form } = await consentPage(agent, params);
    const res = await decide(agent, { ...form, decision: 'allow' });
    const code = expectRedirect(res, RP_CB, { status: 303 }).get('code') as string;
    const tokens = await redeem(fx.app, { code, client_id: clientId, redirect_uri: RP_CB });
    expect(tokens.status, tokens.text).to.equal(200);
    const jwks = createLocalJWKSet((await request(fx.app).get('/jwks')).body);
    const { payload } = await jwtVerify(tokens.body.id_token, jwks, {
      issuer: ISSUER,
      audience: clientId,
      currentDate: new Date(fx.clock()),
    });
    const sub = pairwiseSubject(createSecretKey(Buffer.from(KEY)), 'rp.example', 'user-alice');
    expect(payload.sub).to.equal(sub);
    const info = await request(fx.app)
      .get('/userinfo')
      .set('Authorization', `Bearer ${tokens.body.access_token}`);
    expect(info.body).to.deep.equal({ sub });
  });

  it('default_max_age 60: a login 61 seconds old is sent to log in again', async () => {
    const fx = fixture();
    const clientId = await registered(fx, { default_max_age: 60 });
    const params = spaParams({ client_id: clientId, redirect_uri: RP_CB, scope: 'openid' });
    const agent = await signedIn(fx.app);
    await consentPage(agent, params);
    fx.clock.advance(61);
    const res = await agent.get(authorizePath(params));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
  });
});
