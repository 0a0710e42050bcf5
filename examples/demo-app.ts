/**
 * The demo authorization server: memory stores, four demo clients, a demo user,
 * a login page (express-session + Passport's local strategy), the consent page,
 * two protected API routes, an MCP server and a client page at / that runs the
 * whole flow in a browser. `npm start` runs it (see demo.ts).
 *
 * Clients:
 * - demo-web: confidential (secret demo-web-secret), authorization_code + refresh_token
 * - demo-spa: public, PKCE, authorization_code + refresh_token
 * - demo-service: confidential (secret demo-service-secret), client_credentials,
 *   and token exchange (RFC 8693: a user's token swapped for one acting for them)
 * - demo-device: public, device authorization grant (RFC 8628) + refresh_token
 * - demo-cli: confidential (secret demo-cli-secret), password + refresh_token
 *   (the password grant is deprecated; it is on here only to show it)
 *
 * Other clients may register themselves (RFC 7591, open registration at
 * /register) or, when their client_id is the https URL of their metadata
 * document, be fetched on first use.
 *
 * OpenID Connect: `openid` (with `profile` and `email`) gives an id_token and
 * UserInfo's claims; /end_session signs out (RP-initiated logout) and may send
 * demo-web and demo-spa back to their registered post-logout URIs; the login
 * form is prefilled from a client's `login_hint`. The consent page follows the
 * browser's language (English and German scope descriptions here);
 * /account/apps lists the apps alice authorized, each with a revoke button.
 *
 * The MCP server at /mcp (demo-mcp.ts) is a protected resource of its own
 * (RFC 8707, RFC 9728): tokens for it are asked for with `resource=ISSUER/mcp`.
 *
 * The demo user is alice, password wonderland.
 *
 * Rules:
 * - the demo's own pages (login, client page, errors) carry the same anti-framing
 *   headers as the library's OAuth pages (see demo-pages.ts);
 * - an unknown path is the demo's 404 page, and any error that reaches the app is
 *   its error page with the status alone: never a message or a stack trace (a 5xx
 *   is logged to stderr with its stack).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import {
  createAuthorizationServer,
  DEVICE_CODE_GRANT_TYPE,
  TOKEN_EXCHANGE_GRANT_TYPE,
  type AuthorizationServer,
  type SigningKey,
} from '../index.js';
import { redisStores, type RedisClient } from '../lib/stores/redis.js';
import { MCP_SCOPES, mcpRoutes } from './demo-mcp.js';
import { clientPage, errorPage, loginPage, sendPage } from './demo-pages.js';

export interface DemoOptions {
  /** The issuer URL. Default http://localhost:3000. */
  issuer?: string;
  /** Default 'jwt'. */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Signs the session cookie. Default: random per process (several processes must share one). */
  sessionSecret?: string;
  /**
   * Keep the OAuth state (codes, tokens, consents) and the login sessions in this
   * Redis, so several processes act as one server. Default: memory, one process.
   */
  redis?: RedisClient;
  /** Signing keys shared by every process (see `loadSigningKeys`). Default: one ephemeral key. */
  signingKeys?: readonly SigningKey[];
  /**
   * Ask DPoP clients for server nonces (RFC 9449 8): a proof must carry the
   * nonce the last answer's `DPoP-Nonce` gave. Default false.
   */
  dpopNonces?: boolean;
}

interface DemoUser {
  id: string;
  username: string;
  displayName: string;
  email: string;
  password: string;
}

/** The demo's users. `id` is the stable `sub` of their tokens. */
const USERS: readonly DemoUser[] = [
  {
    id: 'user-7a1ce',
    username: 'alice',
    displayName: 'Alice',
    email: 'alice@example.com',
    password: 'wonderland',
  },
];

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The HTTP status an error asks for (a 4xx or 5xx), else 500. */
function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = e?.status ?? e?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 600
    ? status
    : 500;
}

/** The last handler: the error page, with the status alone; a 5xx is logged. */
function showError(
  err: unknown,
  _req: express.Request,
  res: express.Response,
  next: express.NextFunction,
): void {
  // Headers already out: Express's own handler closes the connection.
  if (res.headersSent) return next(err);
  const status = statusOf(err);
  if (status >= 500) console.error('demo: error while answering a request:', err);
  sendPage(res, status, errorPage(status));
}

function checkPassword(username: string, password: string): DemoUser | undefined {
  const user = USERS.find((u) => u.username === username);
  return user !== undefined && sameText(password, user.password) ? user : undefined;
}

