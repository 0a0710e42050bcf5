/**
 * OpenID Connect `prompt` and `max_age` at the authorization endpoint (OIDC Core
 * 3.1.2.1, 3.1.2.3, 3.1.2.6), through the Passport test app with `openid` on and
 * a frozen clock: each case with its exact redirect Location, login redirect or page.
 */
import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectErrorRedirect,
  expectRedirect,
  formFields,
  ISSUER,
  redeem,
  signedIn,
  signIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
} from '../support/authorize-app.js';
import { parApp, pushed, usePath, webRequest } from '../par/support.js';

const ISS = encodeURIComponent(ISSUER);

function oidcApp(provider: Parameters<typeof authorizeApp>[0] = {}): AuthorizeApp {
  return authorizeApp({
    ...provider,
    provider: { openid: { claims: () => ({}) }, ...provider.provider },
  });
}

/** spaParams for an OpenID Connect request, with `extra`. */
function oidc(extra: Record<string, string> = {}): Record<string, string> {
  return spaParams({ scope: 'openid profile', ...extra });
}

/** The exact error Location the client gets (state and iss included). */
function errorAt(error: string, description: string): string {
  const q = new URLSearchParams({ error, error_description: description });
  return `${CB}?${q.toString()}&state=st-123&iss=${ISS}`;
}

async function returnTo(agent: Agent): Promise<string> {
  return (await agent.get('/test/session')).body.returnTo as string;
}

/** Signs `agent` in and lets the Passport adapter record the login (its first sight). */
async function freshLogin(fixture: AuthorizeApp): Promise<Agent> {
  const agent = await signedIn(fixture.app);
  await agent.get(authorizePath(oidc()));
  return agent;
}

/** Allows the consent page of `html`, redeems the code; the id_token's `auth_time`. */
async function authTimeOf(fixture: AuthorizeApp, agent: Agent, html: string): Promise<number> {
  const res = await decide(agent, { ...formFields(html), decision: 'allow' });
  const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
  const token = await redeem(fixture.app, { code });
  expect(token.status, token.text).to.equal(200);
  const jwks = createLocalJWKSet((await request(fixture.app).get('/jwks')).body);
  const { payload } = await jwtVerify(token.body.id_token as string, jwks, {
    issuer: ISSUER,
    audience: 'spa',
    currentDate: new Date(fixture.clock()),
  });
  return payload['auth_time'] as number;
}

const nowOf = (fixture: AuthorizeApp) => Math.floor(fixture.clock() / 1000);

describe('OpenID Connect: prompt and max_age, bad input (OIDC Core 3.1.2.1)', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['an unknown prompt value', { prompt: 'bogus' }, "prompt 'bogus' is not supported"],
    ['a prompt value in the wrong case', { prompt: 'Login' }, "prompt 'Login' is not supported"],
    [
      'markup in prompt (quoted, never echoed raw)',
      { prompt: 'login <script>"x"' },
      "prompt '<script>?x?' is not supported",
    ],
    [
      'none with another value',
      { prompt: 'none consent' },
      'prompt=none must not be combined with other values (OpenID Connect Core 3.1.2.1)',
    ],
    ['a negative max_age', { max_age: '-1' }, 'max_age must be a whole number of seconds'],
    ['a fractional max_age', { max_age: '1.5' }, 'max_age must be a whole number of seconds'],
    [
      'an 11-digit max_age',
      { max_age: '1'.repeat(11) },
      'max_age must be a whole number of seconds',
    ],
    ['a word for max_age', { max_age: 'soon' }, 'max_age must be a whole number of seconds'],
    [
      'a malformed login_after',
      { login_after: '1e9' },
      'login_after must be a whole number of seconds',
    ],
  ];
  for (const [name, extra, description] of cases)
    it(`${name} → invalid_request, redirected with state and iss`, async () => {
      const fixture = oidcApp();
      const agent = await signedIn(fixture.app);
      const res = await agent.get(authorizePath(oidc(extra)));
      expect(res.status).to.equal(302);
      expect(res.headers['location']).to.equal(errorAt('invalid_request', description));
      expect(fixture.codes.saved).to.have.length(0);
    });

  it('a repeated prompt → invalid_request (RFC 6749 3.1: no parameter more than once)', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    const res = await agent.get(`${authorizePath(oidc({ prompt: 'login' }))}&prompt=none`);
    expectErrorRedirect(res, 'invalid_request');
  });

  it('the same value twice in prompt counts once', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    await consentPage(agent, oidc({ prompt: 'consent consent' }));
  });

  it('a plain OAuth request (no openid scope) ignores prompt and max_age', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    await consentPage(agent, spaParams({ prompt: 'bogus', max_age: 'soon' }));
    const res = await request(fixture.app).get(authorizePath(spaParams({ prompt: 'none' })));
    expect(res.headers['location']).to.equal('/login');
  });
});

