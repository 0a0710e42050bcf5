/**
 * authorize(): the user's way through the endpoint against a real Express app —
 * login through the host's Passport (and back), setup mistakes that name their
 * fix, the decision (allow/deny) for `code` and `token`, parameter injection
 * through the Location, and the metadata that announces the endpoint.
 */
import { expect } from 'chai';
import request from 'supertest';
import { METADATA_PATH, SetupError } from '../../index.js';
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
  TENANT_CB,
  type Agent,
} from '../support/authorize-app.js';

function sessionCookie(res: request.Response): string | undefined {
  const cookies = (res.headers['set-cookie'] ?? []) as unknown as string[];
  return cookies.map((c) => c.split(';')[0] as string).find((c) => c.startsWith('connect.sid='));
}

describe('authorize(): login through the host app', () => {
  it('a user who is not signed in → 302 to loginUrl; the whole authorization URL is kept in req.session.returnTo', async () => {
    const { app, codes } = authorizeApp();
    const agent = request.agent(app);
    const path = authorizePath(spaParams());
    const res = await agent.get(path);
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    expect(res.headers['cache-control']).to.equal('no-store');
    const session = await agent.get('/test/session');
    expect(session.body).to.deep.equal({ returnTo: path, user: null });
    expect(codes.saved).to.have.length(0);
  });

  it('after POST /login (keepSessionInfo: true) the user lands back on the same authorization request, across the session regeneration', async () => {
    const { app } = authorizeApp();
    const agent = request.agent(app);
    const path = authorizePath(spaParams());
    const first = await agent.get(path);
    const before = sessionCookie(first);
    expect(before, 'a session cookie was set').to.be.a('string');

    const login = await agent
      .post('/login')
      .type('form')
      .send({ username: 'alice', password: 'wonderland' });
    expect(login.status).to.equal(302);
    // Passport 0.7 regenerated the session at login: a new session id.
    const after = sessionCookie(login);
    expect(after).to.be.a('string');
    expect(after).not.to.equal(before);
    // ... and the pending request survived it.
    expect(login.headers['location']).to.equal(path);

    const back = await agent.get(login.headers['location'] as string);
    expect(back.status).to.equal(200);
    expect(back.text).to.include('Photo Printer wants to access your account');
    expect(back.text).to.include('Signed in as <strong>Alice Liddell</strong>');
    expect((await agent.get('/test/session')).body).to.deep.equal({
      returnTo: null,
      user: 'user-alice',
    });
  });

  it('WITHOUT keepSessionInfo the regeneration drops returnTo: the user is signed in but lands on "/" (why the option matters)', async () => {
    const { app } = authorizeApp({ keepSessionInfo: false });
    const agent = request.agent(app);
    await agent.get(authorizePath(spaParams()));
    const location = await signIn(agent);
    expect(location).to.equal('/');
    expect((await agent.get('/test/session')).body).to.deep.equal({
      returnTo: null,
      user: 'user-alice',
    });
  });

  it('a failed login leaves the pending request in place for the next attempt', async () => {
    const { app } = authorizeApp();
    const agent = request.agent(app);
    const path = authorizePath(spaParams());
    await agent.get(path);
    const wrong = await agent
      .post('/login')
      .type('form')
      .send({ username: 'alice', password: 'nope' });
    expect(wrong.headers['location']).to.equal('/login?error=1');
    expect(await signIn(agent)).to.equal(path);
  });
});

describe("authorize(): a router mounted under a path (app.use('/oauth', oauth.router()))", () => {
  it('keeps the mounted path in returnTo and in the form action, and the decision POST works there', async () => {
    const { app, codes } = authorizeApp({ mount: '/oauth' });
    const agent = request.agent(app);
    const path = `/oauth${authorizePath(spaParams())}`;
    const first = await agent.get(path);
    expect(first.headers['location']).to.equal('/login');
    expect(await signIn(agent)).to.equal(path);
    const page = await agent.get(path);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('<form method="post" action="/oauth/authorize">');
    const res = await agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...formFields(page.text), decision: 'allow' });
    expectRedirect(res, CB, { status: 303 });
    expect(codes.saved).to.have.length(1);
  });
});

