/**
 * `authorize()`: the authorization endpoint for Express (RFC 6749 3.1).
 *
 *     app.get('/authorize', oauth.authorize({ loginUrl: '/login' }));  // login check + consent page
 *     app.post('/authorize', oauth.authorize());                       // the user's decision
 *
 * GET: the engine checks the request (lib/authorization.ts). Errors about the
 * client or redirect URI are an HTML error page (400); other errors are
 * redirected to the client. A user who is not signed in is sent to the host's
 * login (site adapter). A signed-in user sees the consent page, unless consent
 * was remembered or the client is first-party and that is configured.
 *
 * POST: the consent form's answer. It must carry the `transaction_id` and
 * `csrf_token` of a pending transaction of this session and this user; a
 * transaction answers once. Anything else is an error page and nothing is issued.
 * `decision=allow` issues a code (or token); `decision=deny` redirects
 * `access_denied`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { parseAuthorizationQuery, type AuthorizationOutcome } from '../endpoints/authorization.js';
import {
  AccessDeniedError,
  InvalidRequestError,
  toOAuthError,
  type OAuthError,
} from '../errors.js';
import type { Provider } from '../engine/provider.js';
import { safeEqual } from '../helpers/secrets.js';
import { DEFAULT_BODY_LIMIT } from './endpoints.js';
import { readForm } from './form.js';
import {
  passportSiteAdapter,
  requireSession,
  SetupError,
  type PassportSiteAdapterOptions,
  type SiteAdapter,
  type SiteRequest,
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

interface Transaction {
  /** The authorization request's query string, validated again when answered. */
  query: string;
  subject: string;
  csrf: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

type Session = Record<string, unknown> & {
  oauth2?: { transactions?: Record<string, Transaction> };
};

/** Pending consent transactions kept per session. */
const MAX_TRANSACTIONS = 8;

type Next = (err?: unknown) => void;

function searchOf(req: SiteRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

function pathOf(req: SiteRequest): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.statusCode = status;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

function transactions(session: Session): Record<string, Transaction> {
  session.oauth2 ??= {};
  session.oauth2.transactions ??= {};
  return session.oauth2.transactions;
}

export function authorizeHandler(provider: Provider, options: AuthorizeOptions = {}) {
  const adapter = options.siteAdapter ?? passportSiteAdapter(options);
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
  const render = viewRenderer({ views: options.views, render: options.render });
  const clock = provider.config.clock;

  const showError = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    error: OAuthError,
  ): void => {
    const status = error.status >= 500 ? error.status : 400;
    render(
      req,
      res,
      status,
      {
        view: 'error',
        status,
        message: error.description,
        error: { code: error.error, description: error.description, status, stack: '' },
      },
      next,
    );
  };

  /** Acts on a validation outcome; returns true when the response was sent. */
  const settled = (
    outcome: AuthorizationOutcome,
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    status: 302 | 303,
  ): boolean => {
    if (outcome.kind === 'show') showError(req, res, next, outcome.error);
    else if (outcome.kind === 'redirect') redirect(res, status, outcome.location);
    else return false;
    return true;
  };

  const get = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const search = searchOf(req);
    const outcome = await provider.validateAuthorization(parseAuthorizationQuery(search));
    if (settled(outcome, req, res, next, 302) || outcome.kind !== 'valid') return;
    const { request } = outcome;
    const user = adapter.currentUser(req);
    if (user === undefined) {
      adapter.login(req, res, req.originalUrl ?? req.url ?? '/');
      return;
    }
    if (!(await provider.consentRequired(request, user.subject))) {
      redirect(res, 302, await provider.approveAuthorization(request, user.subject));
      return;
    }
    const pending = transactions(requireSession(req) as Session);
    const now = clock();
    for (const [id, tx] of Object.entries(pending)) if (tx.expiresAt <= now) delete pending[id];
    const ids = Object.keys(pending);
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_TRANSACTIONS + 1)))
      delete pending[id];
    const transactionId = randomBytes(16).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    pending[transactionId] = {
      query: search,
      subject: user.subject,
      csrf: csrfToken,
      expiresAt: now + lifetime * 1000,
    };
    const descriptions = provider.scopes.descriptions;
    render(
      req,
      res,
      200,
      {
        view: 'consent',
        issuer: provider.config.issuer,
        client: { id: request.client.id, name: request.client.name ?? request.client.id },
        scopes: request.scope.map((name) => ({ name, description: descriptions[name] ?? name })),
        user: { subject: user.subject, name: user.name },
        action: pathOf(req),
        transactionId,
        csrfToken,
        rememberable: provider.remembersConsent,
      },
      next,
    );
  };

  const post = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    let params: Readonly<Record<string, string>>;
    try {
      params = await readForm(req, DEFAULT_BODY_LIMIT);
    } catch (err) {
      showError(req, res, next, toOAuthError(err));
      return;
    }
    const pending = transactions(requireSession(req) as Session);
    const id = params['transaction_id'];
    const tx = id === undefined ? undefined : pending[id];
    if (id !== undefined) delete pending[id];
    if (tx === undefined || tx.expiresAt <= clock()) {
      showError(
        req,
        res,
        next,
        new InvalidRequestError(
          'this authorization request expired or was already answered; please start again from the application',
        ),
      );
      return;
    }
    if (!safeEqual(Buffer.from(params['csrf_token'] ?? ''), Buffer.from(tx.csrf))) {
      showError(
        req,
        res,
        next,
        new InvalidRequestError(
          'the form was not sent by this authorization server (CSRF token missing or wrong)',
        ),
      );
      return;
    }
    const user = adapter.currentUser(req);
    if (user === undefined || user.subject !== tx.subject) {
      showError(
        req,
        res,
        next,
        new AccessDeniedError(
          'the signed-in user changed since the consent page was shown; please start again',
        ),
      );
      return;
    }
    const outcome = await provider.validateAuthorization(parseAuthorizationQuery(tx.query));
    if (settled(outcome, req, res, next, 303) || outcome.kind !== 'valid') return;
    const decision = params['decision'];
    if (decision === 'deny') {
      redirect(res, 303, provider.denyAuthorization(outcome.request));
    } else if (decision === 'allow') {
      if (params['remember'] !== undefined)
        await provider.rememberConsent(outcome.request, user.subject);
      redirect(res, 303, await provider.approveAuthorization(outcome.request, user.subject));
    } else {
      showError(req, res, next, new InvalidRequestError('decision must be allow or deny'));
    }
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
