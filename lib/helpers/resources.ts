/**
 * Resource indicators (RFC 8707): the configured resources, and the rules that
 * say which resource an access token is for and what scope it may carry.
 *
 * Rules:
 * - A resource indicator is an absolute URI without a fragment (RFC 8707 2:
 *   "MUST be an absolute URI, as specified by Section 4.3 of [RFC3986]. The URI
 *   MUST NOT include a fragment component"), and only a configured one is
 *   served: anything else is `invalid_target`. Values are compared as exact
 *   strings with a `Map` (`__proto__` and `constructor` are not resources).
 * - One access token has one audience: a token request naming several
 *   resources is `invalid_target`. The token's `aud` is the resource.
 * - A grant (code, refresh token) remembers the resources it was granted for.
 *   A token request may name one of them, never another (`invalid_target`); a
 *   request naming none gets the grant's only resource, the default audience
 *   when the grant has none, and `invalid_target` when it has several. A grant
 *   with no resource never yields a token for one (a refresh never widens).
 * - The scope of a token for a resource is within what the resource accepts: a
 *   scope named explicitly that the resource does not accept is `invalid_scope`
 *   (never silently dropped); a scope that came by default, or from the grant,
 *   is narrowed to the resource's scopes (RFC 6749 3.3 lets the server issue
 *   less than requested; the response's `scope` says what was issued).
 * - At the authorization endpoint, every named resource must accept at least
 *   one scope of the request (else `invalid_target`), and every scope named
 *   explicitly must be accepted by one of the named resources (else `invalid_scope`).
 * - Configuration (checked once, TypeError naming the option): an absolute URI
 *   without fragment, no duplicate, scopes offered by the server, a lifetime of
 *   whole positive seconds, a format `jwt` or `opaque`.
 */
import { InvalidScopeError, InvalidTargetError, quoteValue } from '../errors.js';
import { checkOptionKeys, optionKeys } from './option-keys.js';

/** A protected resource the server issues access tokens for (RFC 8707). */
export interface ResourceConfig {
  /**
   * The resource indicator: an absolute URI without fragment (RFC 8707 2), e.g.
   * `https://api.example.com/mcp`. Compared as an exact string.
   */
  resource: string;
  /** Scopes a token for it may carry (each offered by the server); default: every scope. */
  scopes?: readonly string[];
  /** Access token format for it; default the server's `accessToken.format`. */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Access token lifetime for it, seconds; default the grant's (or the server's). */
  accessTokenLifetime?: number;
}

/** A configured resource, checked and frozen (`provider.config.resources`). */
export interface ResolvedResource {
  /** The resource indicator, the `aud` of its tokens. */
  readonly resource: string;
  /** The scopes its tokens may carry (every scope the server offers when not configured). */
  readonly scopes: readonly string[];
  /** The format of its access tokens. */
  readonly accessTokenFormat: 'jwt' | 'opaque';
  /** Seconds its access tokens live; undefined: the grant's lifetime. */
  readonly accessTokenLifetime: number | undefined;
}

const RESOURCE_KEYS = optionKeys<ResourceConfig>({
  resource: true,
  scopes: true,
  accessTokenFormat: true,
  accessTokenLifetime: true,
});

/** The configured resources by indicator. */
export type Resources = ReadonlyMap<string, ResolvedResource>;

