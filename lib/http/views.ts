/**
 * The pages of the authorization endpoint (the consent page and the error
 * page), of the device verification page (RFC 8628: `oauth2/device.ejs`, the
 * same consent page, `oauth2/device-done.ejs`) and of the end-session endpoint
 * (`oauth2/logout.ejs`, `oauth2/logged-out.ejs`).
 *
 * Rules:
 * - each is an EJS view under a namespaced name, `oauth2/consent.ejs` and
 *   `oauth2/error.ejs`, looked up in the directories given to
 *   `authorize({ views })`, then in the host app's `views` setting (a string or a
 *   list, as Express allows), then in the package's own views/ — so a host
 *   overrides a page with a file of that name, and the app's own `error.ejs` or
 *   `consent.ejs` is never taken by accident. Or `authorize({ render })` replaces
 *   rendering whole;
 * - a view gets the app's `app.locals`, then the response's `res.locals`, then
 *   its own locals ({@link ConsentLocals}, {@link ErrorLocals}), the later
 *   winning a name they share (the order of Express's `res.render`);
 * - pages are sent with `Cache-Control: no-store`, `X-Frame-Options: DENY` and
 *   `frame-ancestors 'none'` (no clickjacking of consent), added to a
 *   Content-Security-Policy the app already set (e.g. helmet's) rather than
 *   replacing it; a `frame-ancestors` directive there becomes `'none'`;
 * - the default views escape every value (`<%= %>` only);
 * - a page whose locals carry `uiLocales` (consent, logout) is in that
 *   language first;
 * - every page is in the user's language (./page-language.ts): its locals
 *   gain `locale`, `dir`, `t` and `tSplit`, the consent page's scope
 *   descriptions are the page language's, the device form's message is its
 *   `messageKey`'s text, and the error page's text comes from the error CODE
 *   through the catalog (`error.<code>`, else `error.other`), never from the
 *   English description, which is shown as a detail line (`error.detail`) only
 *   on an English page.
 */
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { MessageKey } from '../i18n/catalogs/en.js';
import { DEFAULT_LOCALES, type Locales } from '../i18n/options.js';
import { baseLanguage } from '../i18n/tags.js';
import type { Translator } from '../i18n/translate.js';
import { languageLocals, pageTranslator, type LanguageLocals } from './page-language.js';
import type { PageName } from './site-adapter.js';
import type { SiteRequest } from './site-adapter.js';

export type ViewName =
  'consent' | 'error' | 'device' | 'device-done' | 'apps' | 'logout' | 'logged-out';

/** The override names of the views, in a views directory: `oauth2/consent.ejs`, `oauth2/error.ejs`. */
export const VIEW_DIRECTORY = 'oauth2';

/** What the consent view (`oauth2/consent.ejs`) gets, besides `app.locals` and `res.locals`. */
export interface ConsentLocals {
  readonly view: 'consent';
  readonly issuer: string;
  readonly client: { readonly id: string; readonly name: string };
  /** Requested scopes with their descriptions (the scope name when none is configured). */
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  readonly user: { readonly subject: string; readonly name: string | undefined };
  /** Where the form posts to. */
  readonly action: string;
  /** Hidden form fields: `transaction_id` and `csrf_token`. */
  readonly transactionId: string;
  readonly csrfToken: string;
  /** Whether to offer "remember this decision" (a `remember` checkbox). */
  readonly rememberable: boolean;
  /**
   * How a client the operator did not configure came to be (`registration`,
   * `metadata-document`): the page says it is not pre-registered. Undefined for
   * a configured client.
   */
  readonly clientSource: 'registration' | 'metadata-document' | undefined;
  /** For a metadata-document client, the host of its `client_id` URL. */
  readonly documentHost: string | undefined;
  /**
   * The host the answer is sent to (the redirect URI's), or a native app's
   * private-use scheme; undefined on the device flow's consent page (no redirect).
   */
  readonly redirectHost: string | undefined;
  /**
   * On the device flow's consent page (RFC 8628), the user code as shown
   * (`WDJB-MJHT`), to compare with the device's; undefined at the authorization endpoint.
   */
  readonly userCode?: string | undefined;
  /**
   * The resources (RFC 8707) the tokens will be for, when the request named any;
   * `[]`: the server's default audience.
   */
  readonly resources: readonly string[];
  /**
   * The request's `ui_locales` (OpenID Connect Core 3.1.2.1), when the page
   * knows it: the page's language is chosen from it first (./page-language.ts).
   */
  readonly uiLocales?: string | undefined;
}

/**
 * What the error view (`oauth2/error.ejs`) gets, besides `app.locals` and
 * `res.locals`. `message` and `error.status` have the shape of a typical Express
 * error page, so one can be shared.
 */
