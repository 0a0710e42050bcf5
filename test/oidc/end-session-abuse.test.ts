/**
 * The end-session endpoint under attack (OpenID Connect RP-Initiated Logout
 * 1.0): every refusal is the 400 error page with its exact text, never a
 * redirect, and ends nothing. Open redirects (prefix, suffix, case, trailing
 * slash, another client's URI), cross-client hints, CSRF logout, replays,
 * injection into pages and Locations, oversize and repeated parameters,
 * prototype keys.
 */
import { expect } from 'chai';
import request from 'supertest';
import { signJwt } from '../../lib/tokens/jwt.js';
import { generateSigningKey, KeySet } from '../../lib/tokens/keys.js';
import { signIdToken } from '../../lib/tokens/id-token.js';
import {
  authorizePath,
  CB,
  EVIL_NAME,
  expectErrorPage,
  htmlEscape,
  signedIn,
  type Agent,
} from '../support/authorize-app.js';
import {
  answer,
  askedToLogOut,
  endSessionPath,
  eventsDelivered,
  expectLoggedOut,
  expectPageHeaders,
  expectStillSignedIn,
  hintFor,
  ISSUER,
  LO,
  LO_OTHER,
  LO_TENANT,
  logoutApp,
} from './end-session-fixture.js';

const NOT_REGISTERED = 'post_logout_redirect_uri is not registered for this client';
const CLIENT_NEEDED =
  'post_logout_redirect_uri needs client_id or id_token_hint to name the client';
const UNKNOWN = 'the client_id is unknown';
const OTHER_CLIENT = 'id_token_hint was not issued to this client';
const BAD_HINT = 'id_token_hint is invalid';
const FORGED = 'the form was not sent by this authorization server (CSRF token missing or wrong)';
const EXPIRED =
  'this sign-out request expired or was already answered; please start again from the application';

/** Asserts the 400 error page (never a redirect) with `code` and the exact English `description`. */
function expectRefusal(res: request.Response, description: string, code = 'invalid_request'): void {
  expectErrorPage(res, code);
  expect(res.text).to.include('<h1>This sign-out request cannot be completed</h1>');
  expect(res.text).to.include(`<p>${htmlEscape(description)}</p>`);
}

/** GETs `/end_session` as `agent` (signed in as alice) and checks the refusal and that alice stays. */
async function refusedSignedIn(
  agent: Agent,
  params: Record<string, string> | readonly (readonly [string, string])[],
  description: string,
): Promise<void> {
  expectRefusal(await agent.get(endSessionPath(params)), description);
  await expectStillSignedIn(agent);
}

describe('end_session abuse: open redirect through post_logout_redirect_uri', () => {
  // RP-Initiated Logout 3: "The OP MUST NOT perform post-logout redirection if the
  // post_logout_redirect_uri value supplied does not exactly match one of the
  // previously registered post_logout_redirect_uris values."
  const cases: [string, string, string][] = [
    ['a path below the registered one', 'rp', `${LO}/evil`],
    ['a suffix', 'rp', `${LO}x`],
    ['a prefix of the registered one', 'rp', 'https://app.example/logged'],
    ['another case in the host', 'rp', 'https://APP.example/logged-out'],
    ['another case in the scheme', 'rp', 'HTTPS://app.example/logged-out'],
    ['a trailing slash', 'rp', `${LO}/`],
    ['a query added', 'rp', `${LO}?next=https://evil.example`],
    ['a fragment added', 'rp', `${LO}#evil`],
    ['userinfo pointing elsewhere', 'rp', 'https://app.example@evil.example/logged-out'],
    ['a percent-encoded spelling', 'rp', 'https://app.example/logged%2Dout'],
    ['a registered query dropped', 'rp', 'https://app.example/bye'],
    ['a registered query changed', 'rp', 'https://app.example/bye?tenant=b'],
    ["another client's registered URI", 'rp', LO_OTHER],
    ['the client’s redirect_uri (not a post-logout one)', 'rp', CB],
    ['javascript:', 'rp', 'javascript:alert(1)'],
    ['any URI of a client that registered none', 'spa', CB],
  ];
  for (const [name, clientId, uri] of cases)
    it(`${name} → the error page, no Location`, async () => {
      const fx = logoutApp();
      const res = await request(fx.app).get(
        endSessionPath({ client_id: clientId, post_logout_redirect_uri: uri, state: 's' }),
      );
      expectRefusal(res, NOT_REGISTERED);
    });

  it('another client’s URI with that other client’s name in a hint of ours: still refused', async () => {
    const fx = logoutApp();
    const hint = await hintFor(fx, 'user-alice', 'rp');
    const res = await request(fx.app).get(
      endSessionPath({ id_token_hint: hint, post_logout_redirect_uri: LO_OTHER }),
    );
    expectRefusal(res, NOT_REGISTERED);
  });

  it('signed in with a valid hint: an unregistered URI ends nothing', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'rp');
    await refusedSignedIn(
      agent,
      { id_token_hint: hint, post_logout_redirect_uri: `${LO}/` },
      NOT_REGISTERED,
    );
    await eventsDelivered();
    expect(fx.events).to.deep.equal([]);
  });

  it('a URI with no client named (neither client_id nor id_token_hint)', async () => {
    const fx = logoutApp();
    expectRefusal(
      await request(fx.app).get(endSessionPath({ post_logout_redirect_uri: LO })),
      CLIENT_NEEDED,
    );
  });

  it('an unknown client: the authorization endpoint’s words, nothing more', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get(
      endSessionPath({ client_id: 'nobody', post_logout_redirect_uri: LO }),
    );
    expectRefusal(res, UNKNOWN);
    const authorize = await request(fx.app).get(authorizePath({ client_id: 'nobody' }));
    expect(authorize.text).to.include(`<p>${UNKNOWN}</p>`);
    expectRefusal(await request(fx.app).get(endSessionPath({ client_id: 'nobody' })), UNKNOWN);
  });

  it('an empty post_logout_redirect_uri counts as absent: no redirect', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get(`/end_session?client_id=rp&post_logout_redirect_uri=`);
    expectPageHeaders(res);
    expect(res.text).to.include('<h1>Signed out</h1>');
  });
});

