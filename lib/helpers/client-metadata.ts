/**
 * The one validator of RFC 7591 client metadata: a registration request's body
 * (lib/endpoints/registration/) and a client ID metadata document
 * (lib/client-id-documents/) are checked here, and nowhere else.
 *
 * Rules (every refusal is `invalid_client_metadata`, or `invalid_redirect_uri` for
 * anything about `redirect_uris`; RFC 7591 3.2.2):
 * - the metadata is a JSON object (not an array, not null); unknown members are
 *   ignored (RFC 7591 2) and never copied anywhere; server fields (`client_id`,
 *   `client_secret`, `first_party`, `resource_server`, `require_pkce`, hashes, …)
 *   are never read, so a client cannot make itself first-party, a resource server
 *   or PKCE-free; a member whose value is `null` counts as absent;
 * - types and bounds: strings of at most {@link LIMITS} characters without control
 *   characters; at most 20 redirect URIs, 20 contacts, 10 grant and response types;
 * - `application_type` is `web` (default) or `native`; when it is absent and every
 *   redirect URI is loopback http or a private-use scheme, it is `native` (how
 *   today's MCP SDK client registers: never refused for that); redirect URIs by
 *   type in ./client-metadata-uris.ts, none repeated;
 * - `grant_types` default `['authorization_code']` (RFC 7591 2); `response_types`
 *   default to what the grant types need (`code` for authorization_code, `token`
 *   for implicit: RFC 7591 2.1's pairs); both must be among what the server offers
 *   (the rules of ./client-metadata-rules.ts) and consistent with each other; authorization_code and implicit need a
 *   redirect URI; a client_credentials-only client has none and `response_types: []`;
 * - `token_endpoint_auth_method` default `client_secret_basic`; it must be offered
 *   by the server and known to registration ({@link AUTH_METHOD_RULES}: `none`,
 *   `client_secret_basic`, `client_secret_post`, `private_key_jwt`); a public
 *   client (`none`) cannot use client_credentials; `client_secret_jwt` is not
 *   offered for registration (its secret would have to be stored readable);
 * - `private_key_jwt` needs `jwks` xor `jwks_uri` (RFC 7591 2: "MUST NOT both be
 *   present"): a JWK Set of public keys by the rules of
 *   lib/client-auth/client-jwks.ts (no private or symmetric key, at most 10
 *   keys and 16384 characters), or an https URI; the client gets no secret; with
 *   another method both members are ignored;
 * - `scope` (space-separated) names only scopes in `rules.scopes`; without it the
 *   client may ask for every scope the server offers;
 * - `client_uri`, `logo_uri`, `tos_uri`, `policy_uri` are https;
 * - `dpop_bound_access_tokens` (RFC 9449 5.2) is a boolean, default false; when
 *   true every token request of the client must carry a DPoP proof;
 * - `require_pushed_authorization_requests` (RFC 9126 6) is a boolean, default
 *   false; when true the client's authorization requests must be pushed (a
 *   stricter rule a client may ask for itself);
 * - with OpenID Connect on, its members (`post_logout_redirect_uris`,
 *   `subject_type`, `default_max_age`, …) by ./client-metadata-oidc.ts;
 * - the registered client is never first-party, never a resource server, and
 *   always needs PKCE.
 */
import { InvalidClientMetadataError, InvalidRedirectUriError, quoteValue } from '../errors.js';
import type { ClientMetadataRules } from './client-metadata-rules.js';
import type { Client } from '../types.js';
import type { ClientConfig } from './clients.js';
import { checkHttpsUri, checkRedirectUri, inferApplicationType } from './client-metadata-uris.js';
import { jwksProblem } from '../client-auth/client-jwks.js';
import {
  checkOpenIdMetadata,
  openIdRegisteredMetadata,
  type OpenIdRegisteredMetadata,
} from './client-metadata-oidc.js';

export { MAX_URI_LENGTH } from './client-metadata-uris.js';

