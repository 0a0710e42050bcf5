/**
 * How the user authenticated (OpenID Connect Core 2): the Authentication Context
 * Class Reference `acr` and the Authentication Methods References `amr` that the
 * site adapter reports for the signed-in user, checked once and then carried
 * like `auth_time` (the code, the refresh token) into every id_token of the
 * authorization.
 *
 * Rules:
 * - `acr` is 1 to {@link MAX_ACR_LENGTH} characters of %x21-7E (no space: the
 *   request's `acr_values` is a space-separated list of such values).
 * - `amr` is an array of at most {@link MAX_AMR_VALUES} strings, each 1 to
 *   {@link MAX_AMR_LENGTH} characters of %x21-7E (RFC 8176 2 registers values
 *   like `pwd`, `otp`, `mfa`, `hwk`); repeated values are kept once, an empty
 *   array is "nothing known" (no `amr` claim).
 * - `undefined` means unknown: the id_token leaves the claim out.
 * - Anything else is the host's mistake, never a token: a `SetupError` naming
 *   where the value came from (`authorize(): options.acr`), passed to the host's
 *   error handler (`next(err)`) by the pages.
 */
import { SetupError } from '../../errors.js';

/** The longest `acr` accepted, in characters. */
export const MAX_ACR_LENGTH = 256;
/** The most `amr` values accepted. */
export const MAX_AMR_VALUES = 10;
/** The longest `amr` value accepted, in characters. */
export const MAX_AMR_LENGTH = 64;

const VALUE = /^[\x21-\x7e]+$/;

/** How the user authenticated: the id_token's `acr` and `amr` (OIDC Core 2). */
export interface AuthenticationContext {
  /** Authentication Context Class Reference; absent when unknown. */
  readonly acr?: string | undefined;
  /** Authentication Methods References (RFC 8176); absent when unknown. */
  readonly amr?: readonly string[] | undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isValue(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && VALUE.test(value);
}

/**
 * `value` as an `acr` (rules above).
 * @param source what produced it, for the error (`authorize(): options.acr`).
 * @throws SetupError naming `source`.
 */
export function checkedAcr(value: unknown, source: string): string | undefined {
  if (value === undefined || isValue(value, MAX_ACR_LENGTH)) return value;
  throw new SetupError(
    `${source} must give undefined or a string of 1 to ${MAX_ACR_LENGTH} characters of %x21-7E (an OpenID Connect acr); it gave ${describe(value)}`,
  );
}

/**
 * `value` as an `amr` (rules above): distinct values, undefined for none.
 * @param source what produced it, for the error (`authorize(): options.amr`).
 * @throws SetupError naming `source`.
 */
export function checkedAmr(value: unknown, source: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (
    Array.isArray(value) &&
    value.length <= MAX_AMR_VALUES &&
    value.every((v) => isValue(v, MAX_AMR_LENGTH))
  )
    return value.length === 0 ? undefined : Object.freeze([...new Set<string>(value)]);
  throw new SetupError(
    `${source} must give undefined or an array of at most ${MAX_AMR_VALUES} strings of 1 to ${MAX_AMR_LENGTH} characters of %x21-7E (OpenID Connect amr, RFC 8176); it gave ${describe(value)}`,
  );
}

/**
 * The checked `acr` and `amr` of `user`, only those that are known.
 * @param source what produced them (`the site adapter's currentUser()`).
 * @throws SetupError naming `source` and the member.
 */
export function authenticationOf(
  user: AuthenticationContext,
  source: string,
): AuthenticationContext {
  const acr = checkedAcr(user.acr, `${source}.acr`);
  const amr = checkedAmr(user.amr, `${source}.amr`);
  return { ...(acr === undefined ? {} : { acr }), ...(amr === undefined ? {} : { amr }) };
}