describe('OpenID Connect: prompt=none (OIDC Core 3.1.2.6)', () => {
  it('nobody signed in → login_required to the redirect URI with state and iss; no login page', async () => {
    const fixture = oidcApp();
    const agent = request.agent(fixture.app);
    const res = await agent.get(authorizePath(oidc({ prompt: 'none' })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user is not signed in'),
    );
    expect(await returnTo(agent)).to.equal(null);
  });

  it('signed in, but the consent page would be shown → consent_required; nothing issued', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    const res = await agent.get(authorizePath(oidc({ prompt: 'none' })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(
      errorAt('consent_required', 'the user must be asked for consent'),
    );
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('signed in with a remembered consent → the code, no page', async () => {
    const fixture = oidcApp({ provider: { consent: { remember: true } } });
    const agent = await signedIn(fixture.app);
    const { form } = await consentPage(agent, oidc());
    await decide(agent, { ...form, decision: 'allow', remember: '1' });
    const res = await agent.get(authorizePath(oidc({ prompt: 'none' })));
    const params = expectRedirect(res, CB);
    expect(params.get('code')).to.be.a('string');
    expect(params.get('state')).to.equal('st-123');
  });

  it('a first-party client that skips consent → the code', async () => {
    const fixture = oidcApp({ provider: { consent: { skipForFirstParty: true } } });
    const agent = await signedIn(fixture.app);
    const res = await agent.get(authorizePath(oidc({ client_id: 'first', prompt: 'none' })));
    expect(expectRedirect(res, CB).get('code')).to.be.a('string');
  });

  it('a login older than max_age → login_required, even with consent remembered', async () => {
    const fixture = oidcApp({ provider: { consent: { skipForFirstParty: true } } });
    const agent = await freshLogin(fixture);
    fixture.clock.advance(61);
    const res = await agent.get(
      authorizePath(oidc({ client_id: 'first', prompt: 'none', max_age: '60' })),
    );
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user must sign in again'),
    );
    const ok = await agent.get(
      authorizePath(oidc({ client_id: 'first', prompt: 'none', max_age: '61' })),
    );
    expect(expectRedirect(ok, CB).get('code')).to.be.a('string');
  });

  it('a pushed request (RFC 9126) with prompt=none and nobody signed in → login_required', async () => {
    const fixture = parApp({ provider: { openid: { claims: () => ({}) } } });
    const uri = await pushed(fixture.app, webRequest({ scope: 'openid', prompt: 'none' }));
    const res = await request(fixture.app).get(usePath(uri));
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user is not signed in'),
    );
  });
});

describe('OpenID Connect: prompt=login and select_account (OIDC Core 3.1.2.1)', () => {
  it('a signed-in user is sent to the login; the way back drops login and carries login_after; then the consent page', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    fixture.clock.advance(10);
    const asked = nowOf(fixture);
    const res = await agent.get(authorizePath(oidc({ prompt: 'login consent', nonce: 'n1' })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    const back = new URL(await returnTo(agent), 'http://x');
    expect(back.pathname).to.equal('/authorize');
    expect(back.searchParams.get('prompt')).to.equal('consent');
    expect(back.searchParams.get('login_after')).to.equal(String(asked));
    expect(back.searchParams.get('nonce')).to.equal('n1');
    fixture.clock.advance(5);
    expect(await signIn(agent)).to.equal(`${back.pathname}${back.search}`);
    const page = await agent.get(`${back.pathname}${back.search}`);
    expect(page.status, page.text).to.equal(200);
    expect(await authTimeOf(fixture, agent, page.text)).to.equal(asked + 5);
  });

  it('back without a new login (the host let the signed-in user through) → login_required, not another round', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    fixture.clock.advance(10);
    await agent.get(authorizePath(oidc({ prompt: 'login' })));
    const res = await agent.get(await returnTo(agent));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user did not sign in again'),
    );
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('a crafted login_after in the future cannot loop the user: login_required after the login', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    const res = await agent.get(authorizePath(oidc({ login_after: String(nowOf(fixture) + 999) })));
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user did not sign in again'),
    );
  });

  it('select_account is a login (no account chooser here)', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    fixture.clock.advance(1);
    const res = await agent.get(authorizePath(oidc({ prompt: 'select_account' })));
    expect(res.headers['location']).to.equal('/login');
    const back = new URL(await returnTo(agent), 'http://x');
    expect(back.searchParams.has('prompt')).to.equal(false);
    expect(back.searchParams.get('login_after')).to.equal(String(nowOf(fixture)));
  });

  it('nobody signed in: one login, then the consent page (no second login)', async () => {
    const fixture = oidcApp();
    const agent = request.agent(fixture.app);
    const res = await agent.get(authorizePath(oidc({ prompt: 'login' })));
    expect(res.headers['location']).to.equal('/login');
    const back = await signIn(agent);
    await consentPage(agent, Object.fromEntries(new URL(back, 'http://x').searchParams));
  });

  it('a pushed request (RFC 9126) with prompt=login: login, then consent from the kept request', async () => {
    const fixture = parApp({ provider: { openid: { claims: () => ({}) } } });
    const agent = await signedIn(fixture.app);
    fixture.clock.advance(1);
    const uri = await pushed(fixture.app, webRequest({ scope: 'openid', prompt: 'login' }));
    const first = await agent.get(usePath(uri));
    expect(first.headers['location']).to.equal('/login');
    fixture.clock.advance(1);
    const back = await signIn(agent);
    expect(back).to.equal(usePath(uri));
    const page = await agent.get(back);
    expect(page.status, page.text).to.equal(200);
  });

  it('a pushed request with prompt=login, back without a new login → login_required', async () => {
    const fixture = parApp({ provider: { openid: { claims: () => ({}) } } });
    const agent = await signedIn(fixture.app);
    await agent.get(usePath(await pushed(fixture.app, webRequest({ scope: 'openid' }))));
    fixture.clock.advance(1);
    const uri = await pushed(fixture.app, webRequest({ scope: 'openid', prompt: 'login' }));
    expect((await agent.get(usePath(uri))).headers['location']).to.equal('/login');
    const res = await agent.get(usePath(uri));
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user did not sign in again'),
    );
  });
});

