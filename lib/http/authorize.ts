/**
 * `authorize()`: the authorization endpoint for Express (RFC 6749 3.1).
 *
 *     app.get('/authorize', oauth.authorize({ loginUrl: '/login' }));  // login check + consent page
 *     app.post('/authorize', oauth.authorize());                       // the user's decision
 *
 * The engine decides (`provider.authorization`, lib/endpoints/authorization/);
 * this adapter reads the request, asks the site adapter who is signed in, keeps
 * the consent transaction in the session, and renders or redirects the outcome.
 *
 * GET: `start(query, user)` → an error page (400, or 5xx for a server failure),
 * a redirect (302: an error, or a code when no consent page is needed), the
 * host's login (site adapter), or the consent page. The way back after login
 * (`returnTo`) is this endpoint's path and the checked request's query
 * (`outcome.query`: known parameters only, bounded), never the URL as it came:
 * junk parameters are not kept, and an absolute-form target
 * (`GET http://evil.example/authorize`) gives its path only, as does the consent
 * form's `action`.
 *
 * POST: the consent form's answer. Rules kept here:
 * - the body is read by the strict form reader (./form.ts), with its size limit
 *   and read deadline;
 * - it must carry the `transaction_id` and `csrf_token` (compared in constant
 *   time) of a pending transaction of this session (RFC 6749 10.12), kept by
 *   ./consent-transactions.ts (own entries only, the id's shape checked; reading
 *   never creates a session);
 * - a transaction answers once, even to parallel POSTs: it is taken out of the
 *   session and its answer claimed with the engine's single-use marker
 *   (`claimAnswer`) before anything else is checked; it expires after
 *   `transactionLifetime` seconds;
 * - the signed-in user must be the one the page was shown to.
 * Anything else is an error page and nothing is issued. Then
 * `decide(request, user, answer)` → a 303 redirect or an error page.
 *
 * A mistake in the host's setup (no session, no Passport) is a `SetupError`
 * passed to `next(err)`; any other failure is an error page.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ConsentPrompt } from '../endpoints/authorization/endpoint.js';
import { parseAuthorizationQuery } from '../endpoints/authorization/query.js';
import type { Provider } from '../engine/provider.js';
import {
  AccessDeniedError,
  InvalidRequestError,
  SetupError,
  toOAuthError,
  type OAuthError,
} from '../errors.js';
import { safeEqual } from '../helpers/secrets.js';
import { openTransaction, takeTransaction } from './consent-transactions.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT } from './endpoints.js';
import { readForm } from './form.js';
import {
  passportSiteAdapter,
  type PassportSiteAdapterOptions,
  type SiteAdapter,
  type SiteRequest,
  type SiteUser,
} from './site-adapter.js';
import { viewRenderer, type RenderFunction } from './views.js';

export interface AuthorizeOptions extends PassportSiteAdapterOptions {
  /** Replaces the Passport site adapter (then `loginUrl`, `subject` and `name` are unused). */
  siteAdapter?: SiteAdapter;
  /** Directories searched first for `consent.ejs` and `error.ejs`. */
  views?: string | readonly string[];
  /** Renders the pages instead of EJS. */
  render?: RenderFunction;
  /** Seconds a consent page stays answerable. Default 600. */
  transactionLifetime?: number;
}

type Next = (err?: unknown) => void;

