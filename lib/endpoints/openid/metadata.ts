/**
 * The OpenID Provider metadata (OpenID Connect Discovery 1.0 3), served at
 * `/.well-known/openid-configuration` when `options.openid` is on.
 *
 * Rules:
 * - The body is the RFC 8414 authorization server metadata (the same builder,
 *   so no member is written twice) plus the members OIDC Discovery requires:
 *   `userinfo_endpoint` (from the endpoint table), `subject_types_supported`
 *   (`public`, and `pairwise` when `options.openid.pairwiseKey` is set),
 *   `id_token_signing_alg_values_supported` (the algorithm of the key that signs),
 *   and `claims_supported` (`sub` and the scope-driven standard claims).
 * - `scopes_supported` includes `openid` (lib/endpoints/openid/options.ts adds it).
 * - `ui_locales_supported` lists the languages the pages have a catalog for
 *   (`options.locales`: the built-in five and the host's), default first; a
 *   request's `ui_locales` picks among them (../authorization/ui-locales.ts).
 * - `acr_values_supported` and `claims_locales_supported` only when the host
 *   declares them (`options.openid.acrValues`, `.claimsLocales`: ./offered-values.ts).
 * - `end_session_endpoint` (RP-Initiated Logout 1.0 2.1) comes from the endpoint
 *   table like `userinfo_endpoint`: its row is enabled with `options.openid`.
 */
import type { SigningAlgorithm } from '../../tokens/keys.js';
import type { ResolvedOpenId } from './options.js';
import { CLAIMS_SUPPORTED } from './userinfo.js';

/** OpenID Provider metadata: the OAuth members and the OIDC ones. */
export type OpenIdMetadata = Record<string, unknown> & {
  subject_types_supported: readonly string[];
  id_token_signing_alg_values_supported: readonly string[];
  claims_supported: readonly string[];
};

/** Adds the OIDC Discovery members to `oauth` (the RFC 8414 document). */
export function openIdMetadata(
  oauth: object,
  signingAlg: SigningAlgorithm,
  subjectTypes: readonly string[] = ['public'],
  uiLocales: readonly string[] = [],
  offered: Pick<ResolvedOpenId, 'acrValues' | 'claimsLocales'> = {},
): OpenIdMetadata {
  const { acrValues, claimsLocales } = offered;
  return {
    ...oauth,
    subject_types_supported: [...subjectTypes],
    id_token_signing_alg_values_supported: [signingAlg],
    claims_supported: [...CLAIMS_SUPPORTED],
    ...(uiLocales.length === 0 ? {} : { ui_locales_supported: [...uiLocales] }),
    ...(acrValues === undefined ? {} : { acr_values_supported: [...acrValues] }),
    ...(claimsLocales === undefined ? {} : { claims_locales_supported: [...claimsLocales] }),
  };
}