/** Why `value` is not a resource indicator, or undefined when it is one (RFC 8707 2). */
function malformed(value: string): string | undefined {
  if (value.includes('#')) return 'has a fragment';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return 'is not an absolute URI';
  try {
    new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  return /[\s\x00-\x1f\x7f]/.test(value) ? 'holds white space or a control character' : undefined;
}

function resolveOne(
  given: ResourceConfig,
  where: string,
  offered: ReadonlySet<string>,
  format: 'jwt' | 'opaque',
): ResolvedResource {
  if (given === null || typeof given !== 'object')
    throw new TypeError(`${where} must be an object: { resource, scopes?, ... }`);
  checkOptionKeys(given, RESOURCE_KEYS, where);
  const { resource, scopes, accessTokenFormat, accessTokenLifetime } = given;
  if (typeof resource !== 'string')
    throw new TypeError(`${where}.resource must be an absolute URI (RFC 8707 2)`);
  const why = malformed(resource);
  if (why !== undefined)
    throw new TypeError(`${where}.resource ${JSON.stringify(resource)} ${why} (RFC 8707 2)`);
  if (scopes !== undefined && !Array.isArray(scopes))
    throw new TypeError(`${where}.scopes must be an array of scopes`);
  const unknown = (scopes ?? []).find((s) => typeof s !== 'string' || !offered.has(s));
  if (unknown !== undefined)
    throw new TypeError(
      `${where}.scopes: ${JSON.stringify(unknown)} is not in options.scopes.available`,
    );
  if (
    accessTokenFormat !== undefined &&
    accessTokenFormat !== 'jwt' &&
    accessTokenFormat !== 'opaque'
  )
    throw new TypeError(`${where}.accessTokenFormat must be "jwt" or "opaque"`);
  if (
    accessTokenLifetime !== undefined &&
    (typeof accessTokenLifetime !== 'number' ||
      !Number.isInteger(accessTokenLifetime) ||
      accessTokenLifetime <= 0)
  )
    throw new TypeError(`${where}.accessTokenLifetime must be a positive whole number of seconds`);
  return Object.freeze({
    resource,
    scopes: Object.freeze([...new Set(scopes ?? offered)]),
    accessTokenFormat: accessTokenFormat ?? format,
    accessTokenLifetime,
  });
}

/**
 * `options.resources`, checked (rules above) and frozen, by indicator.
 * @param offered the scopes the server offers (`options.scopes.available`).
 * @param format the server's access token format (the default of each resource).
 */
export function resolveResources(
  value: readonly ResourceConfig[] | undefined,
  offered: readonly string[],
  format: 'jwt' | 'opaque',
): Resources {
  const out = new Map<string, ResolvedResource>();
  if (value === undefined) return readOnly(out);
  if (!Array.isArray(value)) throw new TypeError('options.resources must be an array');
  const scopes = new Set(offered);
  value.forEach((given, i) => {
    const where = `options.resources[${i}]`;
    const resolved = resolveOne(given, where, scopes, format);
    if (out.has(resolved.resource))
      throw new TypeError(
        `${where}: the resource ${JSON.stringify(resolved.resource)} is listed twice`,
      );
    out.set(resolved.resource, resolved);
  });
  return readOnly(out);
}

/** `map`, whose `set`, `delete` and `clear` now throw: the resolved configuration is frozen. */
function readOnly<K, V>(map: Map<K, V>): ReadonlyMap<K, V> {
  const refuse = (): never => {
    throw new TypeError('the configured resources are read-only');
  };
  const locked = { value: refuse, enumerable: false };
  return Object.freeze(
    Object.defineProperties(map, { set: locked, delete: locked, clear: locked }),
  );
}

/** The configured resources named by `values` (distinct, in order); `invalid_target` for any other. */
export function namedResources(
  resources: Resources,
  values: readonly string[],
): ResolvedResource[] {
  const out: ResolvedResource[] = [];
  for (const value of values) {
    const why = malformed(value);
    if (why !== undefined) throw new InvalidTargetError(`the resource ${quoteValue(value)} ${why}`);
    const resource = resources.get(value);
    if (resource === undefined)
      throw new InvalidTargetError(`the resource ${quoteValue(value)} is unknown`);
    if (!out.includes(resource)) out.push(resource);
  }
  return out;
}

const ONE_PER_TOKEN = 'one resource per access token: name at most one resource';

/**
 * The resource a token request is for (`values`: every `resource` it named):
 * undefined for the default audience.
 * @param granted the resources of the grant being redeemed or refreshed;
 *   undefined for a grant that starts here (client_credentials, password),
 *   where any configured resource may be named.
 */
export function tokenResource(
  resources: Resources,
  values: readonly string[],
  granted?: readonly string[],
): ResolvedResource | undefined {
  const named = namedResources(resources, values);
  if (named.length > 1) throw new InvalidTargetError(ONE_PER_TOKEN);
  const [resource] = named;
  if (granted === undefined) return resource;
  if (resource !== undefined) {
    if (!granted.includes(resource.resource))
      throw new InvalidTargetError(
        `the resource ${quoteValue(resource.resource)} was not granted to this authorization`,
      );
    return resource;
  }
  if (granted.length > 1)
    throw new InvalidTargetError(
      'the authorization was granted for several resources: name one of them',
    );
  if (granted.length === 0) return undefined;
  const only = resources.get(granted[0] as string);
  if (only === undefined)
    throw new InvalidTargetError('the resource of this authorization is no longer served');
  return only;
}

/**
 * The scope of a token for `resource` (rules above).
 * @param scope the scope granted (or resolved for the request).
 * @param explicit whether the client named that scope in this request.
 */
export function scopeForResource(
  resource: ResolvedResource | undefined,
  scope: readonly string[],
  explicit: boolean,
): string[] {
  if (resource === undefined) return [...scope];
  const accepted = resource.scopes;
  if (explicit) {
    const refused = scope.find((s) => !accepted.includes(s));
    if (refused !== undefined)
      throw new InvalidScopeError(`the resource does not accept the scope ${quoteValue(refused)}`);
    return [...scope];
  }
  const narrowed = scope.filter((s) => accepted.includes(s));
  if (narrowed.length === 0 && scope.length > 0)
    throw new InvalidScopeError('the resource accepts none of the granted scopes');
  return narrowed;
}

/**
 * The scope of an authorization request naming `named` resources (rules above):
 * unchanged without resources; else checked, and a default scope narrowed to
 * what the named resources accept together.
 */
export function scopeForResources(
  named: readonly ResolvedResource[],
  scope: readonly string[],
  explicit: boolean,
): string[] {
  if (named.length === 0) return [...scope];
  const accepted = new Set(named.flatMap((r) => r.scopes));
  let granted = [...scope];
  if (explicit) {
    const refused = scope.find((s) => !accepted.has(s));
    if (refused !== undefined)
      throw new InvalidScopeError(
        `none of the requested resources accepts the scope ${quoteValue(refused)}`,
      );
  } else granted = scope.filter((s) => accepted.has(s));
  if (granted.length === 0 && scope.length > 0)
    throw new InvalidScopeError('the requested resources accept none of the requested scopes');
  const idle = named.find((r) => granted.length > 0 && !granted.some((s) => r.scopes.includes(s)));
  if (idle !== undefined)
    throw new InvalidTargetError(
      `the resource ${quoteValue(idle.resource)} accepts none of the requested scopes`,
    );
  return granted;
}
