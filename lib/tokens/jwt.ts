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
import { constants, createHmac, sign } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import { InvalidTokenError } from '../errors.js';
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
}

/** Whether a token has the shape of a compact JWS (three dot-separated parts). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts[0] !== '' && parts[1] !== '' && parts[2] !== '';
}

const headers = new WeakMap<SigningKey, string>();

/** The encoded protected header of a key's tokens; the same for every token, so made once. */
function encodedHeader(key: SigningKey): string {
  let header = headers.get(key);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })).toString(
      'base64url',
    );
    headers.set(key, header);
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
 * much CPU (bench/README.md). Verification stays with jose; the tests verify
 * every algorithm's tokens with jose.
 */
export function signAccessToken(keys: KeySet, claims: AccessTokenClaims): string {
  const key = keys.active;
  const input = `${encodedHeader(key)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${signature(key, Buffer.from(input, 'latin1')).toString('base64url')}`;
}

export interface VerifyAccessTokenOptions {
  issuer: string;
  audience: string;
  /** The current time in milliseconds. */
  now: number;
}

/** Verifies an access token; throws `invalid_token` (with the reason as private cause). */
export async function verifyAccessToken(
  keys: KeySet,
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = keys.get(header.kid);
        if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
        if (header.alg !== key.alg)
          throw new joseErrors.JOSEAlgNotAllowed(
            `alg ${String(header.alg)} is not the key's ${key.alg}`,
          );
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
    if (
      typeof payload['client_id'] !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.sub !== 'string'
    ) {
      throw new Error('client_id, jti and sub must be strings');
    }
    if (payload['scope'] !== undefined && typeof payload['scope'] !== 'string')
      throw new Error('scope must be a string');
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
    throw new InvalidTokenError(
      expired ? 'the access token expired' : 'the access token is invalid',
      { cause },
    );
  }
}
