/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0) through
 * the Passport test app: discovery and mounting, the three ways a request goes
 * (nobody signed in, a hint naming the user, the question), the answers, the
 * pages' language and headers, the event and the site adapter's `logout`.
 * Refusals and attacks are in ./end-session-abuse.test.ts.
 */
import { expect } from 'chai';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { createAuthorizationServer, type SiteAdapter } from '../../index.js';
import {
  authorizeApp,
  expectErrorPage,
  htmlEscape,
  signedIn,
  USERS,
} from '../support/authorize-app.js';
import {
  answer,
  askedToLogOut,
  csrfOf,
  endSessionPath,
  eventsDelivered,
  expectLoggedOut,
  expectPageHeaders,
  expectStillSignedIn,
  hintFor,
  ISSUER,
  LO,
  LO_PAIRWISE,
  LO_TENANT,
  logoutApp,
  sessionUser,
} from './end-session-fixture.js';

describe('end_session: discovery and mounting', () => {
  it('openid-configuration names end_session_endpoint (RP-Initiated Logout 2.1)', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get('/.well-known/openid-configuration');
    expect(res.status).to.equal(200);
    expect(res.body.end_session_endpoint).to.equal(`${ISSUER}/end_session`);
  });

  it('with openid off: no end_session_endpoint, nothing mounted, endSession() is a TypeError', async () => {
    const fx = authorizeApp();
    const metadata = await request(fx.app).get('/.well-known/oauth-authorization-server');
    expect(metadata.body).to.not.have.property('end_session_endpoint');
    expect((await request(fx.app).get('/end_session')).status).to.equal(404);
    expect(() => fx.oauth.endSession()).to.throw(
      TypeError,
      'endSession(): OpenID Connect is off; set options.openid to offer logout',
    );
  });

  it('options.endpoints.end_session moves it, in the metadata and in router()', async () => {
    const fx = logoutApp({ provider: { endpoints: { end_session: '/logout' } } });
    const res = await request(fx.app).get('/.well-known/openid-configuration');
    expect(res.body.end_session_endpoint).to.equal(`${ISSUER}/logout`);
    expect((await request(fx.app).get('/logout')).status).to.equal(200);
    expect((await request(fx.app).get('/end_session')).status).to.equal(404);
  });

  it('router({ endSession: false }) leaves it out', async () => {
    const oauth = createAuthorizationServer({
      issuer: ISSUER,
      openid: { claims: () => ({}) },
      clients: [],
    });
    const app = express().use(oauth.router({ authorize: false, endSession: false }));
    expect((await request(app).get('/end_session')).status).to.equal(404);
  });

  it('router({ endSession: { misspelled } }) is a TypeError naming the option', () => {
    const oauth = createAuthorizationServer({ issuer: ISSUER, openid: { claims: () => ({}) } });
    expect(() => oauth.router({ endSession: { loginUrll: '/login' } as never })).to.throw(
      TypeError,
      /endSession\(\): options.*loginUrll/,
    );
  });

  it('oauth.endSession() mounts alone, at any path; other methods are 405', async () => {
    const oauth = createAuthorizationServer({ issuer: ISSUER, openid: { claims: () => ({}) } });
    const app = express();
    app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
    app.use((req, _res, next) => {
      (req as { isAuthenticated?: () => boolean }).isAuthenticated = () => false;
      next();
    });
    app.all('/bye', oauth.endSession());
    const res = await request(app).get('/bye');
    expectPageHeaders(res);
    expect(res.text).to.include('You have signed out of auth.example.test.');
    const put = await request(app).put('/bye');
    expect(put.status).to.equal(405);
    expect(put.headers['allow']).to.equal('GET, POST');
  });
});