export interface ErrorLocals {
  readonly view: 'error';
  /**
   * The page that failed, for its heading: `authorize` and `device` (an
   * authorization), `authorizedApps`, `endSession` (a sign-out).
   */
  readonly page: PageName;
  readonly status: number;
  readonly message: string;
  readonly error: {
    readonly code: string;
    readonly description: string;
    readonly status: number;
    readonly stack: string;
    /** The code's text in the page's language (set by the renderer). */
    readonly text?: string;
    /** The description on an English page, else undefined (set by the renderer). */
    readonly detail?: string | undefined;
  };
  /**
   * The request's kept `ui_locales` tags (space-separated), when the page knows
   * them (an answer to a consent page): the page's language is chosen from them first.
   */
  readonly uiLocales?: string | undefined;
}

/** What the device page (`oauth2/device.ejs`) gets: the user-code form. */
export interface DeviceLocals {
  readonly view: 'device';
  readonly issuer: string;
  /** Where the form posts to. */
  readonly action: string;
  /** The hidden `csrf_token` field. */
  readonly csrfToken: string;
  /** The code to pre-fill (from `?user_code=`), as given; `''` for none. */
  readonly userCode: string;
  /** A message about the last attempt (`that code is not valid`), or undefined. */
  readonly message: string | undefined;
  /** The catalog key of `message`: the renderer puts its text in the page's language there. */
  readonly messageKey?: MessageKey | undefined;
}

/** What the device flow's last page (`oauth2/device-done.ejs`) gets. */
export interface DeviceDoneLocals {
  readonly view: 'device-done';
  readonly issuer: string;
  /** Whether the user allowed the device. */
  readonly approved: boolean;
  readonly client: { readonly id: string; readonly name: string };
}

export type ViewLocals =
  | ConsentLocals
  | ErrorLocals
  | DeviceLocals
  | DeviceDoneLocals
  | AppsLocals
  | LogoutLocals
  | LoggedOutLocals;

/** What the end-session confirmation (`oauth2/logout.ejs`, ./end-session.ts) gets. */
export interface LogoutLocals {
  readonly view: 'logout';
  readonly issuer: string;
  /** The server's host, the "site" the user signs out of. */
  readonly site: string;
  /** The client that asked, when known (`client_id` or the `id_token_hint`'s audience). */
  readonly client: { readonly id: string; readonly name: string } | undefined;
  /** Who is signed in. */
  readonly user: { readonly name: string };
  /** Where the form posts (`decision=yes` or `no`). */
  readonly action: string;
  /** The hidden `csrf_token` field. */
  readonly csrfToken: string;
  /** The logout request's `ui_locales`: the page's language is chosen from it first. */
  readonly uiLocales?: string | undefined;
}

/** What the end-session endpoint's last page (`oauth2/logged-out.ejs`) gets. */
export interface LoggedOutLocals {
  readonly view: 'logged-out';
  readonly issuer: string;
  readonly site: string;
  /** True: signed out (or nobody was signed in); false: the user chose to stay signed in. */
  readonly signedOut: boolean;
  readonly client: { readonly id: string; readonly name: string } | undefined;
  /** A link back to the client (its checked `post_logout_redirect_uri`), when the user stayed. */
  readonly returnTo: string | undefined;
  readonly uiLocales?: string | undefined;
}

/** One app as the authorized apps view shows it: times as ISO 8601 strings (UTC). */
export interface AppView {
  readonly clientId: string;
  /** The client's name, or its id when it has none. */
  readonly name: string;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly grantedAt: string | undefined;
  readonly lastUsedAt: string | undefined;
}

/** What the authorized apps view (`oauth2/apps.ejs`, ./authorized-apps.ts) gets. */
export interface AppsLocals {
  readonly view: 'apps';
  readonly user: { readonly name: string };
  /** The user's apps; times are ISO 8601 strings (UTC) or undefined. */
  readonly apps: readonly AppView[];
  /** The session's CSRF token: send it back as `csrf_token` with `client_id`. */
  readonly csrfToken: string;
  /** The page's path: where the revoke form posts. */
  readonly action: string;
}

/** What a view or a render function gets: its locals in the page's language, and the language. */
export type LocalizedViewLocals = ViewLocals & LanguageLocals;

/** Replaces rendering: send the page for `locals.view` (the status code is already set). */
export type RenderFunction = (
  req: SiteRequest,
  res: ServerResponse,
  locals: LocalizedViewLocals,
) => void;

/** What the pages speak: the catalogs, and scope descriptions by language. */
export interface PageLanguage {
  readonly locales: Locales;
  /** A scope's description in the first language of `chain` that has one. */
  readonly describe?: (scope: string, chain: readonly string[]) => string | undefined;
}

