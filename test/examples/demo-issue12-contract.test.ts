/**
 * The demo's contract as issue 12 extends it, for the parts built so far:
 * `openid` offered with `/.well-known/openid-configuration`; a code flow with
 * `openid profile email` and a `nonce` returns an id_token that verifies
 * against `jwks_uri` (iss, aud, nonce); UserInfo answers alice's `sub`, `name`,
 * `email` and `email_verified`; the consent page follows the browser's language
 * (German with `Accept-Language: de`); `/account/apps` lists alice's authorized
 * apps and revokes one, after which its refresh token is refused; the
 * end-session endpoint (RP-initiated logout) signs alice out with the id_token
 * as hint and sends her back to a registered URI only; a `login_hint` reaches
 * the demo's login form, escaped.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { createDemoApp } from '../../examples/demo-app.js';

const ISSUER = 'http://localhost:3000';
const CALLBACK = 'http://127.0.0.1:8080/callback';
const VERIFIER = 'a-verifier-for-the-issue-12-contract-0123456789';

type App = ReturnType<typeof createDemoApp>['app'];
type Agent = ReturnType<typeof request.agent>;

const hidden = (html: string, name: string): string =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

describe('demo contract, issue 12: OpenID Connect, pages in the user language, authorized apps', function () {
  this.timeout(20_000);
  let app: App;
  before(() => {
    ({ app } = createDemoApp({ issuer: ISSUER }));
  });

  async function signedIn(): Promise<Agent> {
    const agent = request.agent(app);
    await agent.post('/login').type('form').send({ username: 'alice', password: 'wonderland' });
    return agent;
  }

  /** The code flow as demo-web up to the tokens. */
  async function codeFlow(
    agent: Agent,
    scope: string,
    nonce: string,
    language = 'en',
  ): Promise<{ body: Record<string, string>; consent: string }> {
    const path = `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-web',
      redirect_uri: CALLBACK,
      scope,
      state: 'st',
      nonce,
      code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
      code_challenge_method: 'S256',
    })}`;
    const page = await agent.get(path).set('accept-language', language);
    expect(page.status, page.text).to.equal(200);
    const decided = await agent
      .post('/authorize')
      .type('form')
      .send({
        transaction_id: hidden(page.text, 'transaction_id'),
        csrf_token: hidden(page.text, 'csrf_token'),
        decision: 'allow',
      });
    const code = new URL(decided.headers['location'] as string).searchParams.get('code')!;
    const token = await request(app)
      .post('/token')
      .auth('demo-web', 'demo-web-secret')
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: VERIFIER,
      });
    expect(token.status, JSON.stringify(token.body)).to.equal(200);
    return { body: token.body as Record<string, string>, consent: page.text };
  }

  it('/.well-known/openid-configuration names the issuer, jwks_uri, userinfo_endpoint and the id_token algorithms', async () => {
    const res = await request(app).get('/.well-known/openid-configuration');
    expect(res.status).to.equal(200);
    expect(res.body.issuer).to.equal(ISSUER);
    expect(res.body.jwks_uri).to.equal(`${ISSUER}/jwks`);
    expect(res.body.userinfo_endpoint).to.equal(`${ISSUER}/userinfo`);
    expect(res.body.id_token_signing_alg_values_supported).to.include('ES256');
    expect(res.body.scopes_supported).to.include('openid');
  });

  it('openid profile email with a nonce: an id_token that verifies against jwks_uri; UserInfo answers alice', async () => {
    const { body } = await codeFlow(await signedIn(), 'openid profile email', 'n-0S6_WzA2Mj');
    const jwks = (await request(app).get('/jwks')).body;
    const { payload } = await jwtVerify(body['id_token']!, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: 'demo-web',
    });
    expect(payload['sub']).to.equal('user-7a1ce');
    expect(payload['nonce']).to.equal('n-0S6_WzA2Mj');
    const info = await request(app)
      .get('/userinfo')
      .set('authorization', `Bearer ${body['access_token']}`);
    expect(info.status).to.equal(200);
    expect(info.body).to.deep.equal({
      sub: 'user-7a1ce',
      name: 'Alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('prompt=none without a session redirects with login_required, the state and iss', async () => {
    const res = await request(app)
      .get('/authorize')
      .query({
        response_type: 'code',
        client_id: 'demo-web',
        redirect_uri: CALLBACK,
        scope: 'openid profile',
        state: 'st-none',
        prompt: 'none',
        code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
        code_challenge_method: 'S256',
      });
    expect(res.status).to.equal(302);
    const back = new URL(res.headers['location'] as string);
    expect(back.origin + back.pathname).to.equal(CALLBACK);
    expect(back.searchParams.get('error')).to.equal('login_required');
    expect(back.searchParams.get('state')).to.equal('st-none');
    expect(back.searchParams.get('iss')).to.equal(ISSUER);
  });

  it('the consent page follows Accept-Language: German with de', async () => {
    const agent = await signedIn();
    const path = `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-web',
      redirect_uri: CALLBACK,
      scope: 'profile read',
      state: 'st',
      code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
      code_challenge_method: 'S256',
    })}`;
    const page = await agent.get(path).set('accept-language', 'de-DE,de;q=0.9,en;q=0.5');
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<html lang="de"/);
    expect(page.text).to.include('Ihre Benutzerkennung sehen');
    expect(page.text).to.include('Ihre Daten lesen');
  });

  it('/account/apps lists the app alice authorized; revoking it ends its refresh token', async () => {
    const agent = await signedIn();
    const { body } = await codeFlow(agent, 'profile read', 'n-apps');
    const page = await agent.get('/account/apps');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Demo web app');
    const german = await agent.get('/account/apps').set('accept-language', 'de');
    expect(german.text).to.match(/<html lang="de"/);
    expect(german.text).to.include('<h1>Autorisierte Apps</h1>');
    expect(german.text).to.include('>Widerrufen</button>');
    const revoked = await agent
      .post('/account/apps')
      .type('form')
      .send({ csrf_token: hidden(page.text, 'csrf_token'), client_id: 'demo-web' });
    expect(revoked.status).to.equal(303);
    const refresh = await request(app)
      .post('/token')
      .auth('demo-web', 'demo-web-secret')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: body['refresh_token'] });
    expect(refresh.status).to.equal(400);
    expect(refresh.body.error).to.equal('invalid_grant');
  });

  it('discovery names end_session_endpoint; the id_token as id_token_hint signs alice out and goes back with the state', async () => {
    const discovery = await request(app).get('/.well-known/openid-configuration');
    expect(discovery.body.end_session_endpoint).to.equal(`${ISSUER}/end_session`);
    const agent = await signedIn();
    const { body } = await codeFlow(agent, 'openid profile', 'n-logout');
    const out = await agent.get('/end_session').query({
      id_token_hint: body['id_token'],
      post_logout_redirect_uri: 'http://127.0.0.1:8080/',
      state: 'bye',
    });
    expect(out.status).to.equal(302);
    expect(out.headers['location']).to.equal('http://127.0.0.1:8080/?state=bye');
    // Signed out: the next authorization request goes to the login page.
    const next = await agent.get('/authorize').query({
      response_type: 'code',
      client_id: 'demo-web',
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(next.status).to.equal(302);
    expect(next.headers['location']).to.equal('/login');
  });

  it('an unregistered post_logout_redirect_uri is the 400 error page, and alice stays signed in', async () => {
    const agent = await signedIn();
    const out = await agent
      .get('/end_session')
      .query({ client_id: 'demo-spa', post_logout_redirect_uri: 'https://evil.example/' });
    expect(out.status).to.equal(400);
    expect(out.headers['location']).to.equal(undefined);
    expect(out.text).to.include('post_logout_redirect_uri is not registered for this client');
    expect((await agent.get('/account/apps')).status).to.equal(200);
  });

  it('a login_hint reaches the demo login form, escaped', async () => {
    const res = await request(app)
      .get('/authorize')
      .query({
        response_type: 'code',
        client_id: 'demo-spa',
        redirect_uri: CALLBACK,
        scope: 'openid profile',
        login_hint: 'alice"><script>x()</script>',
        code_challenge: createHash('sha256').update(VERIFIER).digest('base64url'),
        code_challenge_method: 'S256',
      });
    expect(res.status).to.equal(302);
    const login = new URL(res.headers['location'] as string, ISSUER);
    expect(login.pathname).to.equal('/login');
    const page = await request(app).get(login.pathname + login.search);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('value="alice&quot;&gt;&lt;script&gt;x()&lt;/script&gt;"');
    expect(page.text).to.not.include('<script>x()');
  });
});
