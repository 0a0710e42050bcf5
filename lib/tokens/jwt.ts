/**
 * JWT access tokens after RFC 9068 (the seed's `StatelessTokenGenerator`, made
 * verifiable and expiring).
 *
 * Signing: header `typ: at+jwt`, `alg` and `kid` of the active key; claims iss,
 * sub, aud, client_id, scope, jti, iat, exp, `act` for a token made by token
 * exchange (RFC 8693 4.1), `cnf.jkt` for a DPoP-bound one (RFC 9449 6.1),
 * `claims_locales` for an OpenID Connect one that asked for them, `gty` for a
 * `client_credentials` one (no user behind it), and `grant_ref`: an opaque
 * reference to the grant (token family), so a whole grant can be put on the
 * deny-list (./deny-list.ts) without a record per token. Verification is in
 * ./jwt-verify.ts.
 *
 * Rules:
 * - signing is synchronous, with `node:crypto` (no thread-pool round trip);
 * - `grant_ref` is a truncated SHA-256 of the grant id: it names the grant to the
 *   deny-list and tells a reader of the token nothing else.
 */
import { constants, createHash, createHmac, sign } from 'node:crypto';
import type { ActorClaim } from '../types.js';
import type { KeySet, SigningKey } from './keys.js';

/** The claims of an access token (RFC 9068 2.2). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  /** The grant's opaque reference ({@link grantReference}); absent in tokens of older versions. */
  grant_ref?: string;
  /** Who acts for `sub` (RFC 8693 4.1): tokens made by token exchange only. */
  act?: ActorClaim;
  /** RFC 9449 6.1: the DPoP key the token is bound to, by its RFC 7638 thumbprint. */
  cnf?: { jkt: string };
  /**
   * OpenID Connect: the authorization's `claims_locales` (OIDC Core 5.2), BCP 47
   * tags separated by spaces, for UserInfo; only when the request had some.
   */
  claims_locales?: string;
  /** The grant type, for `client_credentials` tokens only: their subject is the client, not a user. */
  gty?: 'client_credentials';
}

/**
 * The opaque reference of a grant (token family) carried in its JWTs as
 * `grant_ref`: 22 base64url characters (132 bits) of a SHA-256 of the grant id.
 */
export function grantReference(grantId: string): string {
  return createHash('sha256').update(`grant_ref\n${grantId}`).digest('base64url').slice(0, 22);
}

/** Whether a token has the shape of a compact JWS (three dot-separated parts). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts[0] !== '' && parts[1] !== '' && parts[2] !== '';
}

/** The JWS `typ` of what this server signs: access tokens (RFC 9068 2.1), id_tokens (OIDC Core 2). */
export type JwtType = 'at+jwt' | 'JWT';

const headers: Record<JwtType, WeakMap<SigningKey, string>> = {
  'at+jwt': new WeakMap(),
  JWT: new WeakMap(),
};

/** The encoded protected header of a key's tokens of one type; the same for every token, so made once. */
function encodedHeader(key: SigningKey, typ: JwtType): string {
  let header = headers[typ].get(key);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ })).toString('base64url');
    headers[typ].set(key, header);
  }
  return header;
}

/** The JWS signature (RFC 7515 5.1, RFC 7518 3) over `input`. */
function signature(key: SigningKey, input: Buffer): Buffer {
  switch (key.alg) {
    case 'ES256':
      return sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    case 'ES384':
      return sign('sha384', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, input, key.privateKey);
    case 'RS256':
      return sign('sha256', input, key.privateKey);
    case 'PS256':
      return sign('sha256', input, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
    case 'HS256':
      return createHmac('sha256', key.privateKey).update(input).digest();
  }
}

/**
 * Signs an access token with the active key of a key set, as a compact JWS.
 *
 * Signing uses `node:crypto` synchronously rather than jose: jose 6 signs through
 * WebCrypto, whose thread-pool round trip made an ES256 token cost about twice as
 * much CPU (bench/README.md). The tests verify every algorithm's tokens with jose.
 */
export function signAccessToken(keys: KeySet, claims: AccessTokenClaims): string {
  return signJwt(keys, claims, 'at+jwt');
}

/** Signs `claims` with the active key of a key set as a compact JWS of type `typ`. */
export function signJwt(keys: KeySet, claims: object, typ: JwtType): string {
  const key = keys.active;
  const input = `${encodedHeader(key, typ)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${signature(key, Buffer.from(input, 'latin1')).toString('base64url')}`;
}
