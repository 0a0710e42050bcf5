/**
 * Protected resource metadata (RFC 9728) without HTTP: the checked resource
 * identifier, where its metadata document lives, and the document itself. Shared
 * by `protect({ resource })` (the `resource_metadata` of its challenges), the
 * Express middleware (./protected-resource.ts) and the Fetch handler.
 *
 * Rules:
 * - a resource identifier is an https URL (http only for localhost, 127.0.0.1
 *   and [::1], as the issuer) with no query and no fragment (RFC 9728 1.2: "no
 *   fragment component"; a query is NOT RECOMMENDED there and refused here);
 * - the metadata URL inserts `/.well-known/oauth-protected-resource` between the
 *   host and the path (RFC 9728 3.1); a path of `/` adds nothing, any other path
 *   is kept as it is (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`);
 *   it is built from the configured identifier only, never from a request;
 * - the document's `resource` is the identifier exactly as configured (RFC 9728
 *   3.3: it must be identical to the one the metadata URL was made from),
 *   `authorization_servers` holds the issuer, `bearer_methods_supported` is
 *   `["header"]` (protect() reads the Authorization header only), and
 *   `scopes_supported` comes from the option, else the configured resource
 *   (RFC 8707, `options.resources`), else every scope the server offers; each
 *   scope must be one the server offers;
 * - the human-readable URLs (`resource_documentation`, policy, terms of service)
 *   are absolute http(s) URLs;
 * - `dpop_signing_alg_values_supported` lists the DPoP proof algorithms the
 *   provider accepts (RFC 9728 2, RFC 9449 7: what `protect()` checks proofs
 *   with), and `dpop_bound_access_tokens_required: true` is there when the
 *   resource takes DPoP-bound tokens only (`dpop: 'required'`, as on its
 *   `protect()` routes); left out otherwise (its default is false).
 */
import type { Provider } from '../engine/provider.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import type { EngineResponse } from '../types.js';
import type { DpopMode } from './dpop-resource.js';
import { documentHeaders } from './endpoints.js';

/** The well-known suffix of protected resource metadata (RFC 9728 3, IANA registered). */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** How long clients may cache protected resource metadata, in seconds. */
export const PROTECTED_RESOURCE_MAX_AGE = 3600;

/** Whether the metadata answers `method`: GET and HEAD, and OPTIONS (a preflight) when CORS is on. */
function answersMetadata(method: string | undefined, cors: boolean): boolean {
  return method === 'GET' || method === 'HEAD' || (cors && method === 'OPTIONS');
}

/** Options of `oauth.protectedResource()` and `fetchProtectedResource()`. */
export interface ProtectedResourceOptions {
  /**
   * The resource identifier (RFC 9728 1.2, RFC 8707): an https URL without query
   * or fragment, e.g. `https://api.example.com/mcp`; tokens for it carry it as `aud`.
   */
  resource: string;
  /** `scopes_supported`. Default: the configured resource's scopes, else every scope offered. */
  scopes?: readonly string[];
  /** `resource_name`: a name for people. Default none. */
  resourceName?: string;
  /** `resource_documentation`: a URL of documentation for developers. Default none. */
  documentation?: string;
  /** `resource_policy_uri`: how data is used. Default none. */
  policyUri?: string;
  /** `resource_tos_uri`: the terms of service. Default none. */
  tosUri?: string;
  /**
   * Whether the resource takes DPoP-bound tokens only (`'required'`: the document
   * says `dpop_bound_access_tokens_required: true`; give its `protect()` routes
   * the same option) or bearer tokens too. Default `'allowed'`.
   */
  dpop?: DpopMode;
}

/** The keys of {@link ProtectedResourceOptions} (lib/helpers/option-keys.ts). */
export const PROTECTED_RESOURCE_KEYS = optionKeys<ProtectedResourceOptions>({
  resource: true,
  scopes: true,
  resourceName: true,
  documentation: true,
  policyUri: true,
  tosUri: true,
  dpop: true,
});

/** The metadata document (RFC 9728 2). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
  /** The `alg` values of DPoP proofs the resource accepts (RFC 9728 2, RFC 9449). */
  dpop_signing_alg_values_supported: string[];
  /** True when the resource takes DPoP-bound tokens only; left out when false (the default). */
  dpop_bound_access_tokens_required?: boolean;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Checks a resource identifier (RFC 9728 1.2); `where` names the option in the
 * TypeError (`'protect(): options.resource'`).
 * @returns the identifier parsed.
 */
export function resourceUrl(value: unknown, where: string): URL {
  if (typeof value !== 'string' || !URL.canParse(value) || /[\s\x00-\x1f\x7f]/.test(value))
    throw new TypeError(`${where} must be a URL, e.g. "https://api.example.com/mcp"`);
  const url = new URL(value);
  const loopback = LOOPBACK.includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new TypeError(
      `${where} must be an https URL (http only for localhost, 127.0.0.1 and [::1])`,
    );
  if (value.includes('?') || value.includes('#') || url.username !== '' || url.password !== '')
    throw new TypeError(`${where} must have no query, fragment or user info (RFC 9728 1.2)`);
  return url;
}