describe('end_session abuse: id_token_hint', () => {
  it('a hint of another client than client_id → ID_TOKEN_HINT_OTHER_CLIENT; alice stays', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'user-alice', 'rp2');
    // RP-Initiated Logout 2: "When both client_id and id_token_hint are present, the OP
    // MUST verify that the Client Identifier matches the one used when issuing the ID Token."
    await refusedSignedIn(
      agent,
      { id_token_hint: hint, client_id: 'rp', post_logout_redirect_uri: LO },
      OTHER_CLIENT,
    );
  });

  it('junk, a hint signed by another server’s key, an access token of ours: invalid', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const foreign = signIdToken(new KeySet([generateSigningKey('ES256')]), {
      issuer: ISSUER,
      subject: 'user-alice',
      clientId: 'rp',
      accessToken: 'x',
      now: Math.floor(fx.clock() / 1000),
      lifetime: 3600,
      context: {},
    });
    const now = Math.floor(fx.clock() / 1000);
    const accessToken = signJwt(
      fx.oauth.provider.config.keys,
      { iss: ISSUER, sub: 'user-alice', aud: 'rp', iat: now, exp: now + 60 },
      'at+jwt',
    );
    for (const hint of ['junk', foreign, accessToken])
      await refusedSignedIn(agent, { id_token_hint: hint }, BAD_HINT);
  });

  it('a long junk hint (as long as a POST body may be) → invalid', async () => {
    const fx = logoutApp();
    const res = await request(fx.app)
      .post('/end_session')
      .type('form')
      .send({ id_token_hint: `${'a'.repeat(8000)}.${'b'.repeat(8000)}.c` });
    expectRefusal(res, BAD_HINT);
  });

  it('a hint of another user, POSTed cross-site with the victim’s cookies: only the question', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app, 'alice');
    const res = await agent
      .post('/end_session')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ id_token_hint: await hintFor(fx, 'user-bob', 'rp') });
    expectPageHeaders(res);
    expect(res.text).to.include('name="decision" value="yes"');
    await expectStillSignedIn(agent);
  });
});

