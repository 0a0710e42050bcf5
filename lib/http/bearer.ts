/**
 * The RFC 6750 bearer check shared by `protect()` (Express/Connect/node:http) and
 * `verifyBearer()` (Fetch API), with DPoP-bound tokens (RFC 9449 7, the proof
 * rules in ./dpop-resource.ts): options, reading the Authorization header, and
 * the challenge that goes with each refusal. It knows no request or response type.
 *
 * Rules:
 * - the token is read from `Authorization: Bearer <token>` or `Authorization:
 *   DPoP <token>` only; a token in the query string or body is ignored (RFC 9700
 *   2.1: no tokens in URLs);
 * - no credentials → 401 with the bare challenge and no error code (RFC 6750
 *   3.1): `Bearer realm="…"` where Bearer is taken (so a client that knows
 *   Bearer only reads what it always read), `DPoP realm="…", algs="…"` alone
 *   with `dpop: 'required'`; a client learns that DPoP is taken from the
 *   protected resource metadata (`dpop_signing_alg_values_supported`);
 * - a refusal's `error` (and `error_description`, `scope`) goes in the
 *   challenge of the scheme the request used, and that challenge alone is sent
 *   (RFC 9449 7.1 lets a server send both; one keeps the answer that clients of
 *   the other scheme parse unchanged); the `DPoP` one always ends with `algs`;
 * - `invalid_dpop_proof` and `use_dpop_nonce` are 401 here (RFC 9449 7.1, 9), with
 *   `DPoP-Nonce` for the latter;
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
import {
  checkDpopRequest,
  dpopRoute,
  isProofError,
  refuseBoundBearer,
  type DpopMode,
  type DpopRoute,
  type DpopTokenInfo,
  type ResourceRequest,
} from './dpop-resource.js';
import { protectedResourceMetadataUrl, resourceUrl } from './resource-metadata.js';

export type { DpopMode, ResourceRequest } from './dpop-resource.js';

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
  /**
   * DPoP-bound tokens (RFC 9449 7): `'allowed'` takes them (with a proof) beside
   * bearer tokens; `'required'` takes DPoP-bound tokens only (RFC 9449 7.2) and
   * says so in the protected resource metadata. A DPoP-bound token is never
   * accepted as a bearer token either way. Default `'allowed'`.
   */
  dpop?: DpopMode;
  /**
   * The route's external origin, as clients reach it (scheme, host, port; no
   * path), e.g. `https://api.example.com`: a DPoP proof's `htu` must be this origin
   * followed by the request's path. Never taken from the Host or X-Forwarded-*
   * headers. Default: the origin of `resource` when given, else the issuer's.
   */
  origin?: string;
}

const PROTECT_KEYS = optionKeys<ProtectOptions>({
  scope: true,
  realm: true,
  checkRevocation: true,
  audience: true,
  resource: true,
  dpop: true,
  origin: true,
});

/**
 * What `protect()` and `verifyBearer()` take: the options, or the scope alone
 * (`protect('write')` is `protect({ scope: 'write' })`).
 */
export type ProtectArgument = ProtectOptions | string | readonly string[];

/** Checked options, ready for {@link readCredentials} and {@link verifyCredentials}. */
export interface BearerCheck {
  readonly required: readonly string[];
  readonly verifyOptions: VerifyOptions;
  /** `realm="…"` and/or `resource_metadata="…"`: what each scheme's challenge starts with. */
  readonly params: string;
  /**
   * The challenges without an error code, for a request without credentials:
   * `Bearer realm="…", DPoP realm="…", algs="…"` (only `DPoP …` with `dpop: 'required'`).
   */
  readonly challenge: string;
  readonly dpop: DpopRoute;
}

/** The authentication scheme a request used. */
export type Scheme = 'bearer' | 'dpop';

/** A token read from the Authorization header, with its scheme. */
export interface Credentials {
  readonly scheme: Scheme;
  readonly token: string;
}

/** What `req.oauth2.token` holds: the token's data, with `dpop: true` when it came with a proof. */
export type ProtectedTokenInfo = AccessTokenInfo | DpopTokenInfo;

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
  const params = challengeParams(options, caller);
  const dpop = dpopRoute(provider, options, caller);
  const check = { required, verifyOptions, params, dpop, challenge: '' };
  return { ...check, challenge: challengeFor(check, 'bearer') };
}

