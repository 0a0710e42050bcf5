/**
 * The server the HTTP fuzz attacks: a real Express app on 127.0.0.1 with
 * express-session and Passport in front of every endpoint of `oauth.router()`
 * (authorize GET/POST, token, revocation, introspection, JWKS, metadata) and two
 * `protect()` routes; the clients cover every kind (confidential, public,
 * loopback, password, client_credentials, implicit, resource server, a name that
 * is HTML). The host's error handler answers 500, so an error the library passes
 * to `next()` is a 5xx the fuzz sees.
 *
 * `startTarget()` also gathers what a real client would hold, for the fuzz to mix
 * into its requests: secrets, a signed-in session cookie, live access and refresh
 * tokens, unredeemed authorization codes, pending consent transactions with
 * their CSRF tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import {
  createAuthorizationServer,
  generateClientSecret,
  s256Challenge,
  type ClientConfig,
} from '../../index.js';

export const ISSUER = 'https://auth.fuzz.test';
export const CALLBACK = 'https://app.fuzz.test/cb';
export const LOOPBACK_CALLBACK = 'http://127.0.0.1/cb';
export const VERIFIER = 'fuzz-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
export const CHALLENGE = s256Challenge(VERIFIER);

const secrets = {
  web: generateClientSecret(),
  service: generateClientSecret(),
  cli: generateClientSecret(),
  rs: generateClientSecret(),
};

/** Plain secrets by client id. */
export const SECRETS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(secrets).map(([id, s]) => [id, s.secret]),
);

export const CLIENTS: readonly ClientConfig[] = [
  {
    id: 'web',
    name: 'Fuzz <b>"web"</b> & co',
    secretHash: secrets.web.secretHash,
    redirectUris: [CALLBACK],
    scopes: ['profile', 'read', 'write'],
  },
  {
    id: 'spa',
    redirectUris: [CALLBACK, LOOPBACK_CALLBACK, 'http://[::1]/cb'],
    tokenEndpointAuthMethods: ['none'],
  },
  {
    id: 'service',
    secretHash: secrets.service.secretHash,
    grantTypes: ['client_credentials'],
    scopes: ['read', 'write'],
    defaultScopes: ['read'],
  },
  {
    id: 'cli',
    secretHash: secrets.cli.secretHash,
    grantTypes: ['password', 'refresh_token'],
    tokenEndpointAuthMethods: ['client_secret_post', 'client_secret_basic'],
  },
  {
    id: 'legacy',
    redirectUris: [CALLBACK],
    responseTypes: ['token'],
    grantTypes: ['authorization_code'],
    tokenEndpointAuthMethods: ['none'],
  },
  {
    id: 'rs',
    secretHash: secrets.rs.secretHash,
    grantTypes: ['client_credentials'],
    resourceServer: true,
  },
];

/** Every client id, and the registered redirect URIs of all clients. */
export const CLIENT_IDS = CLIENTS.map((c) => c.id);
export const REDIRECT_URIS = CLIENTS.flatMap((c) => c.redirectUris ?? []);

const USER = { id: 'user-fuzz', username: 'alice', password: 'wonderland' };

/** What a running target holds for the fuzz to reuse. */
export interface Target {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Errors that reached the host's error handler. */
  errors: unknown[];
  /** A signed-in session cookie (`name=value`). */
  cookie: string;
  accessTokens: string[];
  refreshTokens: string[];
  /** Pending consent transactions: hidden inputs of consent forms. */
  transactions: { transactionId: string; csrfToken: string }[];
  /** Authorization codes not yet redeemed: `web`'s and `spa`'s, for CALLBACK and VERIFIER. */
  codes: { clientId: string; code: string }[];
  close(): Promise<void>;
}