/** The query string of the request target, without `?`. */
export function searchOf(req: SiteRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

/**
 * The path the request came to, from its target: only the path, so an
 * absolute-form target (`GET http://evil.example/authorize`, RFC 9112 3.2.2) or a
 * `//host` path gives `/authorize`, never another origin. `fallback` when the
 * target is not a URL.
 */
export function localPath(req: SiteRequest, fallback: string): string {
  try {
    const { pathname } = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost');
    return `/${pathname.replace(/^\/+/, '')}`;
  } catch {
    return fallback;
  }
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.statusCode = status;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

export function checkOptions(options: AuthorizeOptions, adapter: SiteAdapter): number {
  if (typeof adapter.currentUser !== 'function' || typeof adapter.login !== 'function') {
    throw new TypeError(
      'authorize(): options.siteAdapter must have currentUser(req) and login(req, res, returnTo)',
    );
  }
  const lifetime = options.transactionLifetime ?? 600;
  if (!Number.isInteger(lifetime) || lifetime <= 0)
    throw new TypeError(
      'authorize(): options.transactionLifetime must be a positive whole number of seconds',
    );
  if (options.render !== undefined && typeof options.render !== 'function')
    throw new TypeError('authorize(): options.render must be a function');
  return lifetime;
}

const EXPIRED =
  'this authorization request expired or was already answered; please start again from the application';
export const FORGED =
  'the form was not sent by this authorization server (CSRF token missing or wrong)';
export const USER_CHANGED =
  'the signed-in user changed since the consent page was shown; please start again';

/**
 * The `(req, res, next)` handler of the authorization endpoint (GET and POST).
 * @throws TypeError naming the option, when an option is wrong.
 */
export function authorizeHandler(provider: Provider, options: AuthorizeOptions = {}) {
  const { loginUrl, subject, name } = options;
  const adapter = options.siteAdapter ?? passportSiteAdapter({ loginUrl, subject, name });
  const lifetime = checkOptions(options, adapter);
  const render = viewRenderer({ views: options.views, render: options.render });
  const engine = provider.authorization;
  const clock = provider.config.clock;

  const endpointPath = new URL(provider.endpointUrl('authorization')).pathname;

  const showError = (req: SiteRequest, res: ServerResponse, next: Next, error: OAuthError) => {
    const status = error.status >= 500 ? error.status : 400;
    const page = { code: error.error, description: error.description, status, stack: '' };
    // A body that was refused unread (too large, too slow) closes the connection.
    const connection = error.headers['Connection'];
    if (connection !== undefined) res.setHeader('Connection', connection);
    render(
      req,
      res,
      status,
      { view: 'error', status, message: error.description, error: page },
      next,
    );
  };

  /** Opens a transaction for a consent page and renders it. */
  const consent = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    outcome: ConsentPrompt,
    user: SiteUser,
  ): void => {
    const now = clock();
    const csrfToken = randomBytes(32).toString('base64url');
    const transactionId = openTransaction(
      req,
      {
        request: outcome.request,
        subject: user.subject,
        csrf: csrfToken,
        expiresAt: now + lifetime * 1000,
      },
      now,
    );
    const locals = {
      view: 'consent',
      issuer: provider.config.issuer,
      client: outcome.client,
      scopes: outcome.scopes,
      user: { subject: user.subject, name: user.name },
      action: localPath(req, endpointPath),
      transactionId,
      csrfToken,
      rememberable: outcome.rememberable,
      clientSource: outcome.clientSource,
      documentHost: outcome.documentHost,
      redirectHost: outcome.redirectHost,
      resources: outcome.request.resources ?? [],
    } as const;
    render(req, res, 200, locals, next);
  };

  const get = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const user = adapter.currentUser(req);
    const outcome = await engine.start(parseAuthorizationQuery(searchOf(req)), user);
    if (outcome.kind === 'show') showError(req, res, next, outcome.error);
    else if (outcome.kind === 'redirect') redirect(res, 302, outcome.location);
    else if (outcome.kind === 'login')
      adapter.login(req, res, `${localPath(req, endpointPath)}?${outcome.query}`);
    else if (user === undefined) throw new TypeError('authorize(): a consent page without a user');
    else consent(req, res, next, outcome, user);
  };

  const post = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    let params: Readonly<Record<string, string>>;
    try {
      params = await readForm(req, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT);
    } catch (err) {
      showError(req, res, next, toOAuthError(err));
      return;
    }
    const id = params['transaction_id'];
    const tx = takeTransaction(req, id, clock());
    if (id === undefined || tx === undefined || !(await engine.claimAnswer(id, tx.expiresAt)))
      return showError(req, res, next, new InvalidRequestError(EXPIRED));
    if (!safeEqual(Buffer.from(params['csrf_token'] ?? ''), Buffer.from(tx.csrf)))
      return showError(req, res, next, new InvalidRequestError(FORGED));
    const user = adapter.currentUser(req);
    if (user === undefined || user.subject !== tx.subject)
      return showError(req, res, next, new AccessDeniedError(USER_CHANGED));
    const result = await engine.decide(tx.request, user, {
      decision: params['decision'],
      remember: params['remember'] !== undefined,
    });
    if (result.kind === 'show') showError(req, res, next, result.error);
    else redirect(res, 303, result.location);
  };

  return function authorize(req: SiteRequest, res: ServerResponse, next: Next): void {
    const step =
      req.method === 'GET' || req.method === 'HEAD'
        ? get
        : req.method === 'POST'
          ? post
          : undefined;
    if (step === undefined) {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, POST');
      res.end();
      return;
    }
    step(req, res, next).catch((err: unknown) => {
      if (res.headersSent) next(err);
      else if (err instanceof SetupError) next(err);
      else showError(req, res, next, toOAuthError(err));
    });
  };
}
