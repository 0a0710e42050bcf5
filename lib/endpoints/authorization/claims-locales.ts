/**
 * Step `claims-locales` (OpenID Connect Core 5.2, 3.1.2.1): the languages and
 * scripts the client would like the user's claims in, kept with the grant and
 * handed to the host's `claims()` callback at UserInfo.
 *
 * Rules:
 * - Only an OpenID Connect request (its scope has `openid`) keeps
 *   `claims_locales`; a plain OAuth request ignores it, as any unknown parameter.
 * - The value is a space-separated list of at most 10 BCP 47 tags of at most 35
 *   characters each (lib/i18n/locale-list.ts) → else `invalid_request`,
 *   redirected. A malformed list is refused rather than dropped: it is written
 *   into the code and every access token of the grant, so junk is not kept.
 * - With `options.openid.claimsLocales` (the locales the host offers), a tag
 *   that is not offered is replaced by its language when that is offered
 *   (`de-CH` → `de`), else dropped (OIDC Core 5.2: "An error SHOULD NOT result
 *   if some or all of the requested locales are not supported"); nothing left
 *   keeps nothing.
 */
import { InvalidRequestError } from '../../errors.js';
import { localeList } from '../../i18n/locale-list.js';
import { baseLanguage } from '../../i18n/tags.js';
import { OPENID_SCOPE } from '../openid/options.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

/** The tags of `wanted` that `offered` has (rules above), each once. */
export function offeredLocales(
  wanted: readonly string[],
  offered: ReadonlySet<string> | undefined,
): readonly string[] {
  if (offered === undefined) return wanted;
  const kept = wanted.map((tag) =>
    offered.has(tag) ? tag : offered.has(baseLanguage(tag)) ? baseLanguage(tag) : undefined,
  );
  return Object.freeze([...new Set(kept.filter((tag) => tag !== undefined))]);
}

export function checkClaimsLocales(draft: AuthorizationDraft, context: AuthorizationContext): void {
  const text = draft.query.params['claims_locales'];
  if (text === undefined || !need(draft.scope, 'scope').includes(OPENID_SCOPE)) return;
  const wanted = localeList(text);
  if (wanted === undefined)
    throw new InvalidRequestError(
      'claims_locales must be at most 10 space-separated BCP 47 language tags of at most 35 characters (OpenID Connect Core 5.2)',
    );
  const kept = offeredLocales(wanted, context.claimsLocales);
  if (kept.length > 0) draft.claimsLocales = kept;
}