describe('end_session: nobody signed in (nothing to end, RP-Initiated Logout 4)', () => {
  it('the way back: 302 to the registered URI with state, no-store', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get(
      endSessionPath({ client_id: 'rp', post_logout_redirect_uri: LO, state: 'st-1' }),
    );
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(`${LO}?state=st-1`);
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it('the client from an id_token_hint alone (even an expired one)', async () => {
    const fx = logoutApp();
    const hint = await hintFor(fx, 'user-alice', 'rp', { ageSeconds: 86_400 });
    const res = await request(fx.app).get(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO }),
    );
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(LO);
  });

  it('the Location keeps the registered URI’s own query and adds state', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get(
      endSessionPath({ client_id: 'rp', post_logout_redirect_uri: LO_TENANT, state: 'a b&c' }),
    );
    expect(res.headers['location']).to.equal(`${LO_TENANT}&state=a+b%26c`);
    expect(new URL(res.headers['location'] as string).searchParams.getAll('state')).to.deep.equal([
      'a b&c',
    ]);
  });

  it('no way back: the signed-out page, with the consent page’s headers', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get('/end_session');
    expectPageHeaders(res);
    expect(res.headers['content-language']).to.equal('en');
    expect(res.text).to.include('<h1>Signed out</h1>');
  });

  it('a POST form request is read as a GET query is (RP-Initiated Logout 2)', async () => {
    const fx = logoutApp();
    const res = await request(fx.app)
      .post('/end_session')
      .type('form')
      .send({ client_id: 'rp', post_logout_redirect_uri: LO, state: 's' });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal(`${LO}?state=s`);
  });
});

describe('end_session: a valid id_token_hint naming the signed-in user → logged out at once', () => {
  it('GET: no page, the session ends, 302 back with state; the next /authorize asks for a login', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'rp');
    const res = await agent.get(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO, state: 'xyz' }),
    );
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(`${LO}?state=xyz`);
    await expectLoggedOut(agent);
  });

  it('POST with client_id too: 303 back', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'rp');
    const res = await agent
      .post('/end_session')
      .type('form')
      .send({ id_token_hint: hint, client_id: 'rp', post_logout_redirect_uri: LO });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal(LO);
    await expectLoggedOut(agent);
  });

  it('HEAD with the same hint ends nothing (RFC 9110 9.3.2: HEAD is safe)', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'rp');
    const res = await agent.head(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO, state: 'xyz' }),
    );
    expect(res.status).to.equal(200);
    expect(res.headers['location']).to.equal(undefined);
    expect(res.headers['cache-control']).to.equal('no-store');
    await eventsDelivered();
    expect(fx.events).to.deep.equal([]);
    await expectStillSignedIn(agent);
  });

  it('an expired hint still names the user (RP-Initiated Logout 2)', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'rp', { ageSeconds: 7 * 86_400 });
    const res = await agent.get(endSessionPath({ id_token_hint: hint }));
    expectPageHeaders(res);
    expect(res.text).to.include('<h1>Signed out</h1>');
    await expectLoggedOut(agent);
  });

  it('emits session.ended with the subject and the client, nothing else', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    await agent.get(endSessionPath({ id_token_hint: await hintFor(fx, 'user-alice', 'rp') }));
    await eventsDelivered();
    expect(fx.events).to.deep.equal([
      { type: 'session.ended', time: fx.clock(), subject: 'user-alice', clientId: 'rp' },
    ]);
  });

  it('a pairwise client: its hint carries the pairwise sub, which names the user', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'pw');
    const res = await agent.get(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO_PAIRWISE }),
    );
    expect(res.headers['location']).to.equal(LO_PAIRWISE);
    await expectLoggedOut(agent);
  });

  it('a pairwise client’s hint with the local subject does not name the user: the question', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'pw', { raw: true });
    await askedToLogOut(agent, { id_token_hint: hint, post_logout_redirect_uri: LO_PAIRWISE });
    await expectStillSignedIn(agent);
  });
});

