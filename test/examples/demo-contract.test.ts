/**
 * The demo's fixed contract (issue 3, "The demo (`npm start`) — a fixed
 * contract"), driven the way a test outside this repository would: only the
 * names the issue promises (routes, form fields, client ids and secrets, the
 * demo user), HTML read as HTML, the consent form posted with whatever hidden
 * inputs it carries.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type { Response } from 'supertest';
import { createDemoApp } from '../../examples/demo-app.js';

type App = ReturnType<typeof createDemoApp>['app'];
type Agent = ReturnType<typeof request.agent>;
type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

const ISSUER = 'http://localhost:3000';
const WEB_SECRET = 'demo-web-secret';
const LOOPBACK_CALLBACK = 'http://127.0.0.1:8080/callback';
const LOCALHOST_CALLBACK = 'http://localhost:8080/callback';
const ALICE_SUB = 'user-7a1ce';

// ---------------------------------------------------------------------------
// Reading HTML the way an outside test would
// ---------------------------------------------------------------------------

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_m, ref: string) => {
    const r = ref.toLowerCase();
    if (r.startsWith('#x')) return String.fromCodePoint(parseInt(r.slice(2), 16));
    if (r.startsWith('#')) return String.fromCodePoint(parseInt(r.slice(1), 10));
    return (
      ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[r] ?? ''
    );
  });
}

/** The attributes of one start tag's attribute text (names lower-cased; bare attributes are ''). */
function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(
    /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g,
  )) {
    const name = m[1]!.toLowerCase();
    if (!(name in out)) out[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

interface HtmlForm {
  attrs: Record<string, string>;
  inputs: Record<string, string>[];
  buttons: Record<string, string>[];
}

function formsOf(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)) {
    const body = m[2]!;
    forms.push({
      attrs: attributes(m[1]!),
      inputs: [...body.matchAll(/<input\b([^>]*)>/gi)].map((i) => attributes(i[1]!)),
      buttons: [...body.matchAll(/<button\b([^>]*)>/gi)].map((b) => attributes(b[1]!)),
    });
  }
  return forms;
}

/** Submit controls: <button> (type submit or none) and <input type="submit">. */
function submitControls(form: HtmlForm): Record<string, string>[] {
  return [
    ...form.buttons.filter((b) => (b['type'] ?? 'submit').toLowerCase() === 'submit'),
    ...form.inputs.filter((i) => (i['type'] ?? '').toLowerCase() === 'submit'),
  ];
}

function hiddenFields(form: HtmlForm): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const input of form.inputs) {
    if ((input['type'] ?? '').toLowerCase() === 'hidden' && input['name'] !== undefined)
      fields[input['name']] = input['value'] ?? '';
  }
  return fields;
}

/** The one POST form of a consent page. */
function consentForm(html: string): HtmlForm {
  const forms = formsOf(html).filter((f) => (f.attrs['method'] ?? '').toLowerCase() === 'post');
  expect(forms, 'the consent page has exactly one <form method="post">').to.have.length(1);
  return forms[0]!;
}

/** Where a form posts, as a path supertest can request (relative to `page`). */
function actionPath(form: HtmlForm, page: string): string {
  const url = new URL(form.attrs['action'] ?? '', page);
  return url.pathname + url.search;
}

// ---------------------------------------------------------------------------
// The flow
// ---------------------------------------------------------------------------

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A relative Location as a path (for supertest), an absolute one as is. */
function pathOf(location: string): string {
  const url = new URL(location, ISSUER);
  return url.pathname + url.search;
}

async function signIn(
  agent: Agent,
  username = 'alice',
  password = 'wonderland',
): Promise<Response> {
  return agent.post('/login').type('form').send({ username, password });
}

interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

function authorizeQuery(params: AuthorizeParams): Record<string, string> {
  const query: Record<string, string> = {
    response_type: 'code',
    client_id: params.client_id,
    redirect_uri: params.redirect_uri,
    scope: params.scope,
    state: params.state,
  };
  if (params.code_challenge !== undefined) query['code_challenge'] = params.code_challenge;
  if (params.code_challenge_method !== undefined)
    query['code_challenge_method'] = params.code_challenge_method;
  return query;
}

