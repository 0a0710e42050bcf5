/**
 * Authorized apps (issue 12 part 3): `provider.authorizedApps.list/revoke` and
 * the page `oauth.authorizedApps({ loginUrl })`, driven through a real Express
 * app with express-session and Passport (test/support/authorize-app.ts).
 */
import { expect } from 'chai';
import request from 'supertest';
import type { AuthorizeApp } from '../support/authorize-app.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  EVIL_NAME,
  expectErrorPage,
  expectRedirect,
  htmlEscape,
  redeem,
  signedIn,
  spaParams,
  type Agent,
} from '../support/authorize-app.js';

interface Tokens {
  access: string;
  refresh: string;
}

/**
 * `agent`'s user authorizes `clientId` (remembering consent; a remembered consent
 * skips the page) and the client redeems the code.
 */
async function authorizeClient(fx: AuthorizeApp, agent: Agent, clientId: string): Promise<Tokens> {
  const params = spaParams({ client_id: clientId });
  const first = await agent.get(authorizePath(params));
  let code: string;
  if (first.status === 302) code = expectRedirect(first, CB).get('code') as string;
  else {
    const { form } = await consentPage(agent, params);
    const res = await decide(agent, { ...form, decision: 'allow', remember: '1' });
    code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
  }
  const tokens = await redeem(fx.app, { code, client_id: clientId });
  expect(tokens.status, tokens.text).to.equal(200);
  return { access: tokens.body.access_token, refresh: tokens.body.refresh_token };
}

function refresh(fx: AuthorizeApp, clientId: string, token: string): request.Test {
  return request(fx.app)
    .post('/token')
    .type('form')
    .send({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token });
}

function profile(fx: AuthorizeApp, access: string): request.Test {
  return request(fx.app).get('/api/profile').set('Authorization', `Bearer ${access}`);
}

const REFUSED = {
  error: 'invalid_grant',
  error_description: 'the grant is invalid, expired or revoked, or was issued to another client',
};

/** The fixture with remembered consent and the apps page at /account/apps. */
function appsFixture(format: 'jwt' | 'opaque' = 'jwt'): AuthorizeApp {
  const fx = authorizeApp({
    provider: { consent: { remember: true }, accessToken: { format } },
  });
  fx.app.use('/account/apps', fx.oauth.authorizedApps({ loginUrl: '/login' }));
  return fx;
}

function csrfOf(html: string): string {
  const found = /<input type="hidden" name="csrf_token" value="([^"]*)">/.exec(html);
  if (found === null) throw new Error(`no form in:\n${html}`);
  return found[1] as string;
}