describe('end_session abuse: CSRF logout and replays', () => {
  it('GET without a hint never logs out, even carrying decision=yes and a real token', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp' });
    const res = await agent.get(endSessionPath({ decision: 'yes', csrf_token: csrf }));
    expectPageHeaders(res);
    expect(res.text).to.include('name="decision" value="yes"');
    await expectStillSignedIn(agent);
  });

  it('POST yes without a CSRF token → 400, nothing ended', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    await askedToLogOut(agent, { client_id: 'rp', post_logout_redirect_uri: LO });
    expectRefusal(await answer(agent, { decision: 'yes' }), FORGED);
    await expectStillSignedIn(agent);
  });

  it('POST yes with a wrong token, or the attacker’s own session’s token → 400, nothing ended', async () => {
    const fx = logoutApp();
    const victim = await signedIn(fx.app, 'alice');
    const attacker = await signedIn(fx.app, 'bob');
    const attackerToken = await askedToLogOut(attacker, { client_id: 'rp' });
    const real = await askedToLogOut(victim, { client_id: 'rp' });
    const wrong = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`;
    expectRefusal(await answer(victim, { csrf_token: wrong, decision: 'yes' }), FORGED);
    await askedToLogOut(victim, { client_id: 'rp' });
    expectRefusal(await answer(victim, { csrf_token: attackerToken, decision: 'yes' }), FORGED);
    await expectStillSignedIn(victim);
  });

  it('POST yes with no question asked in this session → 400 expired, nothing ended', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    expectRefusal(await answer(agent, { csrf_token: 'x', decision: 'yes' }), EXPIRED);
    await expectStillSignedIn(agent);
  });

  it('replaying the POST after the logout → 400, even after signing in again', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp', post_logout_redirect_uri: LO });
    expect((await answer(agent, { csrf_token: csrf, decision: 'yes' })).status).to.equal(303);
    expectRefusal(await answer(agent, { csrf_token: csrf, decision: 'yes' }), EXPIRED);
    await agent.post('/test/login/alice');
    expectRefusal(await answer(agent, { csrf_token: csrf, decision: 'yes' }), EXPIRED);
    await expectStillSignedIn(agent);
    await eventsDelivered();
    expect(fx.events).to.have.length(1);
  });

  it('the question expires after transactionLifetime (600 s by default)', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp' });
    fx.clock.advance(600);
    expectRefusal(await answer(agent, { csrf_token: csrf, decision: 'yes' }), EXPIRED);
    await expectStillSignedIn(agent);
  });

  it('a decision other than yes or no → 400, and the question is used up', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp' });
    expectRefusal(
      await answer(agent, { csrf_token: csrf, decision: 'YES' }),
      'decision must be yes or no',
    );
    expectRefusal(await answer(agent, { csrf_token: csrf, decision: 'yes' }), EXPIRED);
    await expectStillSignedIn(agent);
  });

  it('the way back is the kept request’s, never the POST body’s', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, {
      client_id: 'rp',
      post_logout_redirect_uri: LO,
      state: 'kept',
    });
    const res = await answer(agent, {
      csrf_token: csrf,
      decision: 'yes',
      post_logout_redirect_uri: 'https://evil.example/',
      state: 'forged',
      client_id: 'rp2',
    });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.equal(`${LO}?state=kept`);
    await expectLoggedOut(agent);
  });
});

describe('end_session abuse: injection into pages and Locations', () => {
  const STATE = `"><script>alert(1)</script>&iss=https://evil.example&x='`;

  it('state is form-encoded into the Location: one state, no extra parameter, no markup', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get(
      endSessionPath({ client_id: 'rp', post_logout_redirect_uri: LO_TENANT, state: STATE }),
    );
    const location = res.headers['location'] as string;
    expect(location).to.equal(`${LO_TENANT}&${new URLSearchParams({ state: STATE }).toString()}`);
    expect(location).to.not.match(/[<>"' ]/);
    const params = new URL(location).searchParams;
    expect([...params.keys()]).to.deep.equal(['tenant', 'state']);
    expect(params.get('state')).to.equal(STATE);
  });

  it('state in the "no" page’s link back is encoded, then escaped', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, {
      client_id: 'rp',
      post_logout_redirect_uri: LO,
      state: STATE,
    });
    const res = await answer(agent, { csrf_token: csrf, decision: 'no' });
    const href = `${LO}?${new URLSearchParams({ state: STATE }).toString()}`;
    expect(res.text).to.include(`<a href="${htmlEscape(href)}">`);
    expect(res.text).to.not.include('<script>');
  });

  it('state with a line break or non-ASCII → 400 (it could not be echoed safely)', async () => {
    const fx = logoutApp();
    const description = 'state must be 1 to 2048 characters of %x20-7E (RFC 6749 Appendix A.5)';
    for (const state of ['a\r\nSet-Cookie: x=1', 'café'])
      expectRefusal(
        await request(fx.app).get(
          endSessionPath({ client_id: 'rp', post_logout_redirect_uri: LO, state }),
        ),
        description,
      );
  });

  it('a client’s name with markup is escaped on the question page', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get(endSessionPath({ client_id: 'evil' }));
    expectPageHeaders(res);
    expect(res.text).to.include(`<strong>${htmlEscape(EVIL_NAME)}</strong>`);
    expect(res.text).to.not.include('<script>');
  });

  it('a user’s name with markup is escaped', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app, 'bob');
    const res = await agent.get('/end_session');
    expect(res.text).to.include(`<strong>${htmlEscape('Bob <b>"the builder"</b>')}</strong>`);
  });

  it('markup in ui_locales and logout_hint reaches no page', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get(
      endSessionPath({
        ui_locales: '"><script>x</script>',
        logout_hint: '<img src=x onerror=alert(1)>',
      }),
    );
    expectPageHeaders(res);
    expect(res.text).to.include('<html lang="en" dir="ltr">');
    expect(res.text).to.not.include('<script>x');
    expect(res.text).to.not.include('<img');
  });

  it('a parameter name quoted in an error description is escaped on the page', async () => {
    const fx = logoutApp();
    const res = await request(fx.app).get('/end_session?%3Cscript%3E=1&%3Cscript%3E=2');
    expectRefusal(res, "the parameter '<script>' must not be repeated");
    expect(res.text).to.not.include('<script>');
  });
});

