/**
 * Verification of JWT access tokens (RFC 9068 4), synchronous, with `node:crypto`
 * alone: nothing queues on the libuv thread pool, so a flood of slow work there
 * (scrypt client secrets) never delays a bearer check. jose verifies the same
 * tokens in the tests (test/tokens/jwt-verify.test.ts), tampered ones included.
 *
 * Rules, in the order they are checked (the signature before any claim is read):
 * - at most 16 KiB, three non-empty base64url parts without padding; the
 *   signature part canonically encoded (no second spelling of one signature);
 * - the header is a JSON object with a string `kid` naming a key of the key set,
 *   and `alg` equal to that key's algorithm (an allow-list: never `none`, never a
 *   key with another algorithm, so no algorithm confusion); `typ` is `at+jwt`
 *   (or `application/at+jwt`, any case); a `crit` header is refused (no
 *   extension is understood);
 * - the signature verifies (HS256 compared in constant time);
 * - the payload is a JSON object; `iss` equals the issuer and `aud` the audience
 *   (or is an array holding it), exactly (given a set of audiences, one of them); `exp` and `iat` are numbers; `exp` is
 *   after now (no tolerance); `nbf`, when present, is a number not after now;
 *   `iat` is before `exp` and at most 60 s ahead of now (clock skew between
 *   processes); `jti`, `sub` and `client_id` are non-empty strings; `scope` and
 *   `grant_ref`, when present, are strings.
 * - Every failure is `invalid_token` with the fixed text "the access token is
 *   invalid" (or "... expired"); the reason is the private cause.
 */
import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { InvalidTokenError } from '../errors.js';
import type { AccessTokenClaims } from './jwt.js';
import type { KeySet, SigningKey } from './keys.js';

export interface VerifyAccessTokenOptions {
  issuer: string;
  /** The audience `aud` must name; or a set, of which `aud` must name one. */
  audience: string | ReadonlySet<string>;
  /** The current time in milliseconds. */
  now: number;
}

/** Longest token verified, in characters. */
const MAX_LENGTH = 16 * 1024;
/** How far `iat` may be ahead of now, in seconds. */
const IAT_SKEW = 60;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A reason for the log; the client sees only the fixed text. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly expired = false,
  ) {
    super(message);
  }
}

function decodeObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Refusal(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Refusal(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The key the header names, if the header is acceptable. */
function headerKey(keys: KeySet, header: Record<string, unknown>): SigningKey {
  const { kid, alg, typ } = header;
  const key = typeof kid === 'string' ? keys.get(kid) : undefined;
  if (key === undefined) throw new Refusal('no key has this kid');
  if (alg !== key.alg) throw new Refusal(`alg ${String(alg)} is not the key's ${key.alg}`);
  const type = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
  if (type !== 'at+jwt') throw new Refusal(`typ ${String(typ)} is not at+jwt`);
  if (header['crit'] !== undefined) throw new Refusal('crit is not understood');
  return key;
}

/** Whether `signature` over `input` verifies with `key` (RFC 7515 5.2, RFC 7518 3). */
function signatureValid(key: SigningKey, input: Buffer, signature: Buffer): boolean {
  const verifyKey: KeyObject = key.verifyKey;
  switch (key.alg) {
    case 'ES256':
      return (
        signature.length === 64 &&
        verify('sha256', input, { key: verifyKey, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'ES384':
      return (
        signature.length === 96 &&
        verify('sha384', input, { key: verifyKey, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'EdDSA':
      return verify(null, input, verifyKey, signature);
    case 'RS256':
      return verify('sha256', input, verifyKey, signature);
    case 'PS256':
      return verify(
        'sha256',
        input,
        { key: verifyKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      );
    case 'HS256': {
      const expected = createHmac('sha256', verifyKey).update(input).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
  }
}

function nonEmptyString(payload: Record<string, unknown>, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string' || value === '')
    throw new Refusal(`${name} must be a non-empty string`);
  return value;
}

function optionalString(payload: Record<string, unknown>, name: string): string | undefined {
  const value = payload[name];
  if (value !== undefined && typeof value !== 'string')
    throw new Refusal(`${name} must be a string`);
  return value;
}

function numeric(payload: Record<string, unknown>, name: string): number {
  const value = payload[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Refusal(`${name} must be a number`);
  return value;
}

/** The audience `aud` names among the expected one(s) (rules in the header). */
function audienceOf(aud: unknown, expected: string | ReadonlySet<string>): string {
  const named = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const found = named.find((a): a is string =>
    typeof expected === 'string' ? a === expected : typeof a === 'string' && expected.has(a),
  );
  if (found === undefined) throw new Refusal('aud does not name the audience');
  return found;
}

/** The claims, checked against the rules in the header. */
function checkedClaims(
  payload: Record<string, unknown>,
  options: VerifyAccessTokenOptions,
): AccessTokenClaims {
  if (payload['iss'] !== options.issuer) throw new Refusal('iss is not the issuer');
  const audience = audienceOf(payload['aud'], options.audience);
  const now = Math.floor(options.now / 1000);
  const exp = numeric(payload, 'exp');
  const iat = numeric(payload, 'iat');
  if (exp <= now) throw new Refusal('exp has passed', true);
  if (payload['nbf'] !== undefined && numeric(payload, 'nbf') > now)
    throw new Refusal('nbf is in the future');
  if (iat >= exp) throw new Refusal('iat is not before exp');
  if (iat > now + IAT_SKEW) throw new Refusal('iat is in the future');
  const grantRef = optionalString(payload, 'grant_ref');
  return {
    iss: options.issuer,
    sub: nonEmptyString(payload, 'sub'),
    aud: audience,
    client_id: nonEmptyString(payload, 'client_id'),
    scope: optionalString(payload, 'scope') ?? '',
    jti: nonEmptyString(payload, 'jti'),
    iat,
    exp,
    ...(grantRef === undefined ? {} : { grant_ref: grantRef }),
  };
}

function verifyOrRefuse(
  keys: KeySet,
  token: string,
  options: VerifyAccessTokenOptions,
): AccessTokenClaims {
  if (token.length > MAX_LENGTH) throw new Refusal('the token is too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part)))
    throw new Refusal('not a compact JWS');
  const [header = '', payload = '', encodedSignature = ''] = parts;
  const key = headerKey(keys, decodeObject(header, 'header'));
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (signature.toString('base64url') !== encodedSignature)
    throw new Refusal('the signature is not canonically encoded');
  const input = Buffer.from(`${header}.${payload}`, 'latin1');
  if (!signatureValid(key, input, signature)) throw new Refusal('the signature does not verify');
  return checkedClaims(decodeObject(payload, 'payload'), options);
}

/**
 * Verifies an access token synchronously (rules in the module header).
 * @throws InvalidTokenError, with the reason as its private cause.
 */
export function verifyAccessToken(
  keys: KeySet,
  token: string,
  options: VerifyAccessTokenOptions,
): AccessTokenClaims {
  try {
    return verifyOrRefuse(keys, token, options);
  } catch (cause) {
    const expired = cause instanceof Refusal && cause.expired;
    throw new InvalidTokenError(
      expired ? 'the access token expired' : 'the access token is invalid',
      { cause },
    );
  }
}