describe('end_session: the question (RP-Initiated Logout 2: "the OP MUST ask the End-User")', () => {
  it('no hint: the page names the client and the user; nothing ends until answered', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get(endSessionPath({ client_id: 'rp', post_logout_redirect_uri: LO }));
    expectPageHeaders(res);
    expect(res.text).to.include('<title>Sign out of auth.example.test?</title>');
    expect(res.text).to.include(
      '<p><strong>Relying Party</strong> asks you to sign out of auth.example.test.</p>',
    );
    expect(res.text).to.include('<strong>Alice Liddell</strong>');
    expect(res.text).to.include('<form method="post" action="/end_session">');
    expect(csrfOf(res.text)).to.match(/^[A-Za-z0-9_-]{43}$/);
    await expectStillSignedIn(agent);
  });

  it('no client at all: the page asks without naming one', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get('/end_session');
    expectPageHeaders(res);
    expect(res.text).to.include('<p>Do you want to sign out of auth.example.test?</p>');
  });

  it('a hint for another user than the one signed in: the question, not a logout', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app, 'alice');
    const hint = await hintFor(fx, 'user-bob', 'rp');
    await askedToLogOut(agent, { id_token_hint: hint, post_logout_redirect_uri: LO });
    await expectStillSignedIn(agent);
  });

  it('yes: logged out, 303 to the way back with state; session.ended', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, {
      client_id: 'rp',
      post_logout_redirect_uri: LO,
      state: 'st',
    });
    const res = await answer(agent, { csrf_token: csrf, decision: 'yes' });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal(`${LO}?state=st`);
    expect(res.headers['cache-control']).to.equal('no-store');
    await expectLoggedOut(agent);
    await eventsDelivered();
    expect(fx.events.map((e) => [e.type, 'clientId' in e ? e.clientId : null])).to.deep.equal([
      ['session.ended', 'rp'],
    ]);
  });

  it('yes without a way back: the signed-out page', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, {});
    const res = await answer(agent, { csrf_token: csrf, decision: 'yes' });
    expectPageHeaders(res);
    expect(res.text).to.include('<h1>Signed out</h1>');
    await expectLoggedOut(agent);
  });

  it('no: still signed in, a page that says so, a link back with state; no event', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, {
      client_id: 'rp',
      post_logout_redirect_uri: LO,
      state: 'st',
    });
    const res = await answer(agent, { csrf_token: csrf, decision: 'no' });
    expectPageHeaders(res);
    expect(res.text).to.include('<h1>Still signed in</h1>');
    expect(res.text).to.include('You are still signed in to auth.example.test.');
    expect(res.text).to.include(`<a href="${LO}?state=st">Return to Relying Party</a>`);
    await expectStillSignedIn(agent);
    await eventsDelivered();
    expect(fx.events).to.deep.equal([]);
  });

  it('the user signed out elsewhere before answering yes: nothing to end, the way back', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp', post_logout_redirect_uri: LO });
    await agent.post('/test/logout');
    const res = await answer(agent, { csrf_token: csrf, decision: 'yes' });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal(LO);
    await eventsDelivered();
    expect(fx.events).to.deep.equal([]);
  });

  it('no, after signing out elsewhere: the page does not claim a session that is gone', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp' });
    await agent.post('/test/logout');
    const res = await answer(agent, { csrf_token: csrf, decision: 'no' });
    expectPageHeaders(res);
    expect(res.text).to.include('<h1>Signed out</h1>');
  });

  it('a second question replaces the first: the first page’s token no longer answers', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const first = await askedToLogOut(agent, { client_id: 'rp' });
    const second = await askedToLogOut(agent, { client_id: 'rp2' });
    expect(second).to.not.equal(first);
    expectErrorPage(await answer(agent, { csrf_token: first, decision: 'yes' }), 'invalid_request');
    await expectStillSignedIn(agent);
  });
});

describe('end_session: the pages speak the user’s language', () => {
  it('ui_locales=de: the question in German, and the answer page too (kept with the request)', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get(endSessionPath({ client_id: 'rp', ui_locales: 'de' }));
    expect(res.headers['content-language']).to.equal('de');
    expect(res.text).to.include('<title>Von auth.example.test abmelden?</title>');
    expect(res.text).to.include('Ja, abmelden');
    const done = await answer(agent, { csrf_token: csrfOf(res.text), decision: 'no' });
    expect(done.headers['content-language']).to.equal('de');
    expect(done.text).to.include('Sie sind bei auth.example.test weiterhin angemeldet.');
  });

  for (const [tag, title] of [
    ['fr', 'Se déconnecter de auth.example.test ?'],
    ['es', '¿Cerrar sesión en auth.example.test?'],
    ['ja', 'auth.example.test からサインアウトしますか？'],
  ] as const)
    it(`Accept-Language: ${tag}`, async () => {
      const fx = logoutApp();
      const agent = await signedIn(fx.app);
      const res = await agent.get('/end_session').set('Accept-Language', tag);
      expect(res.headers['content-language']).to.equal(tag);
      expect(res.text).to.include(`<title>${htmlEscape(title)}</title>`);
    });

  it('a refusal in German: the error page heads a sign-out, not an authorization', async () => {
    const fx = logoutApp();
    const res = await request(fx.app)
      .get(endSessionPath({ client_id: 'rp', post_logout_redirect_uri: 'https://evil.example/' }))
      .set('Accept-Language', 'de');
    expect(res.status).to.equal(400);
    expect(res.headers['location']).to.equal(undefined);
    expect(res.headers['content-language']).to.equal('de');
    expect(res.text).to.include('<code>invalid_request</code>');
    expect(res.text).to.include('<h1>Diese Abmeldeanfrage kann nicht abgeschlossen werden</h1>');
  });

  it('the signed-out page in Japanese', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get(endSessionPath({ ui_locales: 'ja' }));
    expect(res.text).to.include('auth.example.test からサインアウトしました。');
  });
});