/**
 * Starts signed out: /authorize sends the browser to /login, the login sends it
 * back to the same authorization request, which shows the consent page.
 */
async function throughLoginToConsent(
  agent: Agent,
  issuer: string,
  params: AuthorizeParams,
): Promise<{ page: Response; url: string }> {
  const first = await agent.get('/authorize').query(authorizeQuery(params));
  expect(first.status, 'a signed-out user is redirected').to.be.oneOf([302, 303]);
  expect(new URL(first.headers['location']!, issuer).pathname).to.equal('/login');
  const loginPage = await agent.get(pathOf(first.headers['location']!));
  expect(loginPage.status).to.equal(200);
  const login = await signIn(agent);
  expect(login.status).to.be.oneOf([302, 303]);
  const back = new URL(login.headers['location']!, issuer);
  expect(back.pathname, 'after login the user lands back on the authorization request').to.equal(
    '/authorize',
  );
  expect(back.searchParams.get('client_id')).to.equal(params.client_id);
  expect(back.searchParams.get('state')).to.equal(params.state);
  const page = await agent.get(back.pathname + back.search);
  expect(page.status).to.equal(200);
  expect(page.headers['content-type']).to.match(/^text\/html/);
  return { page, url: back.href };
}

/** Answers the consent page with every hidden input it carries plus the decision. */
async function decide(
  agent: Agent,
  page: Response,
  pageUrl: string,
  decision: 'allow' | 'deny',
): Promise<URL> {
  const form = consentForm(page.text);
  const res = await agent
    .post(actionPath(form, pageUrl))
    .type('form')
    .send({ ...hiddenFields(form), decision });
  expect(res.status, 'the decision is redirected back to the client').to.be.oneOf([302, 303]);
  return new URL(res.headers['location']!);
}

interface FlowOptions {
  issuer: string;
  client: 'demo-web' | 'demo-spa';
  redirectUri: string;
  scope: string;
  auth: AuthMethod;
}

interface Tokens {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
}

function tokenRequest(
  app: App,
  client: string,
  auth: AuthMethod,
  secret: string,
  params: Record<string, string>,
) {
  const req = request(app).post('/token').type('form');
  if (auth === 'client_secret_basic') return req.auth(client, secret).send(params);
  if (auth === 'client_secret_post')
    return req.send({ ...params, client_id: client, client_secret: secret });
  return req.send({ ...params, client_id: client });
}

