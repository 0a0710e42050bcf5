/**
 * The fixture of the authorization endpoint tests: a real Express app with
 * express-session and Passport (local strategy) in front of
 * `oauth.router({ authorize: { loginUrl: '/login' } })`, the clients those tests
 * need, and helpers that drive it with supertest agents (cookies kept).
 *
 * Test-only routes, beside the host's own `GET/POST /login`:
 * - `GET /test/session`: `{ returnTo, user }` read from the session;
 * - `POST /test/login/:username`: `req.login()` with `keepSessionInfo` (switches user, keeps pending transactions);
 * - `POST /test/logout`: `req.logout()` with `keepSessionInfo`;
 * - `GET /api/profile`: `protect({ scope: 'profile' })`, answers the token's subject.
 */
import { expect } from 'chai';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import {
  createAuthorizationServer,
  generateClientSecret,
  MemoryRecordStore,
  RecordAuthorizationCodeStore,
  s256Challenge,
  type AuthorizationCodeRecord,
  type AuthorizationServer,
  type AuthorizeOptions,
  type ClientConfig,
  type ProviderOptions,
  type RecordStore,
} from '../../index.js';
import { frozenClock, type FrozenClock } from './fixtures.js';

export const ISSUER = 'https://auth.example.test';
/** The redirect URI most clients registered. */
export const CB = 'https://app.example/cb';
export const CB2 = 'https://app.example/other-cb';
/** A redirect URI registered with a query of its own. */
export const TENANT_CB = 'https://app.example/cb?tenant=a';

/** A PKCE pair (RFC 7636 4.1, 4.2). */
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = s256Challenge(VERIFIER);

export const webSecret = generateClientSecret();
export const legacySecret = generateClientSecret();

export const EVIL_NAME = `<script>alert("pwn")</script> & 'friends'`;

/** Every client the authorization endpoint tests use. */
export const CLIENTS: readonly ClientConfig[] = [
  { id: 'spa', tokenEndpointAuthMethods: ['none'], name: 'Photo Printer', redirectUris: [CB] },
  { id: 'web', name: 'Web App', secretHash: webSecret.secretHash, redirectUris: [CB] },
  {
    id: 'legacy',
    name: 'Legacy App',
    secretHash: legacySecret.secretHash,
    redirectUris: [CB],
    requirePkce: false,
  },
  {
    id: 'multi',
    tokenEndpointAuthMethods: ['none'],
    name: 'Two Callbacks',
    redirectUris: [CB, CB2],
  },
  {
    id: 'tenant',
    tokenEndpointAuthMethods: ['none'],
    name: 'Tenant App',
    redirectUris: [TENANT_CB],
  },
  {
    id: 'native',
    tokenEndpointAuthMethods: ['none'],
    name: 'Native App',
    redirectUris: ['http://127.0.0.1/cb', 'http://[::1]/cb'],
  },
  {
    id: 'native-confidential',
    secretHash: legacySecret.secretHash,
    redirectUris: ['http://127.0.0.1/cb'],
  },
  {
    id: 'native-localhost',
    tokenEndpointAuthMethods: ['none'],
    redirectUris: ['http://localhost/cb'],
  },
  {
    id: 'limited',
    tokenEndpointAuthMethods: ['none'],
    name: 'Profile Only',
    redirectUris: [CB],
    scopes: ['profile'],
  },
  {
    id: 'machine',
    secretHash: legacySecret.secretHash,
    redirectUris: [CB],
    grantTypes: ['client_credentials'],
  },
  {
    id: 'implicit-app',
    tokenEndpointAuthMethods: ['none'],
    name: 'Old SPA',
    redirectUris: [CB],
    responseTypes: ['token'],
  },
  {
    id: 'first',
    tokenEndpointAuthMethods: ['none'],
    name: 'Our Own App',
    redirectUris: [CB],
    firstParty: true,
  },
  { id: 'evil', tokenEndpointAuthMethods: ['none'], name: EVIL_NAME, redirectUris: [CB] },
];

export const DESCRIPTIONS = {
  profile: 'See your name',
  read: 'Read your photos',
  write: 'Change your photos',
} as const;

interface TestUser {
  id: string;
  username: string;
  displayName: string;
  password: string;
}

export const USERS: readonly TestUser[] = [
  { id: 'user-alice', username: 'alice', displayName: 'Alice Liddell', password: 'wonderland' },
  {
    id: 'user-bob',
    username: 'bob',
    displayName: 'Bob <b>"the builder"</b>',
    password: 'can-we-fix-it',
  },
];

/** An authorization code store that counts what was saved: "nothing issued" is `saved.length === 0`. */
export class CountingCodeStore extends RecordAuthorizationCodeStore {
  readonly saved: AuthorizationCodeRecord[] = [];
  override async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    this.saved.push(record);
    await super.save(record, ttl);
  }
}

