/**
 * The site adapter (the seed's `SiteAdapter`): how the authorization endpoint
 * learns who is signed in and sends everyone else to the host app's login.
 *
 * The default, {@link passportSiteAdapter}, reuses the host's express-session and
 * Passport: the signed-in user is `req.user` when `req.isAuthenticated()`; a user
 * who is not signed in is sent to `loginUrl` with the way back kept in
 * `req.session.returnTo`, the key Passport's `successReturnToOrRedirect` reads.
 * That way back is a local path (this endpoint's) with the checked request's
 * known parameters only, never the URL as it came, so what an anonymous visitor
 * makes the session store keep is bounded (a few KB at most). An authorization
 * request's `login_hint` and `ui_locales` go along as query parameters of
 * `loginUrl`, percent-encoded (./login-url.ts), for the login page to use.
 *
 * Passport 0.7 regenerates the session at login; the login route must pass
 * `keepSessionInfo: true` so `returnTo` survives:
 *
 *     app.post('/login', passport.authenticate('local', {
 *       successReturnToOrRedirect: '/', failureRedirect: '/login', keepSessionInfo: true }));
 *
 * When the user authenticated (OpenID Connect `auth_time`): the adapter records
 * the time it first sees a login in `req.session.oauth2Login` (`{ sid, at }`, at
 * in epoch seconds), and again whenever the session id changed since, which is
 * what a new Passport login does (it regenerates the session).
 *
 * How the user authenticated (OpenID Connect `acr`, `amr`): the adapter asks
 * the host's `acr` and `amr` options, if given, with the user and the request,
 * and checks the answers (lib/endpoints/openid/authentication.ts): a wrong one
 * is a `SetupError` naming the option, never a token.
 *
 * Logging out (`logout`, for the end-session endpoint): the adapter forgets
 * `oauth2Login` and calls `req.logout()`, which ends the Passport login and
 * regenerates the session, so nothing of the old session survives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  authenticationOf,
  type AuthenticationContext,
} from '../endpoints/openid/authentication.js';
import { SetupError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import type { LoginHints } from '../endpoints/authorization/outcome.js';
import { loginUrlWithHints } from './login-url.js';

export type { LoginHints };

/** The signed-in user as the authorization endpoint needs it. */
export interface SiteUser {
  /** A stable identifier: the `sub` of every token issued for this user. */
  readonly subject: string;
  /** A name to greet them with on the consent page. */
  readonly name?: string | undefined;
  /**
   * When they authenticated, epoch seconds (OpenID Connect's `auth_time`, for
   * `max_age` and `prompt=login`). Default: unknown, taken as now.
   */
  readonly authTime?: number | undefined;
  /**
   * How they authenticated: the Authentication Context Class Reference (OpenID
   * Connect Core 2 `acr`), a value your deployment defines (e.g.
   * `urn:example:loa:2`), 1 to 256 characters of %x21-7E; list the values in
   * `options.openid.acrValues`. Echoed in the id_tokens of this login, code
   * and refreshes alike. Default: unknown (no `acr` claim).
   */
  readonly acr?: string | undefined;
  /**
   * The ways they authenticated (OpenID Connect Core 2 `amr`): RFC 8176 values
   * such as `pwd` (password), `otp` (one-time code), `mfa` (several factors),
   * `hwk` (a hardware key), `face`, `fpt`; at most 10 of 1 to 64 characters.
   * Echoed in the id_tokens of this login. Default: unknown (no `amr` claim).
   */
  readonly amr?: readonly string[] | undefined;
}

/** A request as the adapter sees it: Node's, plus what express-session and Passport add. */
export type SiteRequest = IncomingMessage & {
  session?: Record<string, unknown> & { returnTo?: string };
  sessionID?: string;
  user?: unknown;
  isAuthenticated?: () => boolean;
  originalUrl?: string;
};

export interface SiteAdapter {
  /**
   * The signed-in user, or undefined. Throws an Error that names the fix when the
   * app lacks what the adapter needs (a session, Passport).
   */
  currentUser(req: SiteRequest): SiteUser | undefined;
  /**
   * Sends a user who is not signed in to log in; after login they must come back
   * to `returnTo`: a local path (starting with a single `/`) and the checked
   * request's query, bounded in size. `hints` (authorization requests only; `{}`
   * when there are none) are the request's OpenID Connect `login_hint` and
   * `ui_locales`, for the login page to prefill and localize: checked for size
   * and characters, but written by the client, so escape what you show of them.
   */
  login(req: SiteRequest, res: ServerResponse, returnTo: string, hints?: LoginHints): void;
  /**
   * Ends the signed-in user's login session at the host (the end-session
   * endpoint, OpenID Connect RP-Initiated Logout; `oauth.endSession()`), so the
   * next request finds nobody signed in. Optional for a custom adapter: without
   * it, a logout that has a session to end fails with a `SetupError`.
   */
  logout?(req: SiteRequest, res: ServerResponse): Promise<void>;
}