/**
 * Where the metadata of `resource` lives (RFC 9728 3.1): the well-known suffix
 * inserted between the host and the path.
 * @example protectedResourceMetadataUrl(new URL('https://h/mcp')) // 'https://h/.well-known/oauth-protected-resource/mcp'
 */
export function protectedResourceMetadataUrl(resource: URL): string {
  return resource.origin + protectedResourceMetadataPath(resource);
}

/** The path of {@link protectedResourceMetadataUrl}, from the host's root. */
export function protectedResourceMetadataPath(resource: URL): string {
  const path = resource.pathname === '/' ? '' : resource.pathname;
  return PROTECTED_RESOURCE_WELL_KNOWN + path;
}

function optionalUrl(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'string' && URL.canParse(value) && /^https?:\/\//i.test(value);
  if (!ok) throw new TypeError(`${where} must be an absolute http(s) URL`);
  return value;
}

function scopesOf(provider: Provider, options: ProtectedResourceOptions, caller: string): string[] {
  const given = options.scopes;
  if (given !== undefined && !Array.isArray(given))
    throw new TypeError(`${caller}: options.scopes must be an array of scopes`);
  const scopes = given ?? provider.config.resources.get(options.resource)?.scopes;
  const offered = provider.scopes.available;
  const unknown = scopes?.find((scope) => !offered.has(scope));
  if (unknown !== undefined)
    throw new TypeError(
      `${caller}: options.scopes names ${JSON.stringify(unknown)}, which the provider does not offer`,
    );
  return [...(scopes ?? offered)];
}

/**
 * The checked options and the document they give, made once.
 * @throws TypeError naming a bad option, a misspelled key included.
 */
export function protectedResourceDocument(
  provider: Provider,
  options: ProtectedResourceOptions,
  caller: string,
): { url: URL; document: Readonly<ProtectedResourceMetadata> } {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${caller}: options { resource } are required`);
  checkOptionKeys(options, PROTECTED_RESOURCE_KEYS, `${caller}: options`);
  const url = resourceUrl(options.resource, `${caller}: options.resource`);
  const scopes = scopesOf(provider, options, caller);
  if (options.resourceName !== undefined && typeof options.resourceName !== 'string')
    throw new TypeError(`${caller}: options.resourceName must be a string`);
  const links = {
    resource_documentation: optionalUrl(options.documentation, `${caller}: options.documentation`),
    resource_policy_uri: optionalUrl(options.policyUri, `${caller}: options.policyUri`),
    resource_tos_uri: optionalUrl(options.tosUri, `${caller}: options.tosUri`),
  };
  if (options.dpop !== undefined && options.dpop !== 'allowed' && options.dpop !== 'required')
    throw new TypeError(`${caller}: options.dpop must be 'allowed' or 'required'`);
  const document: ProtectedResourceMetadata = {
    resource: options.resource,
    authorization_servers: [provider.config.issuer],
    ...(scopes.length === 0 ? {} : { scopes_supported: scopes }),
    bearer_methods_supported: ['header'],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    dpop_signing_alg_values_supported: [...provider.config.dpop.algorithms],
    ...(options.dpop === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
  };
  for (const [member, value] of Object.entries(links))
    if (value !== undefined) document[member as keyof typeof links] = value;
  return { url, document: Object.freeze(document) };
}

/** What both adapters serve for one resource, made once. */
export interface ProtectedResourceRoute {
  /** Where the metadata lives, from the host's root ({@link protectedResourceMetadataPath}). */
  readonly path: string;
  /** The 200 answer: the document, cacheable for {@link PROTECTED_RESOURCE_MAX_AGE} seconds. */
  readonly response: EngineResponse;
  /** Whether a request by `method` for `path` is this route's: GET, HEAD, and OPTIONS when CORS is on. */
  serves(method: string | undefined, path: string): boolean;
}

/**
 * The route of `options.resource`'s metadata, for `oauth.protectedResource()`
 * (./protected-resource.ts) and `fetchProtectedResource()` (./fetch.ts).
 * @throws TypeError naming a bad option, a misspelled key included.
 */
export function protectedResourceRoute(
  provider: Provider,
  options: ProtectedResourceOptions,
  caller: string,
): ProtectedResourceRoute {
  const { url, document } = protectedResourceDocument(provider, options, caller);
  const path = protectedResourceMetadataPath(url);
  const cors = provider.config.cors !== undefined;
  const headers = documentHeaders(PROTECTED_RESOURCE_MAX_AGE);
  return {
    path,
    response: { status: 200, headers, body: document },
    serves: (method, at) => at === path && answersMetadata(method, cors),
  };
}
