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
 * - a store that is down → 503 `temporarily_unavailable`.
 */
import {
  InsufficientScopeError,
  InvalidRequestError,
  toOAuthError,
  type OAuthError,
} from '../errors.js';
import type { Provider } from '../engine/provider.js';
import { hasScopes } from '../helpers/scope.js';
import type { EngineResponse } from '../types.js';
import type { AccessTokenInfo, VerifyOptions } from '../tokens/checker.js';

export interface ProtectOptions {
  /** Scopes the route needs, all of them; a string is split on spaces. Default none. */
  scope?: string | readonly string[];
  /** The `realm` of the challenge. Default `"api"`. */
  realm?: string;
  /**
   * Ask the token store whether a JWT access token was revoked. Default true.
   * False gives purely local checks: a revoked JWT then works until it expires.
   */
  checkRevocation?: boolean;
  /** The audience tokens must carry. Default: the provider's. */
  audience?: string;
}

/** Checked options, ready for {@link bearerToken} and {@link verifyBearerToken}. */
export interface BearerCheck {
  readonly required: readonly string[];
  readonly verifyOptions: VerifyOptions;
  /** `Bearer realm="…"`: the challenge without an error code. */
  readonly challenge: string;
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Checks `options`; a TypeError (prefixed with `caller`) names a bad one. */
export function bearerCheck(
  provider: Provider,
  options: ProtectOptions = {},
  caller = 'protect()',
): BearerCheck {
  const required =
    typeof options.scope === 'string'
      ? options.scope.split(' ').filter(Boolean)
      : [...(options.scope ?? [])];
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
