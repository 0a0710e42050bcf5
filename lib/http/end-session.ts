/**
 * `endSession()`: the end-session endpoint for Express (OpenID Connect
 * RP-Initiated Logout 1.0), where a client sends the user to sign out:
 *
 *     app.get('/end_session', oauth.endSession());
 *     app.post('/end_session', oauth.endSession());
 *
 * The engine checks the request (lib/endpoints/openid/end-session.ts); this
 * adapter asks the site adapter who is signed in, decides whether to ask the
 * user, ends the host's login session through the site adapter's `logout`,
 * and renders `oauth2/logout.ejs` (the question), `oauth2/logged-out.ejs` and
 * `oauth2/error.ejs`, overridable as `authorize()`'s are (./views.ts).
 *
 * Rules (section numbers are RP-Initiated Logout 1.0's):
 * - GET reads the query, POST the form body (2: the OP "MUST support the use
 *   of the HTTP GET and POST methods"), both by the strict form rules
 *   (./form.ts: a repeated parameter or malformed percent-encoding is
 *   `invalid_request`; names never reach an object prototype); a POST with
 *   `decision` or `csrf_token` is the answer to the question instead;
 * - every refusal is the 400 error page, never a redirect;
 * - nobody signed in: nothing to end ("it is explicitly not an error for an RP
 *   to request that a logout be performed when the OP does not consider that
 *   the End-User is logged in", 4) → the way back or the signed-out page;
 * - signed in, and a valid `id_token_hint` whose `sub` is the signed-in user as
 *   its client knows them → logged out at once, no page (on GET and POST; a
 *   HEAD, which must be safe, gets the question instead);
 * - otherwise the question, since the OP "MUST ask the End-User this question
 *   if an id_token_hint was not provided or if the supplied ID Token does not
 *   belong to the current OP session with the RP and/or currently logged in
 *   End-User" (2). The checked request (bounded by the engine) waits in the
 *   session's one slot `oauth2Logout` with a CSRF token of 32 random bytes,
 *   for `transactionLifetime` seconds; a new question replaces it;
 * - the answer takes the slot out of the session before anything is checked
 *   (answered once: a replay finds nothing, 400), then compares the CSRF token
 *   in constant time (missing or wrong: 400, nothing ended). `yes` logs out
 *   whoever is signed in and goes the way back if the client still registers
 *   it (else the signed-out page); `no` ends nothing and says so, with a link
 *   back to the client (an http or https URI only); anything else is 400;
 * - the way back is the registered `post_logout_redirect_uri` with `state`
 *   (302 after GET, 303 after POST, `Cache-Control: no-store`);
 * - ending a session emits `session.ended`; a custom site adapter without
 *   `logout` is a `SetupError` (`next(err)`) when there is a session to end;
 * - pages have the consent page's headers (no-store, anti-framing) and speak
 *   the request's `ui_locales`, then `Accept-Language` (./page-language.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Provider } from '../engine/provider.js';
import { EndSession, logoutLocation, type LogoutRequest } from '../endpoints/openid/end-session.js';
import { InvalidRequestError, SetupError } from '../errors.js';
import { parseForm } from './form.js';
import { requireSession, type SiteRequest, type SiteUser } from './site-adapter.js';
import {
  errorPage,
  FORGED,
  formTokenMatches,
  newFormToken,
  localPath,
  pageSetup,
  readPostedForm,
  runPage,
  searchOf,
  type AuthorizeOptions,
  type Next,
} from './user-pages.js';
import type { ViewLocals } from './views.js';

/** Options of `endSession()`: those of `authorize()` (`loginUrl` is not needed). */
export type EndSessionOptions = AuthorizeOptions;

/** The text of an answer whose question is unknown, expired or already answered. */
export const LOGOUT_EXPIRED =
  'this sign-out request expired or was already answered; please start again from the application';
/** The text of an answer that is neither `yes` nor `no`. */
export const BAD_DECISION = 'decision must be yes or no';

/** The session key of the question waiting for an answer. */
const SLOT = 'oauth2Logout';