export interface AuthorizeAppOptions {
  /** Provider option overrides (shallow). */
  provider?: Partial<ProviderOptions>;
  /** The router's authorize() options. Default `{ loginUrl: '/login' }`. */
  authorize?: AuthorizeOptions;
  /** Whether `POST /login` passes `keepSessionInfo: true` to Passport. Default true. */
  keepSessionInfo?: boolean;
  /**
   * The middleware in front of the endpoints: `passport` (session, initialize,
   * session — the default), `passport-no-session` (session and initialize only),
   * `session-only` (no Passport), `none` (neither).
   */
  stack?: 'passport' | 'passport-no-session' | 'session-only' | 'none';
  /** Runs on the new app before any middleware (e.g. `app.set('views', ...)`). */
  configure?: (app: express.Express) => void;
  /** Where the router is mounted. Default `/`. */
  mount?: string;
  /** The express-session store (e.g. connect-redis). Default: a new MemoryStore. */
  sessionStore?: session.Store;
  /**
   * The provider's persistence primitive, made with the fixture's clock (e.g. a
   * Redis record store); codes are counted over it. Default: memory.
   */
  records?: (clock: FrozenClock) => RecordStore;
}

export interface AuthorizeApp {
  app: express.Express;
  oauth: AuthorizationServer;
  clock: FrozenClock;
  codes: CountingCodeStore;
  /** Errors that reached the app's error handler (setup errors). */
  errors: unknown[];
}

export function providerOptions(
  clock: FrozenClock,
  codes: CountingCodeStore,
  overrides: Partial<ProviderOptions> = {},
  records?: RecordStore,
): ProviderOptions {
  return {
    issuer: ISSUER,
    clock,
    scopes: {
      available: ['profile', 'read', 'write'],
      default: ['profile'],
      descriptions: DESCRIPTIONS,
    },
    clients: CLIENTS,
    stores:
      records === undefined
        ? { authorizationCodes: codes }
        : { records, authorizationCodes: codes },
    ...overrides,
  };
}

export function authorizeApp(options: AuthorizeAppOptions = {}): AuthorizeApp {
  const clock = frozenClock();
  const records = options.records?.(clock);
  const codes = new CountingCodeStore(records ?? new MemoryRecordStore({ clock }));
  const oauth = createAuthorizationServer(providerOptions(clock, codes, options.provider, records));
  const errors: unknown[] = [];
  const stack = options.stack ?? 'passport';

  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) => {
      const user = USERS.find((u) => u.username === username && u.password === password);
      done(null, user ?? false);
    }),
  );
  auth.serializeUser<string>((user, done) => done(null, (user as TestUser).id));
  auth.deserializeUser<string>((id, done) => {
    const user = USERS.find((u) => u.id === id);
    done(
      null,
      user === undefined
        ? false
        : { id: user.id, username: user.username, displayName: user.displayName },
    );
  });

  const app = express();
  options.configure?.(app);
  if (stack !== 'none')
    app.use(
      session({
        secret: 'test-session-secret',
        resave: false,
        saveUninitialized: false,
        store: options.sessionStore ?? new session.MemoryStore(),
      }),
    );
  if (stack === 'passport' || stack === 'passport-no-session') app.use(auth.initialize());
  if (stack === 'passport') app.use(auth.session());

  app.get('/', (_req, res) => {
    res.type('text').send('home');
  });
  app.get('/login', (_req, res) => {
    res.type('html').send('<form method="post" action="/login">login</form>');
  });
  app.post(
    '/login',
    express.urlencoded({ extended: false }),
    auth.authenticate('local', {
      successReturnToOrRedirect: '/',
      failureRedirect: '/login?error=1',
      keepSessionInfo: options.keepSessionInfo ?? true,
    }),
  );
  app.post('/test/login/:username', (req, res, next) => {
    const user = USERS.find((u) => u.username === req.params['username']);
    if (user === undefined) {
      res.sendStatus(404);
      return;
    }
    req.login(user, { session: true, keepSessionInfo: true }, (err) =>
      err ? next(err) : res.sendStatus(204),
    );
  });
  app.post('/test/logout', (req, res, next) => {
    req.logout({ keepSessionInfo: true }, (err) => (err ? next(err) : res.sendStatus(204)));
  });
  app.get('/test/session', (req, res) => {
    const s = req.session as (typeof req.session & { returnTo?: string }) | undefined;
    res.json({
      returnTo: s?.returnTo ?? null,
      user: (req.user as { id?: string } | undefined)?.id ?? null,
    });
  });

  app.use(
    options.mount ?? '/',
    oauth.router({ authorize: options.authorize ?? { loginUrl: '/login' } }),
  );
  app.get('/api/profile', oauth.protect({ scope: 'profile' }), (req, res) => {
    res.json({
      sub: req.oauth2?.token.subject,
      client_id: req.oauth2?.token.clientId,
      scope: req.oauth2?.token.scope,
    });
  });
  app.use(
    (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(500).type('text').send('host error handler');
    },
  );
  return { app, oauth, clock, codes, errors };
}

export type Agent = request.Agent;
export type Params = Record<string, string> | readonly (readonly [string, string])[];

