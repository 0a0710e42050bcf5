/**
 * JWT access tokens after RFC 9068 (the seed's `StatelessTokenGenerator`, made
 * verifiable and expiring).
 *
 * Signing: header `typ: at+jwt`, `alg` and `kid` of the active key; claims iss,
 * sub, aud, client_id, scope, jti, iat, exp.
 *
 * Verification rules:
 * - the `alg` must be the one of the key named by `kid` (an allow-list: never
 *   `none`, never a key used with another algorithm);
 * - `typ` must be `at+jwt`; `iss` and `aud` must match exactly; `exp`, `iat`,
 *   `jti`, `sub` and `client_id` are required; an expired token fails.
 */
import { jwtVerify, SignJWT, errors as joseErrors, type JWTPayload } from 'jose';
import { InvalidTokenError } from '../errors.js';
import type { KeySet } from './keys.js';

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
}

/** Whether a token has the shape of a compact JWS (three dot-separated parts). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts[0] !== '' && parts[1] !== '' && parts[2] !== '';
}

/** Signs access tokens with the active key of a key set. */
export async function signAccessToken(keys: KeySet, claims: AccessTokenClaims): Promise<string> {
  const key = keys.active;
  return new SignJWT({ ...claims } as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .sign(key.privateKey);
}

export interface VerifyAccessTokenOptions {
  issuer: string;
  audience: string;
  /** The current time in milliseconds. */
  now: number;
}

/** Verifies an access token; throws `invalid_token` (with the reason as private cause). */
export async function verifyAccessToken(keys: KeySet, token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = keys.get(header.kid);
        if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
        if (header.alg !== key.alg) throw new joseErrors.JOSEAlgNotAllowed(`alg ${String(header.alg)} is not the key's ${key.alg}`);
        return key.verifyKey;
      },
      {
        algorithms: [...keys.algorithms],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
        currentDate: new Date(options.now),
        clockTolerance: 0,
      },
    );
    if (typeof payload['client_id'] !== 'string' || typeof payload.jti !== 'string' || typeof payload.sub !== 'string') {
      throw new Error('client_id, jti and sub must be strings');
    }
    if (payload['scope'] !== undefined && typeof payload['scope'] !== 'string') throw new Error('scope must be a string');
    return {
      iss: options.issuer,
      sub: payload.sub,
      aud: options.audience,
      client_id: payload['client_id'],
      scope: (payload['scope'] as string | undefined) ?? '',
      jti: payload.jti,
      iat: payload.iat as number,
      exp: payload.exp as number,
    };
  } catch (cause) {
    const expired = cause instanceof joseErrors.JWTExpired;
    throw new InvalidTokenError(expired ? 'the access token expired' : 'the access token is invalid', { cause });
  }
}