function fuzzApp(format: 'jwt' | 'opaque'): { app: express.Express; errors: unknown[] } {
  const oauth = createAuthorizationServer({
    issuer: ISSUER,
    clients: CLIENTS,
    accessToken: { format },
    scopes: { available: ['profile', 'read', 'write'], default: ['profile'] },
    grants: {
      implicit: true,
      password: {
        async verify({ username, password }) {
          return username === USER.username && password === USER.password
            ? { subject: USER.id }
            : undefined;
        },
      },
    },
  });
  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) =>
      done(null, username === USER.username && password === USER.password ? USER : false),
    ),
  );
  auth.serializeUser<string>((user, done) => done(null, (user as typeof USER).id));
  auth.deserializeUser<string>((id, done) => done(null, id === USER.id ? USER : false));

  const errors: unknown[] = [];
  const app = express();
  app.use(session({ secret: 'fuzz-session-secret', resave: false, saveUninitialized: false }));
  app.use(auth.initialize(), auth.session());
  app.post(
    '/login',
    express.urlencoded({ extended: false, limit: '4kb' }),
    auth.authenticate('local', {
      successReturnToOrRedirect: '/',
      failureRedirect: '/login',
      keepSessionInfo: true,
    }),
  );
  app.use(oauth.router({ authorize: { loginUrl: '/login' } }));
  app.get('/api/read', oauth.protect({ scope: 'read' }), (req, res) => {
    res.json({ sub: req.oauth2?.token.subject ?? null });
  });
  app.all('/api/any', oauth.protect(), (req, res) => {
    res.json({ client_id: req.oauth2?.token.clientId ?? null });
  });
  app.use(
    (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(500).type('text').send('host error handler');
    },
  );
  return { app, errors };
}

const CONSENT_INPUT = /name="(transaction_id|csrf_token)"\s+value="([^"]*)"/g;

/** Signs in, then gathers tokens and consent transactions through the real endpoints. */
async function gather(app: express.Express): Promise<Omit<Target, 'base' | 'errors' | 'close'>> {
  const agent = request.agent(app);
  const login = await agent.post('/login').type('form').send(USER);
  const cookie = (login.headers['set-cookie'] as unknown as string[] | undefined)?.[0]?.split(
    ';',
  )[0];
  if (cookie === undefined) throw new Error('fuzz target: signing in set no cookie');

  const accessTokens: string[] = [];
  const refreshTokens: string[] = [];
  const service = await request(app)
    .post('/token')
    .auth('service', SECRETS['service']!)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'read write' });
  accessTokens.push(service.body.access_token);
  for (const scope of ['profile', 'profile read']) {
    const cli = await request(app).post('/token').type('form').send({
      grant_type: 'password',
      client_id: 'cli',
      client_secret: SECRETS['cli'],
      username: USER.username,
      password: USER.password,
      scope,
    });
    accessTokens.push(cli.body.access_token);
    refreshTokens.push(cli.body.refresh_token);
  }

  const consent = async (client: string, redirect: string) => {
    const page = await agent.get('/authorize').query({
      response_type: 'code',
      client_id: client,
      redirect_uri: redirect,
      scope: 'profile read',
      state: 'fuzz',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const inputs = Object.fromEntries(
      [...page.text.matchAll(CONSENT_INPUT)].map((m) => [m[1], m[2]]),
    );
    const { transaction_id: transactionId, csrf_token: csrfToken } = inputs;
    if (transactionId === undefined || csrfToken === undefined)
      throw new Error(`fuzz target: no consent page for ${client}: ${page.status}`);
    return { transactionId, csrfToken };
  };
  const codes: Target['codes'] = [];
  for (const clientId of ['web', 'web', 'spa', 'spa']) {
    const tx = await consent(clientId, CALLBACK);
    const answer = await agent.post('/authorize').type('form').send({
      transaction_id: tx.transactionId,
      csrf_token: tx.csrfToken,
      decision: 'allow',
    });
    const code = new URL(answer.headers['location'] ?? '', ISSUER).searchParams.get('code');
    if (code === null) throw new Error(`fuzz target: no code for ${clientId}: ${answer.status}`);
    codes.push({ clientId, code });
  }
  // as many pending as a session keeps (lib/http/consent-transactions.ts)
  const transactions: Target['transactions'] = [];
  for (let i = 0; i < 8; i++)
    transactions.push(
      await consent(i % 2 === 0 ? 'web' : 'spa', i % 4 === 1 ? LOOPBACK_CALLBACK : CALLBACK),
    );
  if (accessTokens.some((t) => typeof t !== 'string'))
    throw new Error('fuzz target: could not gather access tokens');
  return { cookie, accessTokens, refreshTokens, transactions, codes };
}

/** Starts the fuzz target on an ephemeral port of 127.0.0.1. */
export async function startTarget(format: 'jwt' | 'opaque'): Promise<Target> {
  const { app, errors } = fuzzApp(format);
  const held = await gather(app);
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    errors,
    ...held,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
