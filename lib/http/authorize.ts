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
 * form's `action`. A pushed request (`client_id` + `request_uri`, RFC 9126 4) is
 * taken from the store on the first visit; when the user must log in first, the
 * request is kept in the session (./pushed-requests.ts) and `returnTo` repeats
 * `client_id` and `request_uri`, answered from the session once. The site
 * adapter's `login()` gets the request's `login_hint` and `ui_locales`
 * (`outcome.hints`). Every page of a checked request speaks its `ui_locales`
 * first (lib/endpoints/authorization/ui-locales.ts): the consent page, and the
 * error pages of the POST that answers it (the tags ride in the transaction).
 *
 * POST: the consent form's answer, checked by the rules the device page shares
 * (./user-pages.ts; in short):
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
 * passed to `next(err)`; any other failure is an error page (./user-pages.ts).
 */
import type { ServerResponse } from 'node:http';
import type { ConsentPrompt } from '../endpoints/authorization/endpoint.js';
import { parseAuthorizationQuery } from '../endpoints/authorization/query.js';
import type { PendingAuthorization } from '../endpoints/authorization/request.js';
import type { Provider } from '../engine/provider.js';
import { keepPushedRequest, takePushedRequest } from './pushed-requests.js';
import type { SiteRequest, SiteUser } from './site-adapter.js';
import {
  errorPage,
  localPath,
  openConsent,
  pageSetup,
  readPostedForm,
  runPage,
  searchOf,
  takeAnswer,
  type AuthorizeOptions,
  type Next,
} from './user-pages.js';

export type { AuthorizeOptions } from './user-pages.js';

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.statusCode = status;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

/** The `ui_locales` a page of this request speaks first (its kept tags), or undefined. */
function uiLocalesOf(request: PendingAuthorization | undefined): string | undefined {
  return request?.uiLocales?.join(' ');
}

const EXPIRED =
  'this authorization request expired or was already answered; please start again from the application';

/**
 * The `(req, res, next)` handler of the authorization endpoint (GET and POST).
 * @throws TypeError naming the option, when an option is wrong.
 */
export function authorizeHandler(provider: Provider, options: AuthorizeOptions = {}) {
  const { adapter, render, lifetime } = pageSetup('authorize', options, provider);
  const showError = errorPage(render, 'authorize');
  const engine = provider.authorization;
  const clock = provider.config.clock;
  const answers = {
    adapter,
    claim: (id: string, expiresAt: number) => engine.claimAnswer(id, expiresAt),
    expired: EXPIRED,
  };

  const endpointPath = new URL(provider.endpointUrl('authorization')).pathname;

  /** Opens a transaction for a consent page and renders it. */
  const consent = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    outcome: ConsentPrompt,
    user: SiteUser,
  ): void => {
    const timing = { now: clock(), lifetime };
    const { transactionId, csrfToken } = openConsent(req, outcome.request, user, timing);
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
      uiLocales: uiLocalesOf(outcome.request),
    } as const;
    render(req, res, 200, locals, next);
  };

  const get = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const user = adapter.currentUser(req);
    const kept = (requestUri: string) => takePushedRequest(req, requestUri, clock());
    const outcome = await engine.start(parseAuthorizationQuery(searchOf(req)), user, kept);
    if (outcome.kind === 'show') showError(req, res, next, outcome.error);
    else if (outcome.kind === 'redirect') redirect(res, 302, outcome.location);
    else if (outcome.kind === 'login') {
      const now = clock();
      if (outcome.pushed !== undefined)
        keepPushedRequest(req, outcome.pushed, now, now + lifetime * 1000);
      adapter.login(req, res, `${localPath(req, endpointPath)}?${outcome.query}`, outcome.hints);
    } else if (user === undefined)
      throw new TypeError('authorize(): a consent page without a user');
    else consent(req, res, next, outcome, user);
  };

  const post = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const params = await readPostedForm(req, res, next, showError);
    if (params === undefined) return;
    const answer = await takeAnswer<PendingAuthorization>(req, params, clock(), answers);
    if (!answer.ok)
      return showError(req, res, next, answer.error, undefined, uiLocalesOf(answer.request));
    const result = await engine.decide(answer.tx.request, answer.user, {
      decision: params['decision'],
      remember: params['remember'] !== undefined,
    });
    const uiLocales = uiLocalesOf(answer.tx.request);
    if (result.kind === 'show') showError(req, res, next, result.error, undefined, uiLocales);
    else redirect(res, 303, result.location);
  };

  return function authorize(req: SiteRequest, res: ServerResponse, next: Next): void {
    runPage(req, res, next, { get, post, showError });
  };
}
