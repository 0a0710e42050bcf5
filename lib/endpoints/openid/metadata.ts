/**
 * The OpenID Provider metadata (OpenID Connect Discovery 1.0 3), served at
 * `/.well-known/openid-configuration` when `options.openid` is on.
 *
 * Rules:
 * - The body is the RFC 8414 authorization server metadata (the same builder,
 *   so no member is written twice) plus the members OIDC Discovery requires:
 *   `userinfo_endpoint` (from the endpoint table), `subject_types_supported`
 *   (`public`: one `sub` for every client; pairwise subjects are not offered),
 *   `id_token_signing_alg_values_supported` (the algorithm of the key that signs),
 *   and `claims_supported` (`sub` and the scope-driven standard claims).
 * - `scopes_supported` includes `openid` (lib/endpoints/openid/options.ts adds it).
 */
import type { SigningAlgorithm } from '../../tokens/keys.js';
import { CLAIMS_SUPPORTED } from './userinfo.js';

/** OpenID Provider metadata: the OAuth members and the OIDC ones. */
export type OpenIdMetadata = Record<string, unknown> & {
  subject_types_supported: readonly string[];
  id_token_signing_alg_values_supported: readonly string[];
  claims_supported: readonly string[];
};

/** Adds the OIDC Discovery members to `oauth` (the RFC 8414 document). */
export function openIdMetadata(oauth: object, signingAlg: SigningAlgorithm): OpenIdMetadata {
  return {
    ...oauth,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [signingAlg],
    claims_supported: [...CLAIMS_SUPPORTED],
  };
}