describe('end_session abuse: parameters (repeated, oversize, prototype keys)', () => {
  for (const name of ['client_id', 'post_logout_redirect_uri', 'state', 'id_token_hint'])
    it(`a repeated ${name} → 400 (GET and POST)`, async () => {
      const fx = logoutApp();
      const pairs: [string, string][] = [
        ['client_id', 'rp'],
        [name, name === 'post_logout_redirect_uri' ? LO : 'x'],
        [name, name === 'post_logout_redirect_uri' ? 'https://evil.example/' : 'y'],
      ];
      const description = `the parameter '${name}' must not be repeated`;
      expectRefusal(await request(fx.app).get(endSessionPath(pairs)), description);
      const body = new URLSearchParams(pairs).toString();
      const post = await request(fx.app).post('/end_session').type('form').send(body);
      expectRefusal(post, description);
    });

  const limits: [string, number][] = [
    ['client_id', 2048],
    ['post_logout_redirect_uri', 2048],
    ['state', 2048],
    ['ui_locales', 256],
    ['logout_hint', 1024],
  ];
  for (const [name, limit] of limits)
    it(`${name} over ${limit} characters → 400; at ${limit}, no length refusal`, async () => {
      const fx = logoutApp();
      const over = await request(fx.app).get(endSessionPath({ [name]: 'a'.repeat(limit + 1) }));
      expectRefusal(over, `${name} must be at most ${limit} characters`);
      const at = await request(fx.app).get(endSessionPath({ [name]: 'a'.repeat(limit) }));
      expect(at.text).to.not.include('must be at most');
    });

  it('a POST body over 16 KiB → 400, nothing ended', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    const res = await agent
      .post('/end_session')
      .type('form')
      .send({ client_id: 'rp', logout_hint: 'a'.repeat(16_384) });
    expectRefusal(res, 'the request body is larger than 16384 bytes');
    await expectStillSignedIn(agent);
  });

  it('malformed percent-encoding → 400', async () => {
    const fx = logoutApp();
    expectRefusal(
      await request(fx.app).get('/end_session?state=%ZZ'),
      'the query string has malformed percent-encoding',
    );
  });

  it('__proto__, constructor and bracketed names are plain unknown parameters', async () => {
    const fx = logoutApp();
    const query =
      `__proto__=x&constructor=y&__proto__%5Bpost_logout_redirect_uri%5D=https%3A%2F%2Fevil.example` +
      `&client_id=rp&post_logout_redirect_uri=${encodeURIComponent(LO)}&state=s`;
    const res = await request(fx.app).get(`/end_session?${query}`);
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(`${LO}?state=s`);
    expect(({} as Record<string, unknown>)['post_logout_redirect_uri']).to.equal(undefined);
  });

  it('a __proto__ field in a POST answer does not stand in for the CSRF token', async () => {
    const fx = logoutApp();
    const agent = await signedIn(fx.app);
    await askedToLogOut(agent, { client_id: 'rp' });
    const res = await agent
      .post('/end_session')
      .type('form')
      .send('decision=yes&__proto__=x&__proto__%5Bcsrf_token%5D=x');
    expectRefusal(res, FORGED);
    await expectStillSignedIn(agent);
  });
});
