/**
 * The pages of the authorization endpoint: the consent page and the error page.
 *
 * Each is an EJS view looked up by name (`consent.ejs`, `error.ejs`), first in the
 * directories given to `authorize({ views })`, then in the host app's `views`
 * setting (a string or a list, as Express allows), then in the package's own
 * views/ — so a host overrides a page by putting a file of the same name in its
 * views directory. Or it replaces rendering whole with `authorize({ render })`.
 *
 * Pages are sent with `Cache-Control: no-store`, `X-Frame-Options: DENY` and
 * `Content-Security-Policy: frame-ancestors 'none'` (no clickjacking of consent).
 * The default views escape every value (`<%= %>` only).
 */
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { SiteRequest } from './site-adapter.js';

export type ViewName = 'consent' | 'error';

/** What the consent view gets. */
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
}

/** What the error view gets. `message` and `error.status` also suit a typical Express error.ejs. */
export interface ErrorLocals {
  readonly view: 'error';
  readonly status: number;
  readonly message: string;
  readonly error: {
    readonly code: string;
    readonly description: string;
    readonly status: number;
    readonly stack: string;
  };
}

export type ViewLocals = ConsentLocals | ErrorLocals;

/** Replaces rendering: send the page for `locals.view` (the status code is already set). */
export type RenderFunction = (req: SiteRequest, res: ServerResponse, locals: ViewLocals) => void;

/** The package's own views/, from lib/http/ (sources) or dist/lib/http/ (build). */
function packageViews(): string {
  for (const up of ['../../views', '../../../views']) {
    const dir = fileURLToPath(new URL(`${up}/`, import.meta.url));
    if (existsSync(join(dir, 'consent.ejs'))) return dir;
  }
  throw new Error('oauth2-stateless: the package views/ directory is missing');
}

const PACKAGE_VIEWS = packageViews();

function appViews(req: SiteRequest): string[] {
  const app = (req as { app?: { get?(name: string): unknown } }).app;
  const views = typeof app?.get === 'function' ? app.get('views') : undefined;
  if (typeof views === 'string') return [views];
  if (Array.isArray(views)) return views.filter((v): v is string => typeof v === 'string');
  return [];
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Makes the page renderer of one `authorize()` handler. */
export function viewRenderer(options: {
  views?: string | readonly string[] | undefined;
  render?: RenderFunction | undefined;
}) {
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
        dirs.map((dir) => join(dir, `${view}.ejs`)).find((f) => existsSync(f)) ??
        join(PACKAGE_VIEWS, `${view}.ejs`);
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
    if (options.render !== undefined) {
      try {
        options.render(req, res, locals);
      } catch (err) {
        onError(err);
      }
      return;
    }
    ejs.renderFile(
      locate(req, locals.view),
      locals,
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