describe('authorize(): setup mistakes fail with an error that names the fix', () => {
  async function setupError(
    app: ReturnType<typeof authorizeApp>,
    agent: Agent = request.agent(app.app),
  ): Promise<SetupError> {
    const res = await agent.get(authorizePath(spaParams()));
    expect(res.status, res.text).to.equal(500);
    expect(res.text).to.equal('host error handler');
    expect(app.errors).to.have.length(1);
    expect(app.errors[0]).to.be.instanceOf(SetupError);
    return app.errors[0] as SetupError;
  }

  it('no express-session → next(err) mentioning app.use(session', async () => {
    const err = await setupError(authorizeApp({ stack: 'none' }));
    expect(err.message).to.include('app.use(session');
  });

  it('no express-session, on the decision POST too', async () => {
    const app = authorizeApp({ stack: 'none' });
    const res = await request(app.app)
      .post('/authorize')
      .type('form')
      .send({ transaction_id: 'x', csrf_token: 'y', decision: 'allow' });
    expect(res.status).to.equal(500);
    expect(app.errors[0]).to.be.instanceOf(SetupError);
    expect((app.errors[0] as Error).message).to.include('app.use(session');
  });

  it('a session but no Passport → next(err) mentioning passport.session()', async () => {
    const err = await setupError(authorizeApp({ stack: 'session-only' }));
    expect(err.message).to.include('passport.session()');
  });

  it('a session and passport.initialize() but no passport.session(): a user who signed in → next(err) mentioning passport.session(), not a login loop', async () => {
    const app = authorizeApp({ stack: 'passport-no-session' });
    const agent = request.agent(app.app);
    await signIn(agent);
    const err = await setupError(app, agent);
    expect(err.message).to.include('passport.session()');
  });

  it('no loginUrl and a user who is not signed in → next(err) mentioning loginUrl', async () => {
    const err = await setupError(authorizeApp({ authorize: {} }));
    expect(err.message).to.include('loginUrl');
  });

  it('no loginUrl is fine for a user who is signed in', async () => {
    const { app } = authorizeApp({ authorize: {} });
    const { html } = await consentPage(await signedIn(app), spaParams());
    expect(html).to.include('Photo Printer');
  });
});

describe('authorize(): the decision', () => {
  it('allow → 303 to the redirect URI with code, state and iss; the code redeems at /token with the PKCE verifier', async () => {
    // RFC 6749 4.1.2: "code REQUIRED ... state REQUIRED if the "state" parameter was
    // present in the client authorization request. The exact value received from the client."
    const { app, codes } = authorizeApp();
    const agent = await signedIn(app);
    const { form } = await consentPage(agent, spaParams());
    const res = await decide(agent, { ...form, decision: 'allow' });
    expect(res.headers['cache-control']).to.equal('no-store');
    const params = expectRedirect(res, CB, { status: 303 });
    expect(params.get('state')).to.equal('st-123');
    expect([...params.keys()].sort()).to.deep.equal(['code', 'iss', 'state']);
    expect(codes.saved).to.have.length(1);
    expect(codes.saved[0]).to.include({ clientId: 'spa', subject: 'user-alice', redirectUri: CB });

    // RFC 7636 4.6: the server compares the verifier's transformation with the challenge.
    const wrong = await redeem(app, { code: params.get('code')!, code_verifier: 'x'.repeat(43) });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error).to.equal('invalid_grant');
    const token = await redeem(app, { code: params.get('code')! });
    expect(token.status, token.text).to.equal(200);
    expect(token.body.scope).to.equal('profile read');
    const me = await request(app)
      .get('/api/profile')
      .set('Authorization', `Bearer ${token.body.access_token as string}`);
    expect(me.status).to.equal(200);
    expect(me.body).to.deep.equal({
      sub: 'user-alice',
      client_id: 'spa',
      scope: ['profile', 'read'],
    });
  });

  it('deny → 303 with error=access_denied, state and iss; nothing issued', async () => {
    // RFC 6749 4.1.2.1: "access_denied: The resource owner or authorization server denied the request."
    const { app, codes } = authorizeApp();
    const agent = await signedIn(app);
    const { form } = await consentPage(agent, spaParams());
    const res = await decide(agent, { ...form, decision: 'deny' });
    expectErrorRedirect(res, 'access_denied', { status: 303 });
    expect(codes.saved).to.have.length(0);
  });

  describe('implicit (grants: { implicit: true })', () => {
    // RFC 9700 2.1.2: clients "SHOULD NOT use the implicit grant" — it is off unless enabled.
    const implicitParams = (extra: Record<string, string> = {}) => ({
      response_type: 'token',
      client_id: 'implicit-app',
      redirect_uri: CB,
      scope: 'profile read',
      state: 'st-123',
      ...extra,
    });

    it('allow → the fragment has access_token, token_type=Bearer, expires_in, scope, state, iss; no code, no refresh token; the token works', async () => {
      // RFC 6749 4.2.2: the parameters are added "to the fragment component of the
      // redirection URI", and "The authorization server MUST NOT issue a refresh token."
      const { app, codes } = authorizeApp({ provider: { grants: { implicit: true } } });
      const agent = await signedIn(app);
      const { form } = await consentPage(agent, implicitParams());
      const res = await decide(agent, { ...form, decision: 'allow' });
      const params = expectRedirect(res, CB, { status: 303, mode: 'fragment' });
      expect([...params.keys()].sort()).to.deep.equal([
        'access_token',
        'expires_in',
        'iss',
        'scope',
        'state',
        'token_type',
      ]);
      expect(params.get('token_type')).to.equal('Bearer');
      expect(params.get('expires_in')).to.equal('3600');
      expect(params.get('scope')).to.equal('profile read');
      expect(params.get('state')).to.equal('st-123');
      expect(codes.saved).to.have.length(0);
      const me = await request(app)
        .get('/api/profile')
        .set('Authorization', `Bearer ${params.get('access_token')!}`);
      expect(me.status).to.equal(200);
      expect(me.body).to.deep.equal({
        sub: 'user-alice',
        client_id: 'implicit-app',
        scope: ['profile', 'read'],
      });
    });

    it('deny → access_denied in the fragment', async () => {
      const { app } = authorizeApp({ provider: { grants: { implicit: true } } });
      const agent = await signedIn(app);
      const { form } = await consentPage(agent, implicitParams());
      expectErrorRedirect(await decide(agent, { ...form, decision: 'deny' }), 'access_denied', {
        status: 303,
        mode: 'fragment',
      });
    });
  });
});