describe('OpenID Connect: prompt=consent (OIDC Core 3.1.2.1)', () => {
  it('shows the page even when a remembered consent would skip it', async () => {
    const fixture = oidcApp({ provider: { consent: { remember: true } } });
    const agent = await signedIn(fixture.app);
    const { form } = await consentPage(agent, oidc());
    await decide(agent, { ...form, decision: 'allow', remember: '1' });
    expect(expectRedirect(await agent.get(authorizePath(oidc())), CB).get('code')).to.be.a(
      'string',
    );
    await consentPage(agent, oidc({ prompt: 'consent' }));
  });

  it('shows the page to a first-party client that would skip it', async () => {
    const fixture = oidcApp({ provider: { consent: { skipForFirstParty: true } } });
    const agent = await signedIn(fixture.app);
    await consentPage(agent, oidc({ client_id: 'first', prompt: 'consent' }));
  });
});

describe('OpenID Connect: max_age (OIDC Core 3.1.2.1), frozen clock', () => {
  it('a login within max_age goes on; older than max_age: to the login, then auth_time is the new login', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    const loggedIn = nowOf(fixture);
    fixture.clock.advance(100);
    // "If the elapsed time is greater than this value, the OP MUST attempt to actively re-authenticate"
    const within = await consentPage(agent, oidc({ max_age: '100' }));
    expect(await authTimeOf(fixture, agent, within.html)).to.equal(loggedIn);
    const res = await agent.get(authorizePath(oidc({ max_age: '99' })));
    expect(res.headers['location']).to.equal('/login');
    const back = new URL(await returnTo(agent), 'http://x');
    expect(back.searchParams.has('max_age')).to.equal(false);
    expect(back.searchParams.get('login_after')).to.equal(String(nowOf(fixture)));
    fixture.clock.advance(3);
    await signIn(agent);
    const page = await agent.get(`${back.pathname}${back.search}`);
    expect(page.status, page.text).to.equal(200);
    expect(await authTimeOf(fixture, agent, page.text)).to.equal(loggedIn + 103);
  });

  it('max_age=0 always re-authenticates, once', async () => {
    const fixture = oidcApp();
    const agent = await freshLogin(fixture);
    const res = await agent.get(authorizePath(oidc({ max_age: '0' })));
    expect(res.headers['location']).to.equal('/login');
    const back = await returnTo(agent);
    fixture.clock.advance(1);
    await signIn(agent);
    expect((await agent.get(back)).status).to.equal(200);
  });
});
