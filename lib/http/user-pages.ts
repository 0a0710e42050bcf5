/**
 * What the two pages a user answers have in common: the authorization endpoint
 * (`authorize()`, ./authorize.ts) and the device verification page (`device()`,
 * ./device.ts). Each page keeps its own flow; this is their shared frame.
 *
 * Rules:
 * - options are checked when the handler is made, with a TypeError that names
 *   the page the option was given to (`device(): options.render must be…`);
 * - GET and HEAD show, POST answers; any other method is 405 with
 *   `Allow: GET, POST`; a failure after the response started, or a mistake in
 *   the host's setup (`SetupError`), goes to `next(err)`, any other failure is
 *   the error page;
 * - the error page is 400 for a refusal, the error's own status for a server
 *   failure (5xx), or the status the page asks for (429 past a limit), with the
 *   error's `Retry-After` and `Connection` headers (a body refused unread closes
 *   the connection);
 * - a POST's body is read by the strict form reader (./form.ts), with its
 *   size limit and read deadline;
 * - a consent page opens a transaction in the session (./consent-transactions.ts)
 *   with a CSRF token of 32 random bytes, answerable for `transactionLifetime`
 *   seconds; its answer takes the transaction out of the session and claims it
 *   with the engine's single-use marker (`claimAnswer`) before anything else is
 *   checked, then compares the CSRF token in constant time (RFC 6749 10.12), then
 *   requires the signed-in user to be the one the page was shown to.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  AccessDeniedError,
  InvalidRequestError,
  SetupError,
  toOAuthError,
  type OAuthError,
} from '../errors.js';
import { safeEqual } from '../helpers/secrets.js';
import {
  openTransaction,
  takeTransaction,
  type Transaction,
  type TransactionSlot,
} from './consent-transactions.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT } from './endpoints.js';
import { readForm } from './form.js';
import {
  passportSiteAdapterFor,
  type PageName,
  type PassportSiteAdapterOptions,
  type SiteAdapter,
  type SiteRequest,
  type SiteUser,
} from './site-adapter.js';
import type { Provider } from '../engine/provider.js';
import { viewRenderer, type PageLanguage, type RenderFunction } from './views.js';

/** Options of `authorize()` and `device()`. */
export interface AuthorizeOptions extends PassportSiteAdapterOptions {
  /** Replaces the Passport site adapter (then `loginUrl`, `subject`, `name`, `acr` and `amr` are unused). */
  siteAdapter?: SiteAdapter;
  /** Directories searched first for the page's views (`consent.ejs`, `error.ejs`, …). */
  views?: string | readonly string[];
  /** Renders the pages instead of EJS. */
  render?: RenderFunction;
  /** Seconds a consent page stays answerable. Default 600. */
  transactionLifetime?: number;
}

/** Express's `next`. */
export type Next = (err?: unknown) => void;
type Params = Readonly<Record<string, string>>;

/** The page renderer of one handler (./views.ts). */
export type PageRenderer = ReturnType<typeof viewRenderer>;

/**
 * Shows the error page for `error`; `status` overrides the one chosen (rules
 * above); `uiLocales`, the request's kept `ui_locales` tags (space-separated),
 * choose the page's language first (./page-language.ts).
 */
export type ShowError = (
  req: SiteRequest,
  res: ServerResponse,
  next: Next,
  error: OAuthError,
  status?: number,
  uiLocales?: string,
) => void;

/** A page's checked options. */
export interface PageSetup {
  readonly adapter: SiteAdapter;
  readonly render: PageRenderer;
  /** Seconds a consent page stays answerable. */
  readonly lifetime: number;
}

/** The text of an answer whose CSRF token is missing or wrong. */
/** A new form (CSRF) token: 32 random bytes, base64url. */
export function newFormToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Whether a posted form token is the one kept, compared in constant time; a
 * missing one, or nothing (or an empty string) kept, never matches.
 */
export function formTokenMatches(sent: string | undefined, kept: unknown): boolean {
  if (sent === undefined || typeof kept !== 'string' || kept === '') return false;
  return safeEqual(Buffer.from(sent), Buffer.from(kept));
}

export const FORGED =
  'the form was not sent by this authorization server (CSRF token missing or wrong)';
/** The text of an answer from another user than the one the page was shown to. */
export const USER_CHANGED =
  'the signed-in user changed since the consent page was shown; please start again';

/** What the pages of `provider` speak: its `locales` and its scopes' descriptions. */
export function pageLanguage(provider: Provider): PageLanguage {
  return {
    locales: provider.config.locales,
    describe: (scope, chain) => provider.scopes.describe(scope, chain),
  };
}

/**
 * Checks the options of the page `page` and builds its site adapter and renderer,
 * speaking the language of `provider`'s options (the built-in catalogs without one).
 * @throws TypeError naming the page and the option.
 */
export function pageSetup(
  page: PageName,
  options: AuthorizeOptions,
  provider?: Provider,
): PageSetup {
  const { loginUrl, subject, name, acr, amr } = options;
  const adapter =
    options.siteAdapter ??
    passportSiteAdapterFor(page, { loginUrl, subject, name, acr, amr }, provider?.config.clock);
  const lifetime = checkOptions(page, options, adapter);
  const language = provider === undefined ? undefined : pageLanguage(provider);
  const render = viewRenderer({ views: options.views, render: options.render, language });
  return { adapter, render, lifetime };
}