/** The pages a user signs in for: `authorize()`, `device()` and `authorizedApps()`. */
export type PageName = 'authorize' | 'device' | 'authorizedApps' | 'endSession';

export interface PassportSiteAdapterOptions {
  /**
   * Where the host app's login page is (a path or URL). Needed wherever a user who
   * is not signed in can arrive: the GET route of the authorization endpoint,
   * both routes of the device verification page.
   */
  loginUrl?: string | undefined;
  /**
   * The stable subject of a Passport user. Default: `user.id`, else `user.sub`,
   * else `user.username` (a string or number).
   */
  subject?: (user: unknown) => string;
  /** A display name. Default: `user.displayName`, `user.name` or `user.username`. */
  name?: (user: unknown) => string | undefined;
  /**
   * The signed-in user's `acr` (see {@link SiteUser.acr}), e.g. from what your
   * login recorded in the session. Default: none. An answer that is not
   * undefined or such a string is a `SetupError` naming this option.
   * @example acr: (user, req) => (req.session?.['mfa'] === true ? 'urn:example:loa:2' : 'urn:example:loa:1')
   */
  acr?: (user: unknown, req: SiteRequest) => string | undefined;
  /**
   * The signed-in user's `amr` (see {@link SiteUser.amr}; RFC 8176 values).
   * Default: none. An answer that is not undefined or such an array is a
   * `SetupError` naming this option.
   * @example amr: (user, req) => (req.session?.['mfa'] === true ? ['pwd', 'otp', 'mfa'] : ['pwd'])
   */
  amr?: (user: unknown, req: SiteRequest) => readonly string[] | undefined;
}

const PASSPORT_ADAPTER_KEYS = optionKeys<PassportSiteAdapterOptions>({
  loginUrl: true,
  subject: true,
  name: true,
  acr: true,
  amr: true,
});

