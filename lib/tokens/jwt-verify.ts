/**
 * Verification of JWT access tokens (RFC 9068 4), synchronous, with `node:crypto`
 * alone (./own-jws.ts checks the header and signature, over the JWS pieces of ./jws.ts): nothing
 * queues on the libuv thread pool, so a flood of slow work there (scrypt client
 * secrets) never delays a bearer check. jose verifies the same
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
 *   `grant_ref`, when present, are strings; `act`, when present, is an object
 *   whose `sub` is a non-empty string and whose own `act`, if any, is one too, at
 *   most {@link MAX_ACTOR_DEPTH} deep (RFC 8693 4.1); `cnf`, when present, is an
 *   object whose `jkt` is a non-empty string (RFC 9449 6.1; only `jkt` is kept);
 *   `claims_locales`, when present, is a string of at most 10 space-separated
 *   language tags (lib/i18n/locale-list.ts); `gty`, when present, is
 *   `client_credentials`.
 * - Every failure is `invalid_token` with the fixed text "the access token is
 *   invalid" (or "... expired"); the reason is the private cause.
 */
import { InvalidTokenError } from '../errors.js';
import { localeList, MAX_LOCALES } from '../i18n/locale-list.js';
import type { ActorClaim } from '../types.js';
import type { AccessTokenClaims } from './jwt.js';
import { JwsRefusal as Refusal } from './jws.js';
import type { KeySet } from './keys.js';
import { numericClaim, verifyOwnJws } from './own-jws.js';

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

/** Whether a header's `typ` is `at+jwt` (RFC 9068 2.1: or `application/at+jwt`, any case). */
function isAccessTokenType(typ: unknown): boolean {
  const type = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
  return type === 'at+jwt';
}

const ACCESS_TOKEN_JWS = { maxLength: MAX_LENGTH, typ: 'at+jwt', typMatches: isAccessTokenType };

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

/** How many actors an `act` claim may nest (RFC 8693 4.1); token exchange never makes more. */
export const MAX_ACTOR_DEPTH = 8;

/** The `act` claim, checked (rules in the header); only `sub` and `act` are kept. */
function actorOf(value: unknown, depth = 1): ActorClaim {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    depth > MAX_ACTOR_DEPTH
  )
    throw new Refusal(`act must be an object, nested at most ${MAX_ACTOR_DEPTH} deep`);
  const claim = value as Record<string, unknown>;
  const sub = nonEmptyString(claim, 'sub');
  return claim['act'] === undefined ? { sub } : { sub, act: actorOf(claim['act'], depth + 1) };
}

/** The `cnf` claim (RFC 9449 6.1), checked: an object whose `jkt` is a non-empty string. */
function confirmationOf(value: unknown): { jkt: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Refusal('cnf must be an object');
  return { jkt: nonEmptyString(value as Record<string, unknown>, 'jkt') };
}

/** The `claims_locales` claim, checked: space-separated language tags (lib/i18n/locale-list.ts). */
function localesOf(value: unknown): string {
  const list = typeof value === 'string' ? localeList(value) : undefined;
  if (list === undefined)
    throw new Refusal(`claims_locales must be at most ${MAX_LOCALES} language tags`);
  return list.join(' ');
}

/** The `gty` claim: only `client_credentials` is ever written. */
function grantTypeOf(value: unknown): 'client_credentials' {
  if (value !== 'client_credentials') throw new Refusal('gty must be client_credentials');
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
  const exp = numericClaim(payload, 'exp');
  const iat = numericClaim(payload, 'iat');
  if (exp <= now) throw new Refusal('exp has passed', true);
  if (payload['nbf'] !== undefined && numericClaim(payload, 'nbf') > now)
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
    ...(payload['act'] === undefined ? {} : { act: actorOf(payload['act']) }),
    ...(payload['cnf'] === undefined ? {} : { cnf: confirmationOf(payload['cnf']) }),
    ...(payload['claims_locales'] === undefined
      ? {}
      : { claims_locales: localesOf(payload['claims_locales']) }),
    ...(payload['gty'] === undefined ? {} : { gty: grantTypeOf(payload['gty']) }),
  };
}

function verifyOrRefuse(
  keys: KeySet,
  token: string,
  options: VerifyAccessTokenOptions,
): AccessTokenClaims {
  return checkedClaims(verifyOwnJws(keys, token, ACCESS_TOKEN_JWS), options);
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
