/**
 * `oauth.authorizedApps({ loginUrl })`: the page where a signed-in user sees the
 * apps they authorized and takes one back, mounted by one call:
 *
 *     app.use('/account/apps', oauth.authorizedApps({ loginUrl: '/login' }));
 *
 * Rules:
 * - it answers its mount point only (`/`, any other path goes to `next()`); GET
 *   and HEAD show the list (view `oauth2/apps.ejs`, overridable like the consent
 *   page), POST revokes one app (`client_id`) and answers 303 back to the page;
 *   any other method is 405;
 * - the user is the site adapter's (Passport's by default); nobody signed in is
 *   sent to `loginUrl` with this page as the way back, for GET and POST alike,
 *   and nothing is revoked;
 * - a POST must carry the CSRF token kept in the user's session (32 random
 *   bytes, compared in constant time): missing or wrong is the 400 error page and
 *   nothing is revoked. A missing `client_id` is 400 too;
 * - only the signed-in user's own grants are ever revoked
 *   (`provider.authorizedApps.revoke(subject, clientId)`);
 * - the page has the consent page's headers: no-store, anti-framing
 *   (lib/http/views.ts), and the default view escapes every value.
 */
import type { ServerResponse } from 'node:http';
import type { AuthorizedApp } from '../engine/authorized-apps.js';
import type { Provider } from '../engine/provider.js';
import { InvalidRequestError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { requireSession, type SiteRequest, type SiteUser } from './site-adapter.js';
import type { AppView } from './views.js';
import {
  errorPage,
  FORGED,
  formTokenMatches,
  newFormToken,
  localPath,
  pageSetup,
  readPostedForm,
  runPage,
  type AuthorizeOptions,
  type Next,
} from './user-pages.js';

/** Options of `authorizedApps()`: the site adapter's (no `acr`/`amr`: it issues nothing) and the views'. */
export type AuthorizedAppsOptions = Omit<AuthorizeOptions, 'transactionLifetime' | 'acr' | 'amr'>;

/** The key list of {@link AuthorizedAppsOptions}. */
export const AUTHORIZED_APPS_KEYS = optionKeys<AuthorizedAppsOptions>({
  loginUrl: true,
  subject: true,
  name: true,
  siteAdapter: true,
  views: true,
  render: true,
});

/** The session key of the page's CSRF token. */
const CSRF_KEY = 'oauth2AppsCsrf';

function iso(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();
}

function appView(app: AuthorizedApp): AppView {
  return {
    clientId: app.clientId,
    name: app.clientName ?? app.clientId,
    scopes: app.scopes,
    resources: app.resources,
    grantedAt: iso(app.grantedAt),
    lastUsedAt: iso(app.lastUsedAt),
  };
}

/** The session's CSRF token for this page, made on first need. */
function csrfToken(req: SiteRequest): string {
  const session = requireSession(req);
  const token = session[CSRF_KEY];
  if (typeof token === 'string' && token.length > 0) return token;
  const made = newFormToken();
  session[CSRF_KEY] = made;
  return made;
}

function pathOf(req: SiteRequest): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The handler of the authorized apps page (rules above).
 * @throws TypeError naming the option, when an option is wrong.
 */
export function authorizedAppsHandler(provider: Provider, options: AuthorizedAppsOptions = {}) {
  checkOptionKeys(options, AUTHORIZED_APPS_KEYS, 'authorizedApps(): options');
  const { adapter, render } = pageSetup('authorizedApps', options, provider);
  const showError = errorPage(render, 'authorizedApps');
  const apps = provider.authorizedApps;

  /** The signed-in user, or undefined once they were sent to log in. */
  function signedIn(req: SiteRequest, res: ServerResponse): SiteUser | undefined {
    const user = adapter.currentUser(req);
    if (user === undefined) adapter.login(req, res, localPath(req, '/'));
    return user;
  }

  async function get(req: SiteRequest, res: ServerResponse, next: Next): Promise<void> {
    const user = signedIn(req, res);
    if (user === undefined) return;
    const list = (await apps.list(user.subject)).map(appView);
    const locals = {
      view: 'apps' as const,
      user: { name: user.name ?? user.subject },
      apps: list,
      csrfToken: csrfToken(req),
      action: localPath(req, '/'),
    };
    render(req, res, 200, locals, next);
  }

  async function post(req: SiteRequest, res: ServerResponse, next: Next): Promise<void> {
    const params = await readPostedForm(req, res, next, showError);
    if (params === undefined) return;
    const user = signedIn(req, res);
    if (user === undefined) return;
    if (!formTokenMatches(params['csrf_token'], requireSession(req)[CSRF_KEY])) {
      showError(req, res, next, new InvalidRequestError(FORGED));
      return;
    }
    const clientId = params['client_id'];
    if (clientId === undefined || clientId === '') {
      showError(req, res, next, new InvalidRequestError('client_id is required'));
      return;
    }
    await apps.revoke(user.subject, clientId);
    res.statusCode = 303;
    res.setHeader('Location', localPath(req, '/'));
    res.setHeader('Cache-Control', 'no-store');
    res.end();
  }

  return function authorizedApps(req: SiteRequest, res: ServerResponse, next: Next): void {
    if (pathOf(req) !== '/') {
      next();
      return;
    }
    runPage(req, res, next, { get, post, showError });
  };
}