function field(user: unknown, names: readonly string[]): string | undefined {
  if (typeof user !== 'object' || user === null) return undefined;
  for (const name of names) {
    const value = (user as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

/** The session key where the adapter records when the user logged in. */
const LOGIN_KEY = 'oauth2Login';

/**
 * When the signed-in user logged in, epoch seconds: recorded at the first sight of a login.
 * @param clock epoch milliseconds (the provider's clock, so `max_age` compares like with like).
 */
function loginTime(req: SiteRequest, clock: () => number): number {
  const session = requireSession(req);
  const sid = typeof req.sessionID === 'string' ? req.sessionID : '';
  const recorded = session[LOGIN_KEY] as { sid?: unknown; at?: unknown } | undefined;
  if (recorded?.sid === sid && typeof recorded.at === 'number') return recorded.at;
  const at = Math.floor(clock() / 1000);
  session[LOGIN_KEY] = { sid, at };
  return at;
}

/**
 * Ends the Passport login: forgets the login time, then `req.logout()`, which
 * in Passport 0.6+ takes a callback, saves the session without the user and
 * regenerates it (a new session id, nothing of the old session kept). A login
 * still in the session afterwards (no `passport.initialize()`, so Passport had
 * no session manager and only cleared `req.user`) is a `SetupError`.
 */
async function passportLogout(req: SiteRequest, page: PageName): Promise<void> {
  delete requireSession(req)[LOGIN_KEY];
  const logout = (req as { logout?: (done: (err?: unknown) => void) => void }).logout;
  const fix = `Did you forget app.use(passport.initialize()) and app.use(passport.session()) before ${page}()?`;
  if (typeof logout !== 'function')
    throw new SetupError(`${page}() uses Passport, but req.logout is missing. ${fix}`);
  await new Promise<void>((resolve, reject) => {
    logout.call(req, (err) => (err === undefined || err === null ? resolve() : reject(err)));
  });
  if ((req.session as { passport?: { user?: unknown } } | undefined)?.passport?.user !== undefined)
    throw new SetupError(`${page}(): req.logout() left the Passport login in the session. ${fix}`);
}

/** Fails with a message naming the fix when the session is missing. */
export function requireSession(req: SiteRequest): Record<string, unknown> & { returnTo?: string } {
  if (req.session === undefined || req.session === null) {
    throw new SetupError(
      'authorize() needs a session, but req.session is missing. Did you forget app.use(session({ ... })) (express-session) before the authorization route?',
    );
  }
  return req.session;
}

export function passportSiteAdapter(options: PassportSiteAdapterOptions = {}): SiteAdapter {
  checkOptionKeys(options, PASSPORT_ADAPTER_KEYS, 'passportSiteAdapter(): options');
  return passportSiteAdapterFor('authorize', options);
}

/**
 * The `acr` and `amr` of a signed-in user, from the host's functions, checked
 * (lib/endpoints/openid/authentication.ts: a bad answer is a SetupError naming
 * `${page}(): options.acr` or `.amr`).
 * @throws TypeError when an option is not a function.
 */
function authenticationReader(
  page: PageName,
  options: PassportSiteAdapterOptions,
): (user: unknown, req: SiteRequest) => AuthenticationContext {
  const { acr, amr } = options;
  if (acr !== undefined && typeof acr !== 'function')
    throw new TypeError(
      `${page}(): options.acr must be a function (user, req) => string | undefined`,
    );
  if (amr !== undefined && typeof amr !== 'function')
    throw new TypeError(
      `${page}(): options.amr must be a function (user, req) => string[] | undefined (RFC 8176 values)`,
    );
  return (user, req) =>
    authenticationOf({ acr: acr?.(user, req), amr: amr?.(user, req) }, `${page}(): options`);
}

/**
 * The Passport site adapter of the page `page`: its option errors and setup
 * hints name that page (`device(): options.loginUrl must be…`).
 * @param clock epoch milliseconds, for the login time; default `Date.now` (pages
 *   built by a provider pass its clock).
 * @throws TypeError naming the page and the option.
 */
export function passportSiteAdapterFor(
  page: PageName,
  options: PassportSiteAdapterOptions,
  clock: () => number = Date.now,
): SiteAdapter {
  const loginUrl = options.loginUrl;
  if (loginUrl !== undefined && (typeof loginUrl !== 'string' || loginUrl === '')) {
    throw new TypeError(
      `${page}(): options.loginUrl must be the path or URL of your login page, e.g. "/login"`,
    );
  }
  if (options.subject !== undefined && typeof options.subject !== 'function')
    throw new TypeError(`${page}(): options.subject must be a function (user) => string`);
  if (options.name !== undefined && typeof options.name !== 'function')
    throw new TypeError(`${page}(): options.name must be a function (user) => string | undefined`);
  const subjectOf =
    options.subject ?? ((user: unknown) => field(user, ['id', 'sub', 'username']) ?? '');
  const nameOf =
    options.name ?? ((user: unknown) => field(user, ['displayName', 'name', 'username']));
  const readAuthentication = authenticationReader(page, options);
  return {
    currentUser(req) {
      requireSession(req);
      if (typeof req.isAuthenticated !== 'function') {
        throw new SetupError(
          'authorize() uses Passport, but req.isAuthenticated is missing. Did you forget app.use(passport.session()) (after app.use(session(...))) before the authorization route?',
        );
      }
      if (!req.isAuthenticated() || req.user === undefined || req.user === null) {
        // A Passport login recorded in the session but no req.user: passport.session()
        // did not run (passport.initialize() alone adds isAuthenticated), which would
        // otherwise send a signed-in user back to the login page forever.
        const recorded = (req.session as { passport?: { user?: unknown } }).passport?.user;
        if (recorded !== undefined && recorded !== null) {
          throw new SetupError(
            'a Passport login is in the session, but req.user is not set. Did you forget app.use(passport.session()) (after app.use(session(...))) before the authorization route?',
          );
        }
        return undefined;
      }
      const subject = subjectOf(req.user);
      if (typeof subject !== 'string' || subject === '') {
        throw new SetupError(
          `cannot tell the subject of req.user: give ${page}({ subject: (user) => ... }) returning a stable id string`,
        );
      }
      const authTime = loginTime(req, clock);
      return { subject, name: nameOf(req.user), authTime, ...readAuthentication(req.user, req) };
    },
    login(req, res, returnTo, hints) {
      if (loginUrl === undefined) {
        throw new SetupError(
          `a user who is not signed in reached ${page}(), which has no loginUrl: use ${page}({ loginUrl: "/login" })${page === 'authorize' ? ' on the GET route' : ''}`,
        );
      }
      requireSession(req).returnTo = returnTo;
      res.statusCode = 302;
      res.setHeader('Location', loginUrlWithHints(loginUrl, hints));
      res.setHeader('Cache-Control', 'no-store');
      res.end();
    },
    logout: (req) => passportLogout(req, page),
  };
}