describe('provider.authorizedApps', () => {
  it('list() gives one entry per client the user authorized, with names, scopes and times', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    await authorizeClient(fx, alice, 'spa');
    await authorizeClient(fx, alice, 'multi');
    await authorizeClient(fx, alice, 'multi');
    const now = Math.floor(fx.clock() / 1000);
    const apps = await fx.oauth.provider.authorizedApps.list('user-alice');
    expect(apps).to.deep.equal([
      {
        clientId: 'multi',
        clientName: 'Two Callbacks',
        scopes: ['profile', 'read'],
        resources: [],
        grantedAt: now,
        lastUsedAt: now,
      },
      {
        clientId: 'spa',
        clientName: 'Photo Printer',
        scopes: ['profile', 'read'],
        resources: [],
        grantedAt: now,
        lastUsedAt: now,
      },
    ]);
    expect(await fx.oauth.provider.authorizedApps.list('user-bob')).to.deep.equal([]);
  });

  it('a refresh moves lastUsedAt, at most once a minute', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    const start = Math.floor(fx.clock() / 1000);
    let { refresh: token } = await authorizeClient(fx, alice, 'spa');
    const lastUsed = async () => (await fx.oauth.provider.authorizedApps.list('user-alice'))[0];
    fx.clock.advance(30);
    token = (await refresh(fx, 'spa', token)).body.refresh_token;
    expect((await lastUsed())?.lastUsedAt).to.equal(start);
    fx.clock.advance(31);
    expect((await refresh(fx, 'spa', token)).status).to.equal(200);
    expect((await lastUsed())?.lastUsedAt).to.equal(start + 61);
    expect((await lastUsed())?.grantedAt).to.equal(start);
  });

  for (const format of ['jwt', 'opaque'] as const) {
    it(`revoke() takes back every token of that client (${format} access tokens) and the remembered consent, and nothing else`, async () => {
      const fx = appsFixture(format);
      const events: unknown[] = [];
      fx.oauth.provider.events.on('grant.revoked', (e) => {
        events.push({ type: e.type, reason: e.reason });
      });
      fx.oauth.provider.events.on('app.revoked', (e) => {
        events.push({ type: e.type, subject: e.subject, clientId: e.clientId, grants: e.grants });
      });
      const alice = await signedIn(fx.app);
      const bob = await signedIn(fx.app, 'bob');
      const spa = await authorizeClient(fx, alice, 'spa');
      const spa2 = await authorizeClient(fx, alice, 'spa');
      const multi = await authorizeClient(fx, alice, 'multi');
      const bobs = await authorizeClient(fx, bob, 'spa');

      expect(await fx.oauth.provider.authorizedApps.revoke('user-alice', 'spa')).to.equal(2);

      for (const t of [spa, spa2]) {
        const refused = await refresh(fx, 'spa', t.refresh);
        expect(refused.status).to.equal(400);
        expect(refused.body).to.deep.equal(REFUSED);
        const denied = await profile(fx, t.access);
        expect(denied.status).to.equal(401);
        expect(denied.headers['www-authenticate']).to.include('error="invalid_token"');
      }
      expect((await profile(fx, multi.access)).status, 'another client').to.equal(200);
      expect((await refresh(fx, 'multi', multi.refresh)).status).to.equal(200);
      expect((await profile(fx, bobs.access)).status, "another user's grant").to.equal(200);
      expect((await refresh(fx, 'spa', bobs.refresh)).status).to.equal(200);

      const consents = fx.oauth.provider.stores.consents;
      expect(await consents.find('user-alice', 'spa')).to.equal(undefined);
      expect(await consents.find('user-alice', 'multi')).to.deep.equal({
        scope: ['profile', 'read'],
        resources: [],
      });
      await consentPage(alice, spaParams()); // asked again: the page, not a skip
      const left = await fx.oauth.provider.authorizedApps.list('user-alice');
      expect(left.map((a) => a.clientId)).to.deep.equal(['multi']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).to.deep.equal([
        { type: 'grant.revoked', reason: 'user' },
        { type: 'grant.revoked', reason: 'user' },
        { type: 'app.revoked', subject: 'user-alice', clientId: 'spa', grants: 2 },
      ]);
    });
  }

  it('revoke() covers a code issued but not yet redeemed', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    const { form } = await consentPage(alice, spaParams());
    const res = await decide(alice, { ...form, decision: 'allow' });
    const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
    await fx.oauth.provider.authorizedApps.revoke('user-alice', 'spa');
    const tokens = await redeem(fx.app, { code });
    // The code is still redeemable once, but its tokens are dead on arrival.
    if (tokens.status === 200) {
      expect((await profile(fx, tokens.body.access_token)).status).to.equal(401);
      expect((await refresh(fx, 'spa', tokens.body.refresh_token)).body).to.deep.equal(REFUSED);
    } else expect(tokens.body.error).to.equal('invalid_grant');
    expect(await fx.oauth.provider.authorizedApps.list('user-alice')).to.deep.equal([]);
  });
});

