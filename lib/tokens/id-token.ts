/**
 * The OpenID Connect id_token (OIDC Core 1.0 2, 3.1.3.6): a JWS signed with the
 * server's active key, of type `JWT` (never `at+jwt`, so it cannot pass for an
 * access token at a resource server, and an access token cannot pass for it).
 *
 * Rules:
 * - Claims: `iss`, `sub`, `aud` = the client id, `azp` = the client id, `iat`,
 *   `exp` = `iat` + the id_token lifetime, `auth_time`, `acr` and `amr` when
 *   known (the site adapter's, kept from the login), `nonce` when the
 *   authorization request sent one (code redemption only; OIDC Core 12.2: a
 *   refresh's id_token carries none), `at_hash` for the access token issued with it.
 * - The id_token stays minimal: the standard claims (name, email, …) come from
 *   UserInfo (OIDC Core 5.4, "when an Access Token is issued … returned from the
 *   UserInfo Endpoint").
 * - `at_hash` (OIDC Core 3.1.3.6): base64url of the left-most half of the hash of
 *   the ASCII access token, the hash being the one of the JWS `alg` (SHA-256 for
 *   ES256/RS256/PS256/HS256, SHA-384 for ES384, SHA-512 for EdDSA over Ed25519).
 */
import { createHash } from 'node:crypto';
import type { KeySet, SigningAlgorithm } from './keys.js';
import { signJwt } from './jwt.js';

/** What the grant knows for an id_token besides the tokens: from the authorization. */
export interface IdTokenContext {
  /** The authorization request's `nonce`, echoed (code redemption only). */
  readonly nonce?: string | undefined;
  /** When the user authenticated, epoch seconds (OIDC Core 2 `auth_time`). */
  readonly authTime?: number | undefined;
  /** How the user authenticated (OIDC Core 2 `acr`), as the site adapter said. */
  readonly acr?: string | undefined;
  /** The authentication methods (OIDC Core 2 `amr`, RFC 8176), as the site adapter said. */
  readonly amr?: readonly string[] | undefined;
}

/** The claims of an id_token made here. */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  azp: string;
  iat: number;
  exp: number;
  auth_time?: number;
  acr?: string;
  amr?: readonly string[];
  nonce?: string;
  at_hash: string;
}

const HASH_OF: Readonly<Record<SigningAlgorithm, string>> = {
  ES256: 'sha256',
  RS256: 'sha256',
  PS256: 'sha256',
  HS256: 'sha256',
  ES384: 'sha384',
  EdDSA: 'sha512',
};

/** OIDC Core 3.1.3.6 `at_hash` of `accessToken` for a token signed with `alg`. */
export function accessTokenHash(accessToken: string, alg: SigningAlgorithm): string {
  const digest = createHash(HASH_OF[alg]).update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** What {@link signIdToken} needs. */
export interface IdTokenInput {
  readonly issuer: string;
  readonly subject: string;
  readonly clientId: string;
  readonly accessToken: string;
  /** Epoch seconds. */
  readonly now: number;
  /** Seconds. */
  readonly lifetime: number;
  readonly context: IdTokenContext;
}

/** Signs an id_token with the active key of `keys` (rules above). */
export function signIdToken(keys: KeySet, input: IdTokenInput): string {
  const { context } = input;
  const claims: IdTokenClaims = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.clientId,
    azp: input.clientId,
    iat: input.now,
    exp: input.now + input.lifetime,
    ...(context.authTime === undefined ? {} : { auth_time: context.authTime }),
    ...(context.acr === undefined ? {} : { acr: context.acr }),
    ...(context.amr === undefined ? {} : { amr: context.amr }),
    ...(context.nonce === undefined ? {} : { nonce: context.nonce }),
    at_hash: accessTokenHash(input.accessToken, keys.active.alg),
  };
  return signJwt(keys, claims, 'JWT');
}

/**
 * The id_token part of an issue request: `context` when `scope` (the grant's,
 * before any narrowing to a resource) has `openid`, else undefined (no id_token).
 */
export function openIdRequest(
  scope: readonly string[],
  context: IdTokenContext,
): IdTokenContext | undefined {
  return scope.includes('openid') ? context : undefined;
}