/** The RFC 7591 2 metadata of a registered client, as the server echoes it (RFC 7591 3.2.1). */
export interface RegisteredMetadata extends OpenIdRegisteredMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  response_types: string[];
  application_type: 'web' | 'native';
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  contacts?: string[];
  scope?: string;
  software_id?: string;
  software_version?: string;
  jwks?: { keys: object[] };
  jwks_uri?: string;
  /** RFC 9449 5.2: every token request of the client carries a DPoP proof (echoed when true). */
  dpop_bound_access_tokens?: boolean;
  /** RFC 9126 6: authorization requests must be pushed (echoed when true). */
  require_pushed_authorization_requests?: boolean;
}

/** Bounds of the metadata, in characters and items. */
export const LIMITS = Object.freeze({
  redirectUris: 20,
  contacts: 20,
  types: 10,
  name: 200,
  contact: 320,
  scope: 2048,
});

/**
 * What each `token_endpoint_auth_method` means for registration: whether the client
 * is public, and whether the server issues it a secret. A method that needs more
 * metadata (`private_key_jwt`: `jwks` xor `jwks_uri`) adds a row with a `check`.
 */
export interface AuthMethodRule {
  readonly public: boolean;
  readonly secret: boolean;
  /** Checks and returns the method's own members (e.g. keys). */
  check?(member: (name: string) => unknown): Partial<ClientConfig>;
}

/** `private_key_jwt`'s keys: `jwks` xor `jwks_uri` (RFC 7591 2). */
function clientKeysOf(member: (name: string) => unknown): Partial<ClientConfig> {
  const jwks = member('jwks');
  const uri = member('jwks_uri');
  if (jwks !== undefined && uri !== undefined)
    throw bad('jwks and jwks_uri must not both be present (RFC 7591 2)');
  if (uri !== undefined) return { jwksUri: checkHttpsUri('jwks_uri', uri) };
  if (jwks === undefined) throw bad('private_key_jwt needs jwks or jwks_uri');
  const problem = jwksProblem(jwks);
  if (problem !== undefined) throw bad(`jwks ${problem}`);
  return { jwks: jwks as ClientConfig['jwks'] & object };
}

export const AUTH_METHOD_RULES: ReadonlyMap<string, AuthMethodRule> = new Map([
  ['none', { public: true, secret: false }],
  ['client_secret_basic', { public: false, secret: true }],
  ['client_secret_post', { public: false, secret: true }],
  ['private_key_jwt', { public: false, secret: false, check: clientKeysOf }],
]);

/** Whether a client registered with `method` is issued a client secret. */
export function issuesSecret(method: string): boolean {
  return AUTH_METHOD_RULES.get(method)?.secret === true;
}

const CONTROL = /\p{Cc}/u;

type Member = (name: string) => unknown;

function bad(description: string): InvalidClientMetadataError {
  return new InvalidClientMetadataError(description);
}

