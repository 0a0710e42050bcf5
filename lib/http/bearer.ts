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
 * - with `resource`, the route is that protected resource: a token must carry it
 *   as its audience (else 401 `invalid_token`), and every challenge (401, 403 and
 *   400 alike) carries `resource_metadata="<its RFC 9728 metadata URL>"` (RFC
 *   9728 5.1), built from the option, never from the request's Host; the realm
 *   is then left out unless given;
 * - attribute values are quoted strings (RFC 9110 5.6.4: `"` and `\` escaped);
 *   `error_description` is sent only when it holds RFC 6750's allowed
 *   characters, `scope` (on `insufficient_scope`, for step-up) always;
 * - a malformed Authorization header → 400 `invalid_request`;
 * - an unknown, expired or revoked token → 401 `error="invalid_token"`;
 * - a token without every required scope → 403 `error="insufficient_scope"`,
 *   naming the scope needed;
 * - a store that is down → 503 `temporarily_unavailable`;
 * - the options are checked when the check is made: `protect('write')` is
 *   `protect({ scope: 'write' })`; a misspelled key (`scopes`), a scope the
 *   provider does not offer or a scope naming nothing is a TypeError, so a route
 *   is never silently left without its scope; so is a `resource` no token could
 *   ever be issued for (neither the default audience nor a configured resource),
 *   and `resource` with `audience` (the resource is the audience).
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
import { protectedResourceMetadataUrl, resourceUrl } from './resource-metadata.js';

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
  /**
   * The audience tokens must carry, when the route is not an RFC 9728 protected
   * resource (then use `resource`). Default: the provider's.
   */
  audience?: string;
  /**
   * The route's resource identifier (RFC 8707, RFC 9728), e.g.
   * `https://api.example.com/mcp`: tokens must have been issued for it (`aud`),
   * and challenges point to its metadata (`resource_metadata="…"`; serve it with
   * `oauth.protectedResource({ resource })`). It must be the provider's default
   * audience or one of `options.resources`. Default none.
   */
  resource?: string;
}

const PROTECT_KEYS = optionKeys<ProtectOptions>({
  scope: true,
  realm: true,
  checkRevocation: true,
  audience: true,
  resource: true,
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
  /** `Bearer realm="…"` (and `resource_metadata="…"`): the challenge without an error code. */
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
  const audience = audienceOf(provider, options, caller);
  const verifyOptions = {
    checkRevocation: options.checkRevocation !== false,
    ...(audience === undefined ? {} : { audience }),
  };
  return { required, verifyOptions, challenge: `Bearer ${challengeParams(options, caller)}` };
}

/** A quoted-string (RFC 9110 5.6.4): `"` and `\` escaped. */
export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** The audience the options ask for: `resource`, or `audience`; TypeErrors for both, or an unknown resource. */
function audienceOf(
  provider: Provider,
  options: ProtectOptions,
  caller: string,
): string | undefined {
  const { resource, audience } = options;
  if (resource === undefined) return audience;
  if (audience !== undefined)
    throw new TypeError(
      `${caller}: give options.resource or options.audience, not both: the resource is the audience its tokens carry`,
    );
  resourceUrl(resource, `${caller}: options.resource`);
  if (resource !== provider.config.audience && !provider.config.resources.has(resource))
    throw new TypeError(
      `${caller}: options.resource ${JSON.stringify(resource)} is neither the provider's audience nor one of options.resources, so no token could ever be issued for it`,
    );
  return resource;
}

/** `realm="…"` and/or `resource_metadata="…"`: what every challenge of the route starts with. */
function challengeParams(options: ProtectOptions, caller: string): string {
  const params: string[] = [];
  const realm = options.realm ?? (options.resource === undefined ? 'api' : undefined);
  if (realm !== undefined && (typeof realm !== 'string' || !QUOTABLE.test(realm)))
    throw new TypeError(`${caller}: options.realm may not contain quotes or backslashes`);
  if (realm !== undefined) params.push(`realm=${quoted(realm)}`);
  if (options.resource !== undefined) {
    const url = protectedResourceMetadataUrl(new URL(options.resource));
    params.push(`resource_metadata=${quoted(url)}`);
  }
  return params.join(', ');
}

/** The error response for a refused request, with its `WWW-Authenticate` challenge (400, 401, 403). */
export function bearerErrorResponse(
  provider: Provider,
  check: BearerCheck,
  err: unknown,
): EngineResponse {
  const error: OAuthError = toOAuthError(err);
  const response = provider.errorResponse(error);
  let challenge = `${check.challenge}, error=${quoted(error.error)}`;
  if (error instanceof InsufficientScopeError)
    challenge += `, scope=${quoted(error.requiredScope.join(' '))}`;
  else if (QUOTABLE.test(error.description))
    challenge += `, error_description=${quoted(error.description)}`;
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
