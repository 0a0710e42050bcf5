/**
 * The language of a user page (consent, device, error): chosen per request,
 * handed to the views as `locale`, `dir`, `t` and `tSplit`.
 *
 * Rules:
 * - the request's `ui_locales` (OpenID Connect Core 3.1.2.1) wins: the value
 *   the page was given (the checked authorization request's), else the
 *   `ui_locales` of the query string; the first tag with a catalog
 *   (lib/i18n/negotiate.ts), a regional tag falling back to its language;
 * - then `Accept-Language`, through Express's `req.acceptsLanguages()` when the
 *   request has it (the app's own negotiation), else the q-value parser of
 *   lib/i18n/negotiate.ts; an absent or empty header names nothing;
 * - then the default language (`options.locales.default`, default `en`);
 * - nothing from the request reaches the page but a tag that has a catalog.
 */
import type { Locales } from '../i18n/options.js';
import { acceptedLanguages, firstSupported, uiLocaleTags } from '../i18n/negotiate.js';
import { translator, type MessageValues, type Translator } from '../i18n/translate.js';
import type { TextDirection } from '../i18n/tags.js';
import type { SiteRequest } from './site-adapter.js';

/** What every view gets to speak the user's language. */
export interface LanguageLocals {
  /** The page's language tag (`de`, `pt-BR`), for `<html lang>`. */
  readonly locale: string;
  /** `ltr` or `rtl`, for `<html dir>`. */
  readonly dir: TextDirection;
  /** The text of a message key in the page's language, `{name}` placeholders filled. */
  readonly t: (key: string, vars?: MessageValues) => string;
  /** A message cut around its placeholder `{slot}`: `[before, after]`, to wrap the value in markup. */
  readonly tSplit: (key: string, slot: string, vars?: MessageValues) => readonly [string, string];
}

type AcceptsLanguages = (...languages: string[]) => string | false;

/** `ui_locales` of the request's query string, or undefined. */
function queryUiLocales(req: SiteRequest): string | undefined {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('ui_locales') ?? undefined;
}

/** The tag `Accept-Language` picks among the catalogs (rules above). */
function fromAcceptLanguage(req: SiteRequest, locales: Locales): string | undefined {
  const header = req.headers['accept-language'];
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const accepts = (req as { acceptsLanguages?: AcceptsLanguages }).acceptsLanguages;
  if (typeof accepts === 'function') {
    const found = accepts.call(req, ...locales.supported);
    return typeof found === 'string' ? found : undefined;
  }
  return firstSupported(locales, acceptedLanguages(header));
}

/** The page's language for `req` (rules above); `uiLocales` is the checked request's. */
export function pageLocale(req: SiteRequest, locales: Locales, uiLocales?: string): string {
  const wanted = uiLocales ?? queryUiLocales(req);
  return (
    (wanted === undefined ? undefined : firstSupported(locales, uiLocaleTags(wanted))) ??
    fromAcceptLanguage(req, locales) ??
    locales.default
  );
}

/** The translator of the page for `req`. */
export function pageTranslator(req: SiteRequest, locales: Locales, uiLocales?: string): Translator {
  return translator(locales, pageLocale(req, locales, uiLocales));
}

/** The view locals of a translator. */
export function languageLocals(translation: Translator): LanguageLocals {
  return {
    locale: translation.locale,
    dir: translation.dir,
    t: translation.t,
    tSplit: translation.split,
  };
}