/** `/authorize?` + the parameters, encoded with URLSearchParams. */
export function authorizePath(params: Params): string {
  return `/authorize?${new URLSearchParams(params as Record<string, string> | [string, string][]).toString()}`;
}

/** A valid code request of the public client `spa` (PKCE S256), with `extra` merged in. */
export function spaParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: CB,
    scope: 'profile read',
    state: 'st-123',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  };
}

/** Signs in through the host's Passport-local `POST /login`; returns the Location it answered. */
export async function signIn(agent: Agent, username = 'alice'): Promise<string> {
  const user = USERS.find((u) => u.username === username);
  if (user === undefined) throw new Error(`no user ${username}`);
  const res = await agent.post('/login').type('form').send({ username, password: user.password });
  expect(res.status, 'POST /login').to.equal(302);
  return res.headers['location'] as string;
}

/** A signed-in agent. */
export async function signedIn(app: express.Express, username = 'alice'): Promise<Agent> {
  const agent = request.agent(app);
  await signIn(agent, username);
  return agent;
}

export interface ConsentForm {
  transaction_id: string;
  csrf_token: string;
}

/** Pulls the hidden fields out of a consent page. */
export function formFields(html: string): ConsentForm {
  const tx = /<input type="hidden" name="transaction_id" value="([^"]*)">/.exec(html);
  const csrf = /<input type="hidden" name="csrf_token" value="([^"]*)">/.exec(html);
  if (tx === null || csrf === null) throw new Error(`no consent form in:\n${html}`);
  return { transaction_id: tx[1] as string, csrf_token: csrf[1] as string };
}

/** GETs the consent page (expects 200) and returns its HTML and hidden fields. */
export async function consentPage(
  agent: Agent,
  params: Params,
): Promise<{ html: string; form: ConsentForm }> {
  const res = await agent.get(authorizePath(params));
  expect(res.status, `consent page: ${String(res.headers['location'] ?? res.text)}`).to.equal(200);
  return { html: res.text, form: formFields(res.text) };
}

/** POSTs a decision form to the authorization endpoint. */
export function decide(agent: Agent, fields: Record<string, string>): request.Test {
  return agent.post('/authorize').type('form').send(fields);
}

/** Asserts an HTML error page (never a redirect) showing `code`. */
export function expectErrorPage(res: request.Response, code: string, status = 400): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['location'], 'an error page has no Location').to.equal(undefined);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['x-frame-options']).to.equal('DENY');
  expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
  expect(res.text).to.include(`Error code: <code>${code}</code>`);
}

/**
 * Asserts a redirect to `redirectUri` and returns the response parameters (from
 * the query for `query`, from the fragment for `fragment`). Checks `iss` (RFC 9207)
 * and that the other component carries none of them.
 */
export function expectRedirect(
  res: request.Response,
  redirectUri: string,
  options: { status?: number; mode?: 'query' | 'fragment' } = {},
): URLSearchParams {
  expect(res.status, res.text).to.equal(options.status ?? 302);
  const location = res.headers['location'] as string | undefined;
  expect(location, 'Location').to.be.a('string');
  const url = new URL(location as string);
  const registered = new URL(redirectUri);
  expect(url.origin + url.pathname).to.equal(registered.origin + registered.pathname);
  expect(location!.startsWith(redirectUri), `${location} starts with ${redirectUri}`).to.equal(
    true,
  );
  let params: URLSearchParams;
  if ((options.mode ?? 'query') === 'query') {
    expect(url.hash, 'nothing in the fragment').to.equal('');
    params = url.searchParams;
  } else {
    expect(url.search, 'the query is the registered one').to.equal(registered.search);
    params = new URLSearchParams(url.hash.slice(1));
  }
  // RFC 9207 2: "the authorization server ... MUST [include] the iss parameter"
  expect(params.getAll('iss')).to.deep.equal([ISSUER]);
  return params;
}

/** Asserts an error redirect and returns its parameters. */
export function expectErrorRedirect(
  res: request.Response,
  code: string,
  options: {
    redirectUri?: string;
    state?: string | null;
    mode?: 'query' | 'fragment';
    status?: number;
  } = {},
): URLSearchParams {
  const params = expectRedirect(res, options.redirectUri ?? CB, options);
  expect(params.getAll('error')).to.deep.equal([code]);
  expect(params.get('error_description')).to.be.a('string');
  expect(params.has('code'), 'no code').to.equal(false);
  expect(params.has('access_token'), 'no token').to.equal(false);
  const state = options.state === undefined ? 'st-123' : options.state;
  if (state === null) expect(params.has('state')).to.equal(false);
  else expect(params.getAll('state')).to.deep.equal([state]);
  return params;
}

/** Redeems a code at /token as a public client. */
export function redeem(app: express.Express, fields: Record<string, string>): request.Test {
  return request(app)
    .post('/token')
    .type('form')
    .send({
      grant_type: 'authorization_code',
      redirect_uri: CB,
      client_id: 'spa',
      code_verifier: VERIFIER,
      ...fields,
    });
}

/** The escaping EJS applies to `<%= %>` values. */
export function htmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c] as string,
  );
}