/** What the session keeps while the user is asked (JSON). */
interface Pending {
  readonly request: LogoutRequest;
  readonly csrf: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

type Params = Readonly<Record<string, string>>;

/** Takes the waiting question out of the session, if it is there and alive. */
function takePending(req: SiteRequest, now: number): Pending | undefined {
  const session = requireSession(req);
  const kept = session[SLOT] as Partial<Pending> | undefined;
  delete session[SLOT];
  if (typeof kept !== 'object' || kept === null) return undefined;
  if (typeof kept.csrf !== 'string' || typeof kept.expiresAt !== 'number') return undefined;
  if (kept.expiresAt <= now || typeof kept.request !== 'object') return undefined;
  return kept as Pending;
}

function redirect(req: SiteRequest, res: ServerResponse, location: string): void {
  res.statusCode = req.method === 'POST' ? 303 : 302;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

function clientOf(request: LogoutRequest): { id: string; name: string } | undefined {
  const { clientId, clientName } = request;
  return clientId === undefined ? undefined : { id: clientId, name: clientName ?? clientId };
}

function engineOf(provider: Provider): EndSession {
  const { openid, keys, issuer, clock } = provider.config;
  if (openid === undefined)
    throw new TypeError('endSession(): OpenID Connect is off; set options.openid to offer logout');
  const { stores, events } = provider;
  return new EndSession({ clients: stores.clients, keys, issuer, clock, openid, events });
}

/**
 * The `(req, res, next)` handler of the end-session endpoint (GET and POST).
 * @throws TypeError naming the option, when an option is wrong or `options.openid` is off.
 */
export function endSessionHandler(provider: Provider, options: EndSessionOptions = {}) {
  const engine = engineOf(provider);
  const { adapter, render, lifetime } = pageSetup('endSession', options, provider);
  const showError = errorPage(render, 'endSession');
  const { clock, issuer } = provider.config;
  const site = new URL(issuer).host;
  const path = new URL(provider.endpointUrl('end_session')).pathname;

  const page = (req: SiteRequest, res: ServerResponse, next: Next, locals: ViewLocals) =>
    render(req, res, 200, locals, next);

  const done = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    request: LogoutRequest,
    outcome: { signedOut: boolean; returnTo?: string | undefined },
  ) =>
    page(req, res, next, {
      view: 'logged-out',
      issuer,
      site,
      signedOut: outcome.signedOut,
      client: clientOf(request),
      returnTo: outcome.returnTo,
      uiLocales: request.uiLocales,
    });

  /** Ends the host's login session of `user` (rules above). */
  const endLogin = async (
    req: SiteRequest,
    res: ServerResponse,
    user: SiteUser,
    request: LogoutRequest,
  ) => {
    if (typeof adapter.logout !== 'function')
      throw new SetupError(
        'endSession(): options.siteAdapter has no logout(req, res); add one that ends your login session (e.g. with req.logout()), or use the default Passport adapter',
      );
    await adapter.logout(req, res);
    engine.ended(user.subject, request.clientId);
  };

  const ask = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    request: LogoutRequest,
    user: SiteUser,
  ) => {
    const csrf = newFormToken();
    const pending: Pending = { request, csrf, expiresAt: clock() + lifetime * 1000 };
    requireSession(req)[SLOT] = pending;
    page(req, res, next, {
      view: 'logout',
      issuer,
      site,
      client: clientOf(request),
      user: { name: user.name ?? user.subject },
      action: localPath(req, path),
      csrfToken: csrf,
      uiLocales: request.uiLocales,
    });
  };

  /** A logout request from a client (GET or POST): checked, then ended, asked or passed through. */
  const start = async (req: SiteRequest, res: ServerResponse, next: Next, params: Params) => {
    const user = adapter.currentUser(req);
    const { request, sameUser } = await engine.check(params, user?.subject);
    // HEAD is safe (RFC 9110 9.3.2): it gets the question's headers, never a logout.
    if (user !== undefined && (!sameUser || req.method === 'HEAD'))
      return ask(req, res, next, request, user);
    if (user !== undefined) await endLogin(req, res, user, request);
    const uri = request.postLogoutRedirectUri;
    if (uri !== undefined) return redirect(req, res, logoutLocation(uri, request.state));
    done(req, res, next, request, { signedOut: true });
  };

  /** The user's answer to the question (rules above). */
  const answer = async (req: SiteRequest, res: ServerResponse, next: Next, params: Params) => {
    const pending = takePending(req, clock());
    if (pending === undefined)
      return showError(req, res, next, new InvalidRequestError(LOGOUT_EXPIRED));
    if (!formTokenMatches(params['csrf_token'], pending.csrf))
      return showError(req, res, next, new InvalidRequestError(FORGED));
    const { request } = pending;
    const decision = params['decision'];
    if (decision !== 'yes' && decision !== 'no')
      return showError(req, res, next, new InvalidRequestError(BAD_DECISION));
    const location = await engine.resume(request);
    const user = adapter.currentUser(req);
    if (decision === 'no') {
      const returnTo = location !== undefined && /^https?:/i.test(location) ? location : undefined;
      return done(req, res, next, request, { signedOut: user === undefined, returnTo });
    }
    if (user !== undefined) await endLogin(req, res, user, request);
    if (location !== undefined) return redirect(req, res, location);
    done(req, res, next, request, { signedOut: true });
  };

  const get = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> =>
    start(req, res, next, parseForm(searchOf(req), 'the query string'));

  const post = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const params = await readPostedForm(req, res, next, showError);
    if (params === undefined) return;
    if (params['decision'] !== undefined || params['csrf_token'] !== undefined)
      return answer(req, res, next, params);
    return start(req, res, next, params);
  };

  return function endSession(req: SiteRequest, res: ServerResponse, next: Next): void {
    runPage(req, res, next, { get, post, showError });
  };
}