describe('oauth.authorizedApps(): the page', () => {
  it('lists the signed-in user’s apps, escaped, with the page headers', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    await authorizeClient(fx, alice, 'spa');
    await authorizeClient(fx, alice, 'evil');
    const res = await alice.get('/account/apps');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['x-frame-options']).to.equal('DENY');
    expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
    expect(res.text).to.include('<h2>Photo Printer</h2>');
    expect(res.text).to.include(`<h2>${htmlEscape(EVIL_NAME)}</h2>`);
    expect(res.text).not.to.include('<script>alert');
    expect(res.text).to.include('<input type="hidden" name="client_id" value="spa">');
    expect(res.text).to.include('Signed in as <strong>Alice Liddell</strong>');
    const bob = await signedIn(fx.app, 'bob');
    const bobs = await bob.get('/account/apps');
    expect(bobs.text).to.include('You have not authorized any app.');
    expect(bobs.text).to.include(htmlEscape('Bob <b>"the builder"</b>'));
  });

  it('not signed in: GET and POST go to the login page with the way back, and nothing is revoked', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    await authorizeClient(fx, alice, 'spa');
    const anonymous = request.agent(fx.app);
    const res = await anonymous.get('/account/apps');
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    expect((await anonymous.get('/test/session')).body.returnTo).to.equal('/account/apps');
    const csrf = csrfOf((await alice.get('/account/apps')).text);
    const post = await anonymous
      .post('/account/apps')
      .type('form')
      .send({ csrf_token: csrf, client_id: 'spa' });
    expect(post.status).to.equal(302);
    expect(post.headers['location']).to.equal('/login');
    expect(await fx.oauth.provider.authorizedApps.list('user-alice')).to.have.length(1);
  });

  it('revoke: the form with the session’s CSRF token revokes, answers 303 back to the page', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    const spa = await authorizeClient(fx, alice, 'spa');
    const multi = await authorizeClient(fx, alice, 'multi');
    const csrf = csrfOf((await alice.get('/account/apps')).text);
    const res = await alice
      .post('/account/apps')
      .type('form')
      .send({ csrf_token: csrf, client_id: 'spa' });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal('/account/apps');
    expect((await refresh(fx, 'spa', spa.refresh)).body).to.deep.equal(REFUSED);
    expect((await refresh(fx, 'multi', multi.refresh)).status).to.equal(200);
    const page = await alice.get('/account/apps');
    expect(page.text).not.to.include('Photo Printer');
    expect(page.text).to.include('Two Callbacks');
  });

  for (const [label, fields] of [
    ['missing', { client_id: 'spa' }],
    ['wrong', { client_id: 'spa', csrf_token: 'x'.repeat(43) }],
    ['empty', { client_id: 'spa', csrf_token: '' }],
  ] as const) {
    it(`CSRF token ${label}: 400 error page, nothing revoked`, async () => {
      const fx = appsFixture();
      const alice = await signedIn(fx.app);
      const spa = await authorizeClient(fx, alice, 'spa');
      await alice.get('/account/apps'); // the session has a token
      const res = await alice.post('/account/apps').type('form').send(fields);
      expectErrorPage(res, 'invalid_request');
      expect(res.text).to.include('<h1>This change to your authorized apps cannot be made</h1>');
      expect(res.text).to.include(htmlEscape('CSRF token missing or wrong'));
      expect((await refresh(fx, 'spa', spa.refresh)).status).to.equal(200);
      expect(await fx.oauth.provider.authorizedApps.list('user-alice')).to.have.length(1);
    });
  }

  it('CSRF token before any page was shown (none in the session): 400', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    await authorizeClient(fx, alice, 'spa');
    const res = await alice
      .post('/account/apps')
      .type('form')
      .send({ csrf_token: 'a', client_id: 'spa' });
    expectErrorPage(res, 'invalid_request');
    expect(await fx.oauth.provider.authorizedApps.list('user-alice')).to.have.length(1);
  });

  it('another user’s session cannot revoke my apps: with my token it is refused, with theirs it touches only theirs', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    const spa = await authorizeClient(fx, alice, 'spa');
    const aliceCsrf = csrfOf((await alice.get('/account/apps')).text);
    const bob = await signedIn(fx.app, 'bob');
    const forged = await bob
      .post('/account/apps')
      .type('form')
      .send({ csrf_token: aliceCsrf, client_id: 'spa' });
    expectErrorPage(forged, 'invalid_request');
    // Bob's page has a form once he has an app: his own session's token.
    await authorizeClient(fx, bob, 'multi');
    const own = csrfOf((await bob.get('/account/apps')).text);
    const res = await bob
      .post('/account/apps')
      .type('form')
      .send({ csrf_token: own, client_id: 'spa' });
    expect(res.status).to.equal(303);
    expect((await refresh(fx, 'spa', spa.refresh)).status, "alice's grant").to.equal(200);
    expect(await fx.oauth.provider.authorizedApps.list('user-alice')).to.have.length(1);
  });

  it('client_id missing: 400 invalid_request, nothing revoked', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    await authorizeClient(fx, alice, 'spa');
    const csrf = csrfOf((await alice.get('/account/apps')).text);
    const res = await alice.post('/account/apps').type('form').send({ csrf_token: csrf });
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('client_id is required');
    expect(await fx.oauth.provider.authorizedApps.list('user-alice')).to.have.length(1);
  });

  it('answers its mount point only; other methods are 405', async () => {
    const fx = appsFixture();
    const alice = await signedIn(fx.app);
    expect((await alice.get('/account/apps/other')).status).to.equal(404);
    const put = await alice.put('/account/apps');
    expect(put.status).to.equal(405);
    expect(put.headers['allow']).to.equal('GET, POST');
  });

  it('checks its options when made', () => {
    const fx = appsFixture();
    expect(() => fx.oauth.authorizedApps({ loginUrl: '' })).to.throw(
      TypeError,
      'authorizedApps(): options.loginUrl must be the path or URL of your login page, e.g. "/login"',
    );
    expect(() =>
      fx.oauth.authorizedApps({ transactionLifetime: 5 } as unknown as { loginUrl: string }),
    ).to.throw(TypeError, /authorizedApps\(\): options/);
  });
});