/** The locals of `locals.view` in the page's language (rules above). */
function localize(
  locals: ViewLocals,
  translation: Translator,
  language: PageLanguage,
): LocalizedViewLocals {
  const words = languageLocals(translation);
  if (locals.view === 'consent') {
    const describe = (name: string, fallback: string) =>
      language.describe?.(name, translation.chain) ?? fallback;
    const scopes = locals.scopes.map((s) => ({
      ...s,
      description: describe(s.name, s.description),
    }));
    return { ...locals, ...words, scopes };
  }
  if (locals.view === 'device' && locals.messageKey !== undefined)
    return { ...locals, ...words, message: translation.t(locals.messageKey) };
  if (locals.view !== 'error') return { ...locals, ...words };
  const key = `error.${locals.error.code}`;
  const text = translation.t(translation.has(key) ? key : 'error.other');
  const english = baseLanguage(translation.locale) === 'en';
  const detail = english && locals.error.description !== '' ? locals.error.description : undefined;
  return { ...locals, ...words, message: text, error: { ...locals.error, text, detail } };
}

/** The package's own views/, from lib/http/ (sources) or dist/lib/http/ (build). */
function packageViews(): string {
  for (const up of ['../../views', '../../../views']) {
    const dir = fileURLToPath(new URL(`${up}/`, import.meta.url));
    if (existsSync(join(dir, VIEW_DIRECTORY, 'consent.ejs'))) return dir;
  }
  throw new Error('oauth2-stateless: the package views/ directory is missing');
}

const PACKAGE_VIEWS = packageViews();

/** The Express app of a request, when there is one. */
interface HostApp {
  get?(name: string): unknown;
  locals?: Record<string, unknown>;
}

function appOf(req: SiteRequest): HostApp | undefined {
  return (req as { app?: HostApp }).app;
}

function appViews(req: SiteRequest): string[] {
  const app = appOf(req);
  const views = typeof app?.get === 'function' ? app.get('views') : undefined;
  if (typeof views === 'string') return [views];
  if (Array.isArray(views)) return views.filter((v): v is string => typeof v === 'string');
  return [];
}

/** `app.locals`, then `res.locals`, then the view's own: what Express's `res.render` would give. */
function viewData(req: SiteRequest, res: ServerResponse, locals: LocalizedViewLocals): object {
  const resLocals = (res as { locals?: Record<string, unknown> }).locals;
  return { ...appOf(req)?.locals, ...resLocals, ...locals };
}

const FRAME_ANCESTORS = "frame-ancestors 'none'";

/**
 * The page's Content-Security-Policy: the app's with `frame-ancestors 'none'`
 * (replacing a `frame-ancestors` directive it has), or just that.
 */
export function withFrameAncestors(policy: string | undefined): string {
  if (policy === undefined || policy.trim() === '') return FRAME_ANCESTORS;
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d.split(/\s+/)[0]?.toLowerCase() !== 'frame-ancestors');
  return [...directives, FRAME_ANCESTORS].join('; ');
}

function securityHeaders(res: ServerResponse): void {
  const csp = res.getHeader('Content-Security-Policy');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader(
    'Content-Security-Policy',
    Array.isArray(csp) ? csp.map(withFrameAncestors) : withFrameAncestors(csp?.toString()),
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Makes the page renderer of one `authorize()` handler. */
export function viewRenderer(options: {
  views?: string | readonly string[] | undefined;
  render?: RenderFunction | undefined;
  /** The catalogs and scope descriptions; default the built-in catalogs, English first. */
  language?: PageLanguage | undefined;
}) {
  const language = options.language ?? { locales: DEFAULT_LOCALES };
  const extra =
    options.views === undefined
      ? []
      : typeof options.views === 'string'
        ? [options.views]
        : [...options.views];
  const found = new Map<string, string>();

  const locate = (req: SiteRequest, view: ViewName): string => {
    const dirs = [...extra, ...appViews(req), PACKAGE_VIEWS];
    const key = `${view}\n${dirs.join('\n')}`;
    let file = found.get(key);
    if (file === undefined) {
      file =
        dirs.map((dir) => join(dir, VIEW_DIRECTORY, `${view}.ejs`)).find((f) => existsSync(f)) ??
        join(PACKAGE_VIEWS, VIEW_DIRECTORY, `${view}.ejs`);
      found.set(key, file);
    }
    return file;
  };

  return function render(
    req: SiteRequest,
    res: ServerResponse,
    status: number,
    locals: ViewLocals,
    onError: (err: unknown) => void,
  ): void {
    res.statusCode = status;
    securityHeaders(res);
    let localized: LocalizedViewLocals;
    try {
      const uiLocales = 'uiLocales' in locals ? locals.uiLocales : undefined;
      localized = localize(locals, pageTranslator(req, language.locales, uiLocales), language);
      res.setHeader('Content-Language', localized.locale);
    } catch (err) {
      onError(err);
      return;
    }
    if (options.render !== undefined) {
      try {
        options.render(req, res, localized);
      } catch (err) {
        onError(err);
      }
      return;
    }
    ejs.renderFile(
      locate(req, locals.view),
      viewData(req, res, localized),
      { cache: process.env['NODE_ENV'] === 'production' },
      (err, html) => {
        if (err) {
          onError(err);
          return;
        }
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Content-Length', Buffer.byteLength(html));
        res.end(html);
      },
    );
  };
}
