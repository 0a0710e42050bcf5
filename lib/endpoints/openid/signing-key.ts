/**
 * The key that signs id_tokens: with OpenID Connect on, the server's active
 * signing key must be one clients can verify.
 *
 * Rules:
 * - id_tokens are signed with the active key (lib/tokens/id-token.ts) and
 *   discovery advertises its algorithm. An HS256 active key is a TypeError at
 *   construction: in OpenID Connect an HS256 id_token is keyed with the
 *   client's own secret (OIDC Core 10.1), so clients would try to verify it
 *   with theirs and fail, while the server's secret must never be shared.
 * - Other keys of the set may be symmetric: they only verify what they signed
 *   before (access tokens during a migration) and are never published.
 */
import type { KeySet } from '../../tokens/keys.js';
import type { ResolvedOpenId } from './options.js';

/**
 * Returns `openid` unchanged, after checking the active key fits it (rules above).
 * @throws TypeError naming the key and the fix.
 */
export function checkOpenIdSigningKey(
  openid: ResolvedOpenId | undefined,
  keys: KeySet,
): ResolvedOpenId | undefined {
  if (openid === undefined || keys.active.alg !== 'HS256') return openid;
  throw new TypeError(
    `options.signingKeys: the active key ${JSON.stringify(keys.active.kid)} is an HS256 secret, but options.openid signs id_tokens with the active key and clients cannot verify an HS256 id_token (OpenID Connect Core 10.1 keys it with the client's secret); make an asymmetric key (ES256, ES384, EdDSA, RS256 or PS256, e.g. made by \`npx oauth2-stateless keys\`) the first of options.signingKeys or name it in options.activeKeyId`,
  );
}