/** The whole authorization code + PKCE flow, through login and consent, to the token response. */
async function codeFlow(app: App, options: FlowOptions): Promise<Tokens> {
  const agent = request.agent(app);
  const { verifier, challenge } = pkce();
  const state = randomBytes(12).toString('base64url');
  const { page, url } = await throughLoginToConsent(agent, options.issuer, {
    client_id: options.client,
    redirect_uri: options.redirectUri,
    scope: options.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const back = await decide(agent, page, url, 'allow');
  expect(back.origin + back.pathname).to.equal(options.redirectUri);
  expect(back.searchParams.get('state')).to.equal(state);
  expect(back.searchParams.get('iss')).to.equal(options.issuer);
  expect(back.searchParams.get('error')).to.equal(null);
  const code = back.searchParams.get('code');
  expect(code).to.be.a('string').and.not.equal('');
  const token = await tokenRequest(app, options.client, options.auth, WEB_SECRET, {
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: options.redirectUri,
    code_verifier: verifier,
  });
  expect(token.status, JSON.stringify(token.body)).to.equal(200);
  expect(token.body.access_token).to.be.a('string');
  expect(String(token.body.token_type).toLowerCase()).to.equal('bearer');
  return token.body as Tokens;
}

async function me(app: App, accessToken: string): Promise<Response> {
  return request(app).get('/api/me').set('Authorization', `Bearer ${accessToken}`);
}

/** A signed-in agent (POST /login without a pending request lands on /). */
async function signedIn(app: App): Promise<Agent> {
  const agent = request.agent(app);
  const res = await signIn(agent);
  expect(res.status).to.be.oneOf([302, 303]);
  expect(new URL(res.headers['location']!, ISSUER).pathname).to.not.equal('/login');
  return agent;
}

/** GET /authorize for an agent; answers the response. */
async function authorize(agent: Agent, params: AuthorizeParams): Promise<Response> {
  return agent.get('/authorize').query(authorizeQuery(params));
}

function expectRedirectError(
  res: Response,
  redirectUri: string,
  error: string,
  state: string,
  issuer = ISSUER,
): void {
  expect(res.status).to.be.oneOf([302, 303]);
  const location = new URL(res.headers['location']!);
  expect(location.origin + location.pathname).to.equal(redirectUri);
  expect(location.searchParams.get('error')).to.equal(error);
  expect(location.searchParams.get('state')).to.equal(state);
  expect(location.searchParams.get('iss')).to.equal(issuer);
  expect(location.searchParams.has('code')).to.equal(false);
}

function expectErrorPage(res: Response): void {
  expect(res.status).to.equal(400);
  expect(res.headers['location']).to.equal(undefined);
  expect(res.headers['content-type']).to.match(/^text\/html/);
}

// ---------------------------------------------------------------------------

describe('examples/demo-app: the fixed contract of issue 3', () => {
  describe('login', () => {
    const { app } = createDemoApp({ issuer: ISSUER });

    it('GET /login is an HTML form posting `username` and `password` to /login', async () => {
      const res = await request(app).get('/login');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/html/);
      const forms = formsOf(res.text).filter(
        (f) => (f.attrs['method'] ?? '').toLowerCase() === 'post',
      );
      expect(forms).to.have.length(1);
      const form = forms[0]!;
      expect(new URL(form.attrs['action'] ?? '', `${ISSUER}/login`).pathname).to.equal('/login');
      const names = form.inputs.map((i) => i['name']);
      expect(names).to.include.members(['username', 'password']);
      expect(form.inputs.find((i) => i['name'] === 'password')!['type']).to.equal('password');
      expect(submitControls(form)).to.have.length.greaterThan(0);
    });

    it('POST /login as alice / wonderland signs in: a redirect away from /login, and /authorize then shows the consent page', async () => {
      const agent = request.agent(app);
      const res = await signIn(agent);
      expect(res.status).to.be.oneOf([302, 303]);
      expect(new URL(res.headers['location']!, ISSUER).pathname).to.not.equal('/login');
      const consent = await authorize(agent, {
        client_id: 'demo-web',
        redirect_uri: LOOPBACK_CALLBACK,
        scope: 'profile',
        state: 's1',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      expect(consent.status).to.equal(200);
      consentForm(consent.text);
    });

    for (const [label, username, password] of [
      ['a wrong password', 'alice', 'looking-glass'],
      ['an unknown user', 'mallory', 'wonderland'],
    ] as const) {
      it(`POST /login with ${label} goes back to /login with an error and signs nobody in`, async () => {
        const agent = request.agent(app);
        const res = await signIn(agent, username, password);
        expect(res.status).to.be.oneOf([302, 303]);
        const back = new URL(res.headers['location']!, ISSUER);
        expect(back.pathname).to.equal('/login');
        expect(back.search).to.match(/error/);
        const page = await agent.get(back.pathname + back.search);
        expect(page.status).to.equal(200);
        expect(page.text).to.match(/role="alert"|class="error"/);
        // still signed out: an authorization request sends the browser to /login again
        const again = await authorize(agent, {
          client_id: 'demo-web',
          redirect_uri: LOOPBACK_CALLBACK,
          scope: 'profile',
          state: 's2',
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        });
        expect(again.status).to.be.oneOf([302, 303]);
        expect(new URL(again.headers['location']!, ISSUER).pathname).to.equal('/login');
      });
    }

    it("alice's sub is stable: user-7a1ce in two separately created apps (different session secrets), via /api/me after the code flow", async () => {
      const subs: string[] = [];
      for (const secret of ['first-process-secret', 'second-process-secret']) {
        const { app: fresh } = createDemoApp({ issuer: ISSUER, sessionSecret: secret });
        const tokens = await codeFlow(fresh, {
          issuer: ISSUER,
          client: 'demo-web',
          redirectUri: LOOPBACK_CALLBACK,
          scope: 'profile',
          auth: 'client_secret_basic',
        });
        const res = await me(fresh, tokens.access_token);
        expect(res.status).to.equal(200);
        subs.push(res.body.sub);
      }
      expect(subs).to.deep.equal([ALICE_SUB, ALICE_SUB]);
    });
  });

  describe('the consent page', () => {
    const { app } = createDemoApp({ issuer: ISSUER });

    it('is an HTML <form method="post"> with hidden inputs and submit buttons name="decision" value="allow" and value="deny"', async () => {
      const agent = request.agent(app);
      const { page } = await throughLoginToConsent(agent, ISSUER, {
        client_id: 'demo-web',
        redirect_uri: LOOPBACK_CALLBACK,
        scope: 'profile read',
        state: 'st',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      expect(page.text).to.match(/<form\b[^>]*\bmethod\s*=\s*["']?post["']?/i);
      const form = consentForm(page.text);
      expect(
        Object.keys(hiddenFields(form)),
        'hidden inputs carry the transaction',
      ).to.have.length.greaterThan(0);
      const decisions = submitControls(form)
        .filter((b) => b['name'] === 'decision')
        .map((b) => b['value']);
      expect(decisions).to.have.members(['allow', 'deny']);
    });

    it('decision=allow redirects to the client with a code, state and iss', async () => {
      const agent = request.agent(app);
      const { page, url } = await throughLoginToConsent(agent, ISSUER, {
        client_id: 'demo-web',
        redirect_uri: LOOPBACK_CALLBACK,
        scope: 'profile',
        state: 'allow-state',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      const back = await decide(agent, page, url, 'allow');
      expect(back.origin + back.pathname).to.equal(LOOPBACK_CALLBACK);
      expect(back.searchParams.get('code')).to.be.a('string').and.not.equal('');
      expect(back.searchParams.get('state')).to.equal('allow-state');
      expect(back.searchParams.get('iss')).to.equal(ISSUER);
    });

    it('decision=deny redirects to the client with error=access_denied, state and iss, and no code', async () => {
      const agent = request.agent(app);
      const { page, url } = await throughLoginToConsent(agent, ISSUER, {
        client_id: 'demo-spa',
        redirect_uri: LOOPBACK_CALLBACK,
        scope: 'profile',
        state: 'deny-state',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      const back = await decide(agent, page, url, 'deny');
      expect(back.origin + back.pathname).to.equal(LOOPBACK_CALLBACK);
      expect(back.searchParams.get('error')).to.equal('access_denied');
      expect(back.searchParams.get('state')).to.equal('deny-state');
      expect(back.searchParams.get('iss')).to.equal(ISSUER);
      expect(back.searchParams.has('code')).to.equal(false);
    });
  });

  describe('client demo-web (confidential, secret demo-web-secret)', () => {
    const issuer = 'http://127.0.0.1:4567';
    const { app } = createDemoApp({ issuer });

    for (const redirectUri of [LOOPBACK_CALLBACK, LOCALHOST_CALLBACK, `${issuer}/callback`]) {
      it(`accepts the registered redirect URI ${redirectUri}`, async () => {
        const agent = await signedIn(app);
        const res = await authorize(agent, {
          client_id: 'demo-web',
          redirect_uri: redirectUri,
          scope: 'profile',
          state: 'r',
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        });
        expect(res.status).to.equal(200);
        consentForm(res.text);
      });
    }

    it('refuses an unregistered redirect URI with an error page, not a redirect', async () => {
      const agent = await signedIn(app);
      const res = await authorize(agent, {
        client_id: 'demo-web',
        redirect_uri: 'http://127.0.0.1:8081/callback',
        scope: 'profile',
        state: 'r',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      expectErrorPage(res);
    });

    for (const auth of ['client_secret_basic', 'client_secret_post'] as const) {
      it(`the code + PKCE flow through login and consent ends in tokens that open /api/me (${auth}); the refresh token works`, async () => {
        const tokens = await codeFlow(app, {
          issuer,
          client: 'demo-web',
          redirectUri: `${issuer}/callback`,
          scope: 'profile read write',
          auth,
        });
        expect(tokens.scope).to.equal('profile read write');
        expect(tokens.refresh_token).to.be.a('string');
        const res = await me(app, tokens.access_token);
        expect(res.status).to.equal(200);
        expect(res.body).to.include({ sub: ALICE_SUB, client_id: 'demo-web' });
        const refreshed = await tokenRequest(app, 'demo-web', auth, WEB_SECRET, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        });
        expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
        expect((await me(app, refreshed.body.access_token)).body).to.include({
          sub: ALICE_SUB,
          client_id: 'demo-web',
        });
      });
    }

    it('refuses a wrong secret (invalid_client) with either auth method', async () => {
      const basic = await request(app)
        .post('/token')
        .auth('demo-web', 'wrong-secret')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: 'x' });
      expect(basic.status).to.equal(401);
      expect(basic.body.error).to.equal('invalid_client');
      const post = await request(app).post('/token').type('form').send({
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: 'demo-web',
        client_secret: 'wrong-secret',
      });
      // RFC 6749 5.2: 401 is required only when the client used the Authorization header
      expect(post.status).to.be.oneOf([400, 401]);
      expect(post.body.error).to.equal('invalid_client');
    });

    it('has no client_credentials grant (unauthorized_client)', async () => {
      const res = await request(app)
        .post('/token')
        .auth('demo-web', WEB_SECRET)
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('unauthorized_client');
    });
  });

  describe('client demo-spa (public, PKCE required)', () => {
    const issuer = 'http://127.0.0.1:4567';
    const { app } = createDemoApp({ issuer });

    for (const redirectUri of [LOOPBACK_CALLBACK, `${issuer}/callback`]) {
      it(`accepts the registered redirect URI ${redirectUri}`, async () => {
        const agent = await signedIn(app);
        const res = await authorize(agent, {
          client_id: 'demo-spa',
          redirect_uri: redirectUri,
          scope: 'profile read',
          state: 'r',
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        });
        expect(res.status).to.equal(200);
        consentForm(res.text);
      });
    }

    it('an authorization request without code_challenge is redirected with invalid_request', async () => {
      const agent = await signedIn(app);
      const res = await authorize(agent, {
        client_id: 'demo-spa',
        redirect_uri: LOOPBACK_CALLBACK,
        scope: 'profile',
        state: 'no-pkce',
      });
      expectRedirectError(res, LOOPBACK_CALLBACK, 'invalid_request', 'no-pkce', issuer);
    });

    it('asking for write is invalid_scope (its scopes are profile read)', async () => {
      const agent = await signedIn(app);
      const res = await authorize(agent, {
        client_id: 'demo-spa',
        redirect_uri: LOOPBACK_CALLBACK,
        scope: 'profile write',
        state: 'w',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      expectRedirectError(res, LOOPBACK_CALLBACK, 'invalid_scope', 'w', issuer);
    });

    it('the code + PKCE flow through login and consent (no client secret) ends in tokens that open /api/me; the refresh token works', async () => {
      const tokens = await codeFlow(app, {
        issuer,
        client: 'demo-spa',
        redirectUri: `${issuer}/callback`,
        scope: 'profile read',
        auth: 'none',
      });
      expect(tokens.scope).to.equal('profile read');
      expect(tokens.refresh_token).to.be.a('string');
      const res = await me(app, tokens.access_token);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ sub: ALICE_SUB, client_id: 'demo-spa', scope: 'profile read' });
      const refreshed = await tokenRequest(app, 'demo-spa', 'none', '', {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
      });
      expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
      expect((await me(app, refreshed.body.access_token)).status).to.equal(200);
    });

    it('the flow also works on the 127.0.0.1:8080 callback', async () => {
      const tokens = await codeFlow(app, {
        issuer,
        client: 'demo-spa',
        redirectUri: LOOPBACK_CALLBACK,
        scope: 'profile',
        auth: 'none',
      });
      expect((await me(app, tokens.access_token)).body).to.include({
        sub: ALICE_SUB,
        client_id: 'demo-spa',
      });
    });
  });

  describe('client demo-service (client_credentials, secret demo-service-secret)', () => {
    const { app } = createDemoApp({ issuer: ISSUER });

    it('gets a token for scopes read write, which opens /api/data', async () => {
      const res = await request(app)
        .post('/token')
        .auth('demo-service', 'demo-service-secret')
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'read write' });
      expect(res.status).to.equal(200);
      expect(res.body.scope).to.equal('read write');
      const data = await request(app)
        .get('/api/data')
        .set('Authorization', `Bearer ${res.body.access_token}`);
      expect(data.status).to.equal(200);
    });

    it('may not ask for profile (invalid_scope)', async () => {
      const res = await request(app)
        .post('/token')
        .auth('demo-service', 'demo-service-secret')
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'profile' });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_scope');
    });

    it('refuses a wrong secret (invalid_client)', async () => {
      const res = await request(app)
        .post('/token')
        .auth('demo-service', 'demo-web-secret')
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
    });
  });

  describe('client demo-cli (password + refresh_token, secret demo-cli-secret)', () => {
    const { app } = createDemoApp({ issuer: ISSUER });
    const cli = (params: Record<string, string>) =>
      request(app).post('/token').auth('demo-cli', 'demo-cli-secret').type('form').send(params);

    it('signs alice in with the password grant for profile read; the refresh token gives a working access token', async () => {
      const token = await cli({
        grant_type: 'password',
        username: 'alice',
        password: 'wonderland',
        scope: 'profile read',
      });
      expect(token.status).to.equal(200);
      expect(token.body.scope).to.equal('profile read');
      expect(token.body.refresh_token).to.be.a('string');
      const refreshed = await cli({
        grant_type: 'refresh_token',
        refresh_token: token.body.refresh_token,
      });
      expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
      const res = await me(app, refreshed.body.access_token);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ sub: ALICE_SUB, client_id: 'demo-cli' });
    });

    it('may not ask for write (invalid_scope)', async () => {
      const token = await cli({
        grant_type: 'password',
        username: 'alice',
        password: 'wonderland',
        scope: 'profile write',
      });
      expect(token.status).to.equal(400);
      expect(token.body.error).to.equal('invalid_scope');
    });

    it('has no client_credentials grant (unauthorized_client)', async () => {
      const token = await cli({ grant_type: 'client_credentials' });
      expect(token.status).to.equal(400);
      expect(token.body.error).to.equal('unauthorized_client');
    });
  });

  describe('the protected API', () => {
    const { app } = createDemoApp({ issuer: ISSUER });
    const cliToken = async (scope: string): Promise<string> => {
      const res = await request(app)
        .post('/token')
        .auth('demo-cli', 'demo-cli-secret')
        .type('form')
        .send({ grant_type: 'password', username: 'alice', password: 'wonderland', scope });
      expect(res.status).to.equal(200);
      return res.body.access_token as string;
    };

    it('GET /api/me with a profile token answers JSON with sub, client_id and scope', async () => {
      const res = await me(app, await cliToken('profile'));
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.body).to.include({ sub: ALICE_SUB, client_id: 'demo-cli', scope: 'profile' });
    });

    it('GET /api/me without a token is 401 with a Bearer challenge', async () => {
      const res = await request(app).get('/api/me');
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
    });

    it('GET /api/me with a token lacking profile is 403 insufficient_scope', async () => {
      const res = await me(app, await cliToken('read'));
      expect(res.status).to.equal(403);
      expect(res.headers['www-authenticate']).to.match(/error="insufficient_scope"/);
    });

    it('GET /api/data with a read token answers JSON; with only profile it is 403 insufficient_scope', async () => {
      const ok = await request(app)
        .get('/api/data')
        .set('Authorization', `Bearer ${await cliToken('read')}`);
      expect(ok.status).to.equal(200);
      expect(ok.headers['content-type']).to.match(/^application\/json/);
      expect(ok.body).to.be.an('object');
      const refused = await request(app)
        .get('/api/data')
        .set('Authorization', `Bearer ${await cliToken('profile')}`);
      expect(refused.status).to.equal(403);
      expect(refused.headers['www-authenticate']).to.match(/error="insufficient_scope"/);
    });
  });

  describe('the client page', () => {
    const { app } = createDemoApp({ issuer: ISSUER });

    for (const path of [
      '/',
      '/callback',
      '/callback?code=abc&state=xyz&iss=http%3A%2F%2Flocalhost%3A3000',
    ]) {
      it(`GET ${path} serves the client page with the #start button`, async () => {
        const res = await request(app).get(path);
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.match(/^text\/html/);
        expect(res.text).to.match(/<button\b[^>]*\bid\s*=\s*["']?start\b/i);
      });
    }
  });
});