/**
 * The `WWW-Authenticate` value: the challenge of the scheme the request used
 * (Bearer for a request without credentials; DPoP alone when DPoP is required),
 * carrying `errorParams` when given.
 */
function challengeFor(check: BearerCheck, scheme: Scheme, errorParams?: string): string {
  const extra = errorParams === undefined ? '' : `, ${errorParams}`;
  if (scheme === 'bearer' && check.dpop.mode !== 'required')
    return `Bearer ${check.params}${extra}`;
  return `DPoP ${check.params}${extra}, algs=${quoted(check.dpop.algs)}`;
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

/**
 * The error response for a refused request, with its `WWW-Authenticate`
 * challenges (400, 401, 403), the error in the one of `scheme`.
 */
export function bearerErrorResponse(
  provider: Provider,
  check: BearerCheck,
  err: unknown,
  scheme: Scheme = 'bearer',
): EngineResponse {
  const error: OAuthError = toOAuthError(err);
  const response = provider.errorResponse(error);
  // RFC 9449 7.1, 9: a protected resource answers a bad proof or a missing nonce with 401.
  const status = isProofError(error) ? 401 : response.status;
  let params = `error=${quoted(error.error)}`;
  if (error instanceof InsufficientScopeError)
    params += `, scope=${quoted(error.requiredScope.join(' '))}`;
  else if (QUOTABLE.test(error.description))
    params += `, error_description=${quoted(error.description)}`;
  const headers =
    status === 400 || status === 401 || status === 403
      ? { ...response.headers, 'WWW-Authenticate': challengeFor(check, scheme, params) }
      : response.headers;
  return { ...response, status, headers };
}

const SCHEMES: Readonly<Record<string, Scheme>> = { bearer: 'bearer', dpop: 'dpop' };

/**
 * Reads the Authorization header: the scheme and token, `undefined` when there
 * are no credentials of a scheme the route takes (answer 401 with
 * `check.challenge` and no body), or an error response for a malformed header.
 */
export function readCredentials(
  provider: Provider,
  check: BearerCheck,
  header: string | null | undefined,
): Credentials | undefined | EngineResponse {
  const space = header == null ? -1 : header.indexOf(' ');
  const name = header == null ? '' : space === -1 ? header : header.slice(0, space);
  const scheme = Object.hasOwn(SCHEMES, name.toLowerCase())
    ? SCHEMES[name.toLowerCase()]
    : undefined;
  if (scheme === undefined || (scheme === 'bearer' && check.dpop.mode === 'required'))
    return undefined;
  const token = space === -1 ? '' : (header as string).slice(space + 1).trim();
  if (!B64TOKEN.test(token))
    return bearerErrorResponse(
      provider,
      check,
      new InvalidRequestError(
        `the Authorization header does not hold a well-formed ${scheme === 'dpop' ? 'DPoP-bound access' : 'bearer'} token`,
      ),
      scheme,
    );
  return { scheme, token };
}

/** The token's data once its binding (and proof, for the DPoP scheme) is checked; throws otherwise. */
async function verified(
  provider: Provider,
  check: BearerCheck,
  { scheme, token }: Credentials,
  request: ResourceRequest,
): Promise<ProtectedTokenInfo> {
  const info = await provider.verifyAccessToken(token, check.verifyOptions);
  if (scheme === 'dpop') return checkDpopRequest(provider, check.dpop, token, info, request);
  refuseBoundBearer(info);
  return info;
}

/**
 * Verifies the token, its DPoP proof and binding, and the scope: the token's
 * data, or the error response.
 */
export function verifyCredentials(
  provider: Provider,
  check: BearerCheck,
  credentials: Credentials,
  request: ResourceRequest,
): Promise<ProtectedTokenInfo | EngineResponse> {
  const refuse = (err: unknown) => bearerErrorResponse(provider, check, err, credentials.scheme);
  return verified(provider, check, credentials, request).then(
    (info) =>
      hasScopes(info.scope, check.required)
        ? info
        : refuse(new InsufficientScopeError(check.required)),
    refuse,
  );
}

/** Whether a result of {@link readCredentials} or {@link verifyCredentials} is a refusal. */
export function isRefusal(value: unknown): value is EngineResponse {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}
