/**
 * Step `ui-locales` (OpenID Connect Core 1.0 3.1.2.1): `ui_locales`, "End-User's
 * preferred languages and scripts for the user interface, represented as a
 * space-separated list of BCP47 language tag values, ordered by preference",
 * kept on the checked request so every page of the flow speaks it: the login
 * page (a hint to the site adapter), the consent page, and the pages after the
 * consent form is posted and after the login (lib/http/page-language.ts).
 *
 * Rules:
 * - It is a hint, never an error ("An error SHOULD NOT result if some or all of
 *   the requested locales are not supported"): what does not fit is dropped
 *   silently, and a value with nothing left is as if it was not sent.
 * - A tag is kept when it looks like a language tag (lib/i18n/tags.ts: a 2–3
 *   letter language, then subtags of 1–8 letters or digits, at most
 *   {@link MAX_UI_LOCALE_LENGTH} characters), in its written form (`de-CH`),
 *   once; at most {@link MAX_UI_LOCALES} are kept, the first ones in order.
 *   Whether a catalog exists is the page's question, not this step's: a tag
 *   without one (`xx-YY`) is kept and the page falls back to `Accept-Language`,
 *   then the default language.
 * - Kept for every request, OAuth or OpenID Connect: the pages read `ui_locales`
 *   for both, as they did from the query string.
 * - A repeated `ui_locales` is refused like any repeated parameter
 *   (./repeated-parameters.ts, RFC 6749 3.1), before this step runs.
 */
import { canonicalTag } from '../../i18n/tags.js';
import type { AuthorizationDraft } from './step.js';

/** The most `ui_locales` tags kept. */
export const MAX_UI_LOCALES = 10;
/** The longest tag kept, in characters (RFC 5646 4.4.1's minimum field size). */
export const MAX_UI_LOCALE_LENGTH = 35;

/** The tags of a `ui_locales` value that are kept (rules above); undefined when none. */
export function keptUiLocales(value: string): readonly string[] | undefined {
  const kept = new Set<string>();
  for (const tag of value.split(' ')) {
    const written = tag.length > MAX_UI_LOCALE_LENGTH ? undefined : canonicalTag(tag);
    if (written !== undefined) kept.add(written);
    if (kept.size === MAX_UI_LOCALES) break;
  }
  return kept.size === 0 ? undefined : Object.freeze([...kept]);
}

export function checkUiLocales(draft: AuthorizationDraft): void {
  const value = draft.query.params['ui_locales'];
  if (value !== undefined) draft.uiLocales = keptUiLocales(value);
}
