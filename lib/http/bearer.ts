/**
 * The RFC 6750 bearer check shared by `protect()` (Express/Connect/node:http) and
 * `verifyBearer()` (Fetch API): options, reading the Authorization header, and the
 * challenge that goes with each refusal. It knows no request or response type.
 *
 * Rules:
 * - the token is read from `Authorization: Bearer <token>` only; a token in the
 *   query string or body is ignored (RFC 9700 2.1: no tokens in URLs);
 * - no bearer credentials → 401 with `WWW-Authenticate: Bearer realm="…"` and no
 *   error code (RFC 6750 3.1);
 * - a malformed Authorization header → 400 `invalid_request`;
 * - an unknown, expired or revoked token → 401 `error="invalid_token"`;
 * - a token without every required scope → 403 `error="insufficient_scope"`,
 *   naming the scope needed;
 * - a store that is down → 503 `temporarily_unavailable`;
 * - the options are checked when the check is made: `protect('write')` is
 *   `protect({ scope: 'write' })`; a misspelled key (`scopes`), a scope the
 *   provider does not offer or a scope naming nothing is a TypeError, so a route
 *   is never silently left without its scope.
 */
import {
  InsufficientScopeError,
  InvalidRequestError,
  toOAuthError,
  type OAuthError,
} from '../errors.js';
import type { Provider } from '../engine/provider.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { hasScopes } from '../helpers/scope.js';
import type { EngineResponse } from '../types.js';
import type { AccessTokenInfo, VerifyOptions } from '../tokens/checker.js';

export interface ProtectOptions {
  /** Scopes the route needs, all of them; a string is split on spaces. Default none. */
  scope?: string | readonly string[];
  /** The `realm` of the challenge. Default `"api"`. */
  realm?: string;
  /**
   * Check whether a JWT access token was revoked: the deny-list in memory for
   * stateless JWTs, the token store in allow-list mode. Default true. False skips
   * it: a revoked JWT then works until it expires.
   */
  checkRevocation?: boolean;
  /** The audience tokens must carry. Default: the provider's. */
  audience?: string;
}

const PROTECT_KEYS = optionKeys<ProtectOptions>({
  scope: true,
  realm: true,
  checkRevocation: true,
  audience: true,
});

/**
 * What `protect()` and `verifyBearer()` take: the options, or the scope alone
 * (`protect('write')` is `protect({ scope: 'write' })`).
 */
export type ProtectArgument = ProtectOptions | string | readonly string[];

/** Checked options, ready for {@link bearerToken} and {@link verifyBearerToken}. */
export interface BearerCheck {
  readonly required: readonly string[];
  readonly verifyOptions: VerifyOptions;
  /** `Bearer realm="…"`: the challenge without an error code. */
  readonly challenge: string;
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The options an argument stands for; a TypeError for anything but options or a scope. */
function optionsOf(argument: ProtectArgument | undefined, caller: string): ProtectOptions {
  if (argument === undefined) return {};
  if (typeof argument === 'string' || Array.isArray(argument))
    return { scope: argument as string | readonly string[] };
  if (typeof argument !== 'object' || argument === null)
    throw new TypeError(`${caller}: expected an options object or a scope string`);
  checkOptionKeys(argument, PROTECT_KEYS, `${caller}: options`);
  return argument as ProtectOptions;
}

/** The scopes a `scope` option names; a TypeError when it is given but names none. */
function requiredScopes(scope: ProtectOptions['scope'], caller: string): string[] {
  if (scope === undefined) return [];
  const names = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [...scope];
  if (names.length === 0 || names.some((name) => typeof name !== 'string' || name === ''))
    throw new TypeError(
      `${caller}: options.scope names no scope; name at least one, or leave it out to accept any valid token`,
    );
  return names;
}

/**
 * Checks the options (or the scope shorthand); a TypeError (prefixed with
 * `caller`) names a bad one, an unknown key included.
 */
export function bearerCheck(
  provider: Provider,
  argument: ProtectArgument = {},
  caller = 'protect()',
): BearerCheck {
  const options = optionsOf(argument, caller);
  const required = requiredScopes(options.scope, caller);
  for (const scope of required) {
    if (!provider.scopes.available.has(scope))
      throw new TypeError(
        `${caller}: options.scope names ${JSON.stringify(scope)}, which the provider does not offer`,
      );
  }
  const realm = options.realm ?? 'api';
  if (!QUOTABLE.test(realm))
    throw new TypeError(`${caller}: options.realm may not contain quotes or backslashes`);
  const verifyOptions = {
    checkRevocation: options.checkRevocation !== false,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  return { required, verifyOptions, challenge: `Bearer realm="${realm}"` };
}

/** The error response for a refused request, with its `WWW-Authenticate` challenge (400, 401, 403). */
export function bearerErrorResponse(
  provider: Provider,
  check: BearerCheck,
  err: unknown,
): EngineResponse {
  const error: OAuthError = toOAuthError(err);
  const response = provider.errorResponse(error);
  let challenge = `${check.challenge}, error="${error.error}"`;
  if (error instanceof InsufficientScopeError)
    challenge += `, scope="${error.requiredScope.join(' ')}"`;
  else if (QUOTABLE.test(error.description))
    challenge += `, error_description="${error.description}"`;
  const headers =
    error.status === 400 || error.status === 401 || error.status === 403
      ? { ...response.headers, 'WWW-Authenticate': challenge }
      : response.headers;
  return { ...response, headers };
}

/**
 * Reads the Authorization header: the token, `undefined` when there are no bearer
 * credentials (answer 401 with `check.challenge` and no body), or an error
 * response for a malformed header.
 */
export function bearerToken(
  provider: Provider,
  check: BearerCheck,
  header: string | null | undefined,
): string | undefined | EngineResponse {
  const space = header == null ? -1 : header.indexOf(' ');
  const scheme = header == null ? '' : space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  const token = space === -1 ? '' : (header as string).slice(space + 1).trim();
  if (!B64TOKEN.test(token))
    return bearerErrorResponse(
      provider,
      check,
      new InvalidRequestError('the Authorization header does not hold a well-formed bearer token'),
    );
  return token;
}

/** Verifies the token and the scope: the token's data, or the error response. */
export function verifyBearerToken(
  provider: Provider,
  check: BearerCheck,
  token: string,
): Promise<AccessTokenInfo | EngineResponse> {
  return provider.verifyAccessToken(token, check.verifyOptions).then(
    (info) =>
      hasScopes(info.scope, check.required)
        ? info
        : bearerErrorResponse(provider, check, new InsufficientScopeError(check.required)),
    (err: unknown) => bearerErrorResponse(provider, check, err),
  );
}

/** Whether a result of {@link bearerToken} or {@link verifyBearerToken} is a refusal. */
export function isRefusal(value: unknown): value is EngineResponse {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}