describe('end_session: the site adapter’s logout', () => {
  const custom = (logout?: SiteAdapter['logout']): SiteAdapter => ({
    currentUser: () => ({ subject: 'user-alice', name: 'Alice' }),
    login: () => {
      throw new Error('not used');
    },
    ...(logout === undefined ? {} : { logout }),
  });

  it('a custom adapter without logout: a SetupError naming the fix, nothing redirected', async () => {
    const fx = logoutApp({ authorize: { siteAdapter: custom() } });
    const hint = await hintFor(fx, 'user-alice', 'rp');
    const res = await request(fx.app).get(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO }),
    );
    expect(res.status).to.equal(500);
    expect(res.text).to.equal('host error handler');
    expect(fx.errors).to.have.length(1);
    expect((fx.errors[0] as Error).name).to.equal('SetupError');
    expect((fx.errors[0] as Error).message).to.equal(
      'oauth2-stateless: endSession(): options.siteAdapter has no logout(req, res); add one that ends your login session (e.g. with req.logout()), or use the default Passport adapter',
    );
  });

  it('a custom adapter with logout: called once, then the way back', async () => {
    let calls = 0;
    const fx = logoutApp({
      authorize: {
        siteAdapter: custom(async () => {
          calls += 1;
        }),
      },
    });
    const hint = await hintFor(fx, 'user-alice', 'rp');
    const res = await request(fx.app).get(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO }),
    );
    expect(res.headers['location']).to.equal(LO);
    expect(calls).to.equal(1);
  });

  it('the Passport adapter: req.logout() regenerates the session (a new session id)', async () => {
    const fx = logoutApp();
    const agent = request.agent(fx.app);
    const alice = USERS[0]!;
    const login = await agent
      .post('/login')
      .type('form')
      .send({ username: alice.username, password: alice.password });
    const res = await agent.get(
      endSessionPath({ id_token_hint: await hintFor(fx, 'user-alice', 'rp') }),
    );
    const sid = (r: request.Response) =>
      /connect\.sid=([^;]+)/.exec(String(r.headers['set-cookie']))?.[1];
    expect(sid(login)).to.be.a('string');
    expect(sid(res), 'a new session id').to.be.a('string').and.not.equal(sid(login));
    expect(await sessionUser(agent)).to.equal(null);
  });

  it('the Passport adapter: a req.logout() that leaves the login in the session is a SetupError', async () => {
    const oauth = createAuthorizationServer({ issuer: ISSUER, openid: { claims: () => ({}) } });
    const app = express();
    app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
    app.use((req, _res, next) => {
      // What a Passport without a session manager leaves: req.user cleared, the session untouched.
      (req.session as unknown as { passport: unknown }).passport = { user: 'user-alice' };
      Object.assign(req, {
        user: { id: 'user-alice' },
        isAuthenticated: () => true,
        logout: (done: () => void) => done(),
      });
      next();
    });
    app.all('/end_session', oauth.endSession());
    const errors: Error[] = [];
    app.use((err: Error, _req: express.Request, res: express.Response, _next: unknown) => {
      errors.push(err);
      res.sendStatus(500);
    });
    const agent = request.agent(app);
    const csrf = csrfOf((await agent.get('/end_session')).text);
    const res = await agent
      .post('/end_session')
      .type('form')
      .send({ csrf_token: csrf, decision: 'yes' });
    expect(res.status).to.equal(500);
    expect(errors.map((e) => [e.name, e.message])).to.deep.equal([
      [
        'SetupError',
        'oauth2-stateless: endSession(): req.logout() left the Passport login in the session. Did you forget app.use(passport.initialize()) and app.use(passport.session()) before endSession()?',
      ],
    ]);
  });

  it('the other user of the fixture can still sign in afterwards', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app, 'alice');
    await agent.get(endSessionPath({ id_token_hint: await hintFor(fx, 'user-alice', 'rp') }));
    const bob = USERS[1]!;
    await agent
      .post('/login')
      .type('form')
      .send({ username: bob.username, password: bob.password });
    expect(await sessionUser(agent)).to.equal('user-bob');
  });
});