export function createDemoApp(options: DemoOptions = {}): {
  app: express.Express;
  oauth: AuthorizationServer;
} {
  const issuer = options.issuer ?? 'http://localhost:3000';
  const home = `${issuer.replace(/\/$/, '')}/`;
  const callback = `${home}callback`;
  const mcpResource = `${issuer.replace(/\/$/, '')}/mcp`;
  const oauth = createAuthorizationServer({
    issuer,
    ...(options.redis === undefined
      ? {}
      : { stores: redisStores({ client: options.redis, prefix: 'demo:oauth2:' }) }),
    ...(options.signingKeys === undefined ? {} : { signingKeys: options.signingKeys }),
    accessToken: { format: options.accessTokenFormat ?? 'jwt' },
    ...(options.dpopNonces === true ? { dpop: { nonces: true } } : {}),
    scopes: {
      available: ['profile', 'email', 'read', 'write'],
      default: ['profile'],
      // By language: the consent page follows the browser's (Accept-Language).
      descriptions: {
        openid: { en: 'Sign you in with your account', de: 'Sie mit Ihrem Konto anmelden' },
        profile: { en: 'See your user id', de: 'Ihre Benutzerkennung sehen' },
        email: { en: 'See your email address', de: 'Ihre E-Mail-Adresse sehen' },
        read: { en: 'Read your data', de: 'Ihre Daten lesen' },
        write: { en: 'Change your data', de: 'Ihre Daten ändern' },
      },
    },
    // OpenID Connect: id_tokens for `openid` requests, and UserInfo's claims.
    openid: {
      claims(subject) {
        const user = USERS.find((u) => u.id === subject);
        return user === undefined
          ? {}
          : { name: user.displayName, email: user.email, email_verified: true };
      },
    },
    // Clients nobody configured may register themselves (RFC 7591): an MCP
    // client does that before it signs anyone in.
    registration: { policy: 'open' },
    // A client_id that is the https URL of the client's metadata document is
    // fetched on first use: from public addresses only (the SSRF default).
    clientIdMetadataDocuments: true,
    // The MCP server at /mcp is a resource of its own (RFC 8707): its tokens say so.
    resources: [{ resource: mcpResource, scopes: MCP_SCOPES }],
    clients: [
      {
        id: 'demo-web',
        name: 'Demo web app',
        secret: 'demo-web-secret',
        redirectUris: [
          'http://127.0.0.1:8080/callback',
          'http://localhost:8080/callback',
          callback,
        ],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'read', 'write'],
        // RP-initiated logout (/end_session) may send the user back here.
        postLogoutRedirectUris: ['http://127.0.0.1:8080/', 'http://localhost:8080/', home],
        tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
      },
      {
        id: 'demo-spa',
        name: 'Demo single-page app',
        redirectUris: ['http://127.0.0.1:8080/callback', callback],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'read'],
        tokenEndpointAuthMethods: ['none'],
        postLogoutRedirectUris: ['http://127.0.0.1:8080/', home],
      },
      {
        id: 'demo-service',
        name: 'Demo service',
        secret: 'demo-service-secret',
        // Token exchange (RFC 8693): it may swap a user's token for one of its own,
        // acting for that user with the user's scopes.
        grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE],
        scopes: ['read', 'write'],
        defaultScopes: ['read'],
      },
      {
        // A TV or terminal app: no browser of its own, so it shows a code the
        // user enters at ISSUER/device (RFC 8628).
        id: 'demo-device',
        name: 'Demo device',
        tokenEndpointAuthMethods: ['none'],
        grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
        scopes: ['profile', 'read'],
      },
      {
        id: 'demo-cli',
        name: 'Demo command-line tool',
        secret: 'demo-cli-secret',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['profile', 'read'],
      },
    ],
    grants: {
      password: {
        async verify({ username, password }) {
          const user = checkPassword(username, password);
          return user === undefined ? undefined : { subject: user.id };
        },
      },
      deviceCode: true,
      tokenExchange: true,
    },
  });

  // The host app's own login: Passport's local strategy over an express-session.
  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) =>
      done(null, checkPassword(username, password) ?? false),
    ),
  );
  auth.serializeUser<string>((user, done) => done(null, (user as DemoUser).id));
  auth.deserializeUser<string>((id, done) => {
    const user = USERS.find((u) => u.id === id);
    done(
      null,
      user === undefined
        ? false
        : { id: user.id, username: user.username, displayName: user.displayName },
    );
  });
  const web = [
    session({
      secret: options.sessionSecret ?? randomBytes(32).toString('base64url'),
      ...(options.redis === undefined
        ? {}
        : { store: new RedisStore({ client: options.redis, prefix: 'demo:sess:' }) }),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: issuer.startsWith('https:') },
    }),
    auth.initialize(),
    auth.session(),
  ];

  const app = express();
  app.disable('x-powered-by');
  app.use(['/login', '/logout', '/authorize', '/device', '/account', '/end_session'], ...web);
  app.get('/login', (req, res) => {
    // A client's login_hint (OpenID Connect), passed on by the site adapter, prefills the form.
    const hint = req.query['login_hint'];
    sendPage(
      res,
      200,
      loginPage(
        req.query['error'] !== undefined,
        typeof hint === 'string' ? hint.slice(0, 256) : '',
      ),
    );
  });
  app.post(
    '/login',
    express.urlencoded({ extended: false, limit: '4kb' }),
    // keepSessionInfo: Passport 0.7 regenerates the session at login; this keeps
    // returnTo, where authorize() left the authorization request to come back to.
    auth.authenticate('local', {
      successReturnToOrRedirect: '/',
      failureRedirect: '/login?error=1',
      keepSessionInfo: true,
    }),
  );
  app.post('/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.redirect('/')));
  });
  app.use(oauth.router({ authorize: { loginUrl: '/login' } }));
  // The apps alice authorized, each with a button that takes its access back.
  app.use('/account/apps', oauth.authorizedApps({ loginUrl: '/login' }));
  app.use(mcpRoutes(oauth, mcpResource));
  app.get(['/', '/callback'], (_req, res) => {
    sendPage(res, 200, clientPage(oauth.provider.config.issuer));
  });
  app.get('/api/me', oauth.protect({ scope: 'profile' }), (req, res) => {
    const token = req.oauth2!.token;
    res.json({ sub: token.subject, client_id: token.clientId, scope: token.scope.join(' ') });
  });
  app.get('/api/data', oauth.protect({ scope: 'read' }), (req, res) => {
    res.json({ items: ['apple', 'banana', 'cherry'], for: req.oauth2!.token.subject });
  });
  app.use((_req, res) => sendPage(res, 404, errorPage(404)));
  app.use(showError);
  return { app, oauth };
}