/** An optional string member: non-empty, at most `max` characters, no control characters. */
function text(member: Member, name: string, max: number = LIMITS.name): string | undefined {
  const value = member(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(`${name} must be a non-empty string`);
  if (value.length > max) throw bad(`${name} must be at most ${max} characters`);
  if (CONTROL.test(value)) throw bad(`${name} must not contain control characters`);
  return value;
}

/** An optional array of strings of at most `max` items. */
function strings(
  member: Member,
  name: string,
  max: number,
  Err: typeof InvalidClientMetadataError | typeof InvalidRedirectUriError,
): unknown[] | undefined {
  const value = member(name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new Err(`${name} must be an array of strings`);
  if (value.length > max) throw new Err(`${name} may have at most ${max} items`);
  for (const item of value)
    if (typeof item !== 'string' || item === '')
      throw new Err(`${name} must hold non-empty strings`);
  return value;
}

function applicationType(member: Member, uris: readonly unknown[]): 'web' | 'native' {
  const value = member('application_type');
  if (value === undefined)
    return inferApplicationType(uris.filter((u): u is string => typeof u === 'string'));
  if (value !== 'web' && value !== 'native')
    throw bad("application_type must be 'web' or 'native'");
  return value;
}

function redirectUris(member: Member): { uris: string[]; type: 'web' | 'native' } {
  const given =
    strings(member, 'redirect_uris', LIMITS.redirectUris, InvalidRedirectUriError) ?? [];
  const type = applicationType(member, given);
  const uris = given.map((uri) => checkRedirectUri(uri, type));
  if (new Set(uris).size !== uris.length)
    throw new InvalidRedirectUriError('redirect_uris must not repeat a URI');
  return { uris, type };
}

function within(name: string, values: readonly string[], offered: readonly string[]): string[] {
  for (const value of values)
    if (!offered.includes(value))
      throw bad(`${name} has ${quoteValue(value)}, which this server does not offer`);
  return [...new Set(values)];
}

/** `grant_types` and `response_types`, each within the server's and consistent (RFC 7591 2.1). */
function types(
  member: Member,
  rules: ClientMetadataRules,
): { grants: string[]; responses: string[] } {
  const grantList = strings(member, 'grant_types', LIMITS.types, InvalidClientMetadataError);
  const grants = within(
    'grant_types',
    (grantList as string[]) ?? ['authorization_code'],
    rules.grantTypes,
  );
  const responseList = strings(member, 'response_types', LIMITS.types, InvalidClientMetadataError);
  const derived = [
    ...(grants.includes('authorization_code') ? ['code'] : []),
    ...(grants.includes('implicit') ? ['token'] : []),
  ];
  const responses = within(
    'response_types',
    (responseList as string[]) ?? derived,
    rules.responseTypes,
  );
  for (const [response, grant] of [
    ['code', 'authorization_code'],
    ['token', 'implicit'],
  ] as const) {
    if (responses.includes(response) !== grants.includes(grant))
      throw bad(
        `response_types ${quoteValue(response)} and grant_types ${quoteValue(grant)} go together (RFC 7591 2.1)`,
      );
  }
  return { grants, responses };
}

function authMethod(member: Member, rules: ClientMetadataRules): [string, AuthMethodRule] {
  const value = member('token_endpoint_auth_method') ?? 'client_secret_basic';
  if (typeof value !== 'string') throw bad('token_endpoint_auth_method must be a string');
  const rule = AUTH_METHOD_RULES.get(value);
  if (rule === undefined || !rules.authMethods.includes(value))
    throw bad(`token_endpoint_auth_method ${quoteValue(value)} is not offered for registration`);
  return [value, rule];
}

function scopes(member: Member, rules: ClientMetadataRules): string[] | undefined {
  if (member('scope') === '') return [];
  const value = text(member, 'scope', LIMITS.scope);
  if (value === undefined) return undefined;
  return within(
    'scope',
    value.split(' ').filter((s) => s !== ''),
    rules.scopes,
  );
}

/** The optional informational members, checked, as client configuration. */
function display(member: Member): Partial<ClientConfig> {
  const config: Partial<ClientConfig> = {};
  const name = text(member, 'client_name');
  if (name !== undefined) config.name = name;
  for (const [key, field] of [
    ['client_uri', 'clientUri'],
    ['logo_uri', 'logoUri'],
    ['tos_uri', 'tosUri'],
    ['policy_uri', 'policyUri'],
  ] as const) {
    const value = member(key);
    if (value !== undefined) config[field] = checkHttpsUri(key, value);
  }
  const contacts = strings(member, 'contacts', LIMITS.contacts, InvalidClientMetadataError);
  if (contacts !== undefined)
    config.contacts = contacts.map(
      (contact) => text(() => contact, 'contacts', LIMITS.contact) as string,
    );
  const softwareId = text(member, 'software_id');
  const softwareVersion = text(member, 'software_version');
  if (softwareId !== undefined) config.softwareId = softwareId;
  if (softwareVersion !== undefined) config.softwareVersion = softwareVersion;
  return config;
}

/** RFC 9449 5.2 `dpop_bound_access_tokens`: a boolean, default false. */
function dpopBound(member: Member): boolean {
  const value = member('dpop_bound_access_tokens');
  if (value !== undefined && typeof value !== 'boolean')
    throw bad('dpop_bound_access_tokens must be a boolean');
  return value === true;
}

/** RFC 9126 6 `require_pushed_authorization_requests`: a boolean, default false. */
function parRequired(member: Member): boolean {
  const value = member('require_pushed_authorization_requests');
  if (value !== undefined && typeof value !== 'boolean')
    throw bad('require_pushed_authorization_requests must be a boolean');
  return value === true;
}

/** The metadata a client's configuration registers (RFC 7591 3.2.1's echo), for a config or a client. */
export function registeredMetadata(
  client: Partial<Omit<Client, 'jwtSecret'>> | ClientConfig,
): RegisteredMetadata {
  const responses = [...(client.responseTypes ?? [])];
  const metadata: RegisteredMetadata = {
    redirect_uris: [...(client.redirectUris ?? [])],
    token_endpoint_auth_method: client.tokenEndpointAuthMethods?.[0] ?? 'client_secret_basic',
    grant_types: [
      ...(client.grantTypes ?? []),
      ...(responses.includes('token') ? ['implicit'] : []),
    ],
    response_types: responses,
    application_type: client.applicationType ?? 'web',
  };
  const optional: [keyof RegisteredMetadata, string | undefined][] = [
    ['client_name', client.name],
    ['client_uri', client.clientUri],
    ['logo_uri', client.logoUri],
    ['tos_uri', client.tosUri],
    ['policy_uri', client.policyUri],
    ['scope', client.scopes?.join(' ')],
    ['software_id', client.softwareId],
    ['software_version', client.softwareVersion],
  ];
  const out = metadata as unknown as Record<string, unknown>;
  for (const [key, value] of optional) if (value !== undefined) out[key] = value;
  if (client.contacts !== undefined) metadata.contacts = [...client.contacts];
  if (client.jwks !== undefined) metadata.jwks = JSON.parse(JSON.stringify(client.jwks)) as never;
  if (client.jwksUri !== undefined) metadata.jwks_uri = client.jwksUri;
  if (client.dpopBoundAccessTokens === true) metadata.dpop_bound_access_tokens = true;
  if (client.requirePushedAuthorizationRequests === true)
    metadata.require_pushed_authorization_requests = true;
  return Object.assign(metadata, openIdRegisteredMetadata(client));
}

/**
 * Checks RFC 7591 metadata (an untrusted JSON value) against what the server
 * offers; returns the client's configuration (with `id` = `clientId`; the caller
 * adds the secret's hash, `source` and registration fields) and the metadata to
 * echo. Nothing of the input but the members above is read.
 * @throws InvalidClientMetadataError / InvalidRedirectUriError (lib/errors.ts)
 */
export function checkClientMetadata(
  input: unknown,
  rules: ClientMetadataRules,
  clientId: string,
): { config: ClientConfig; metadata: RegisteredMetadata } {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw bad('the client metadata must be a JSON object');
  const object = input as Record<string, unknown>;
  const member: Member = (name) =>
    Object.hasOwn(object, name) ? (object[name] ?? undefined) : undefined;
  const { uris, type } = redirectUris(member);
  const { grants, responses } = types(member, rules);
  const [method, rule] = authMethod(member, rules);
  if (rule.public && grants.includes('client_credentials'))
    throw bad("a public client (token_endpoint_auth_method 'none') cannot use client_credentials");
  if ((grants.includes('authorization_code') || grants.includes('implicit')) && uris.length === 0)
    throw new InvalidRedirectUriError(
      'redirect_uris is required for authorization_code and implicit',
    );
  const scope = scopes(member, rules);
  const config: ClientConfig = {
    ...display(member),
    ...rule.check?.(member),
    ...checkOpenIdMetadata(member, rules.openid, { uris, type }),
    id: clientId,
    redirectUris: uris,
    grantTypes: grants.filter((g) => g !== 'implicit'),
    responseTypes: responses,
    tokenEndpointAuthMethods: [method],
    applicationType: type,
    requirePkce: true,
    firstParty: false,
    resourceServer: false,
  };
  if (scope !== undefined) config.scopes = scope;
  if (dpopBound(member)) config.dpopBoundAccessTokens = true;
  if (parRequired(member)) config.requirePushedAuthorizationRequests = true;
  return { config, metadata: registeredMetadata(config) };
}