/**
 * Checks a page's own options; returns the transaction lifetime in seconds.
 * @throws TypeError prefixed by `page()`.
 */
function checkOptions(page: PageName, options: AuthorizeOptions, adapter: SiteAdapter): number {
  if (typeof adapter.currentUser !== 'function' || typeof adapter.login !== 'function') {
    throw new TypeError(
      `${page}(): options.siteAdapter must have currentUser(req) and login(req, res, returnTo)`,
    );
  }
  const lifetime = options.transactionLifetime ?? 600;
  if (!Number.isInteger(lifetime) || lifetime <= 0)
    throw new TypeError(
      `${page}(): options.transactionLifetime must be a positive whole number of seconds`,
    );
  if (options.render !== undefined && typeof options.render !== 'function')
    throw new TypeError(`${page}(): options.render must be a function`);
  return lifetime;
}

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

/** The error page of a handler (rules above). */
export function errorPage(render: PageRenderer, page: PageName): ShowError {
  return (req, res, next, error, status, uiLocales) => {
    const shown = status ?? (error.status >= 500 ? error.status : 400);
    for (const header of ['Retry-After', 'Connection'])
      if (error.headers[header] !== undefined) res.setHeader(header, error.headers[header]);
    const details = { code: error.error, description: error.description, status: shown, stack: '' };
    render(
      req,
      res,
      shown,
      { view: 'error', page, status: shown, message: error.description, error: details, uiLocales },
      next,
    );
  };
}

/** The POSTed form's fields, or undefined once the error page is shown (rules above). */
export async function readPostedForm(
  req: SiteRequest,
  res: ServerResponse,
  next: Next,
  showError: ShowError,
): Promise<Params | undefined> {
  try {
    return await readForm(req, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT);
  } catch (err) {
    showError(req, res, next, toOAuthError(err));
    return undefined;
  }
}

/** Opens the transaction of a consent page shown to `user` (rules above). */
export function openConsent<R extends object>(
  req: SiteRequest,
  request: R,
  user: SiteUser,
  timing: { readonly now: number; readonly lifetime: number },
  slot?: TransactionSlot,
): { transactionId: string; csrfToken: string } {
  const csrfToken = newFormToken();
  const tx: Transaction<R> = {
    request,
    subject: user.subject,
    csrf: csrfToken,
    expiresAt: timing.now + timing.lifetime * 1000,
  };
  return { transactionId: openTransaction(req, tx, timing.now, slot), csrfToken };
}

/** How a page checks an answer. */
export interface AnswerCheck {
  readonly adapter: SiteAdapter;
  /** The engine's single-use marker of an answer (`provider.authorization.claimAnswer`). */
  readonly claim: (id: string, expiresAt: number) => Promise<boolean>;
  /** The text of an answer whose transaction is unknown, expired or already answered. */
  readonly expired: string;
  readonly slot?: TransactionSlot;
}

/**
 * A checked answer: its transaction and the user who answered, or the error to
 * show (with the transaction's request when one was taken, for the page's language).
 */
export type Answer<R extends object> =
  | { readonly ok: true; readonly tx: Transaction<R>; readonly user: SiteUser }
  | { readonly ok: false; readonly error: OAuthError; readonly request?: R };

/** Takes and checks the answer to a consent page (rules above); a store failure rejects. */
export async function takeAnswer<R extends object>(
  req: SiteRequest,
  params: Params,
  now: number,
  check: AnswerCheck,
): Promise<Answer<R>> {
  const id = params['transaction_id'];
  const tx = takeTransaction<R>(req, id, now, check.slot);
  if (id === undefined || tx === undefined || !(await check.claim(id, tx.expiresAt)))
    return { ok: false, error: new InvalidRequestError(check.expired) };
  if (!formTokenMatches(params['csrf_token'], tx.csrf))
    return { ok: false, error: new InvalidRequestError(FORGED), request: tx.request };
  const user = check.adapter.currentUser(req);
  if (user === undefined || user.subject !== tx.subject)
    return { ok: false, error: new AccessDeniedError(USER_CHANGED), request: tx.request };
  return { ok: true, tx, user };
}

type Step = (req: SiteRequest, res: ServerResponse, next: Next) => Promise<void>;

/** Runs a page's step for the request's method, and shows what it throws (rules above). */
export function runPage(
  req: SiteRequest,
  res: ServerResponse,
  next: Next,
  page: { readonly get: Step; readonly post: Step; readonly showError: ShowError },
): void {
  const step =
    req.method === 'GET' || req.method === 'HEAD'
      ? page.get
      : req.method === 'POST'
        ? page.post
        : undefined;
  if (step === undefined) {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET, POST');
    res.end();
    return;
  }
  step(req, res, next).catch((err: unknown) => {
    if (res.headersSent || err instanceof SetupError) next(err);
    else page.showError(req, res, next, toOAuthError(err));
  });
}