describe('authorize(): nothing can be injected into the Location', () => {
  const STATE = '&code=evil#x';

  it('a state of "&code=evil#x" and a redirect URI with a query: the registered query is kept, state is one value, one code', async () => {
    const { app } = authorizeApp();
    const agent = await signedIn(app);
    const { form } = await consentPage(
      agent,
      spaParams({ client_id: 'tenant', redirect_uri: TENANT_CB, state: STATE }),
    );
    const res = await decide(agent, { ...form, decision: 'allow' });
    const location = res.headers['location'] as string;
    expect(location.startsWith(`${TENANT_CB}&`), location).to.equal(true);
    const url = new URL(location);
    expect(url.hash).to.equal('');
    expect(url.searchParams.getAll('tenant')).to.deep.equal(['a']);
    expect(url.searchParams.getAll('state')).to.deep.equal([STATE]);
    expect(url.searchParams.getAll('code')).to.have.length(1);
    expect(url.searchParams.get('code')).not.to.equal('evil');
    expect(url.searchParams.getAll('iss')).to.deep.equal([ISSUER]);
    expect(location).not.to.include('&code=evil');
  });

  it('the same on an error redirect: no code parameter at all', async () => {
    const { app } = authorizeApp();
    const { response_type: _rt, ...params } = spaParams({
      client_id: 'tenant',
      redirect_uri: TENANT_CB,
      state: STATE,
    });
    const res = await request(app).get(authorizePath(params));
    const out = expectErrorRedirect(res, 'invalid_request', {
      redirectUri: TENANT_CB,
      state: STATE,
    });
    expect(out.getAll('tenant')).to.deep.equal(['a']);
  });

  it('in the fragment (implicit): a state of "&access_token=evil" stays one value', async () => {
    const { app } = authorizeApp({ provider: { grants: { implicit: true } } });
    const agent = await signedIn(app);
    const state = '&access_token=evil&token_type=x';
    const { form } = await consentPage(agent, {
      response_type: 'token',
      client_id: 'implicit-app',
      redirect_uri: CB,
      scope: 'profile',
      state,
    });
    const params = expectRedirect(await decide(agent, { ...form, decision: 'allow' }), CB, {
      status: 303,
      mode: 'fragment',
    });
    expect(params.getAll('state')).to.deep.equal([state]);
    expect(params.getAll('access_token')).to.have.length(1);
    expect(params.get('access_token')).not.to.equal('evil');
    expect(params.getAll('token_type')).to.deep.equal(['Bearer']);
  });
});

describe('authorize(): metadata (RFC 8414, RFC 9207)', () => {
  it('announces the authorization endpoint and the iss parameter; response types: code', async () => {
    const res = await request(authorizeApp().app).get(METADATA_PATH);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({
      authorization_endpoint: `${ISSUER}/authorize`,
      authorization_response_iss_parameter_supported: true,
    });
    expect(res.body.response_types_supported).to.deep.equal(['code']);
    expect(res.body.code_challenge_methods_supported).to.deep.equal(['S256']);
  });

  it('lists token only when the implicit grant is on', async () => {
    const res = await request(authorizeApp({ provider: { grants: { implicit: true } } }).app).get(
      METADATA_PATH,
    );
    expect(res.body.response_types_supported).to.deep.equal(['code', 'token']);
    expect(res.body.authorization_response_iss_parameter_supported).to.equal(true);
  });
});
