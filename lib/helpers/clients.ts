/**
 * Client registration: turns a configuration object into a checked, frozen
 * {@link Client}. Errors are TypeErrors that name the client and the bad field.
 *
 * Rules:
 * - an unknown field is a TypeError naming the nearest known one (`redirectUri`
 *   → `redirectUris`);
 * - a client is public only when it says so, `tokenEndpointAuthMethods: ['none']`;
 *   a client with neither a secret nor that is a TypeError (typically
 *   `secretHash: process.env.X` with X unset, which must not make a confidential
 *   client public);
 * - a public client has no secret, requires PKCE and cannot use client_credentials;
 * - a client that authenticates only with assertions needs no secret:
 *   `private_key_jwt` needs `jwks` (public keys only, lib/client-auth/client-jwks.ts)
 *   xor `jwksUri` (https), `client_secret_jwt` a `jwtSecret` of at least 32
 *   bytes, kept as a key object; a `jwtSecret` without that method is refused;
 * - the RFC 7591 members a registered client keeps (application type, home page,
 *   logo, terms, policy, contacts, software id and version) and the registration's
 *   server fields (`source`, the registration access token's hash, issue and
 *   secret-expiry times) are type-checked here; their finer rules are those of
 *   registration (./client-metadata.ts);
 * - `postLogoutRedirectUris` (RP-Initiated Logout 3.1) are absolute URIs without
 *   a fragment, as `redirectUris` are;
 * - the OpenID Connect fields (`subjectType`, `defaultMaxAge`, …) are checked by
 *   ./client-openid-fields.ts.
 *
 * The form a persistent store keeps a client in is ./stored-client.ts.
 */
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { assertionFields } from './client-assertion-fields.js';
import { checkRedirectUri, fail, list, optionalString, optionalTime } from './client-fields.js';
import { checkOptionKeys, optionKeys } from './option-keys.js';
import {
  openIdClientFields,
  OPENID_CLIENT_CONFIG_KEYS,
  type OpenIdClientConfig,
} from './client-openid-fields.js';
import { hashClientSecret, isSecretHash } from './secrets.js';
import type { Client, ClientAuthMethod, GrantType } from '../types.js';

/** What a host app writes to register a client. */
export interface ClientConfig extends OpenIdClientConfig {
  /** The `client_id`. */
  id: string;
  /**
   * The plain secret of a confidential client; hashed with scrypt at once and then
   * forgotten. Give `secretHash` instead to keep secrets out of configuration.
   */
  secret?: string;
  /** A hash from `hashClientSecret()` or `generateClientSecret()`. */
  secretHash?: string;
  /** Exact redirect URIs. Default none (fine for clients that never use the authorization endpoint). */
  redirectUris?: readonly string[];
  /** Default `['authorization_code', 'refresh_token']`. */
  grantTypes?: readonly GrantType[];
  /** Default `['code']` when the client may use `authorization_code`, else none. */
  responseTypes?: readonly string[];
  /** Default: every scope the server offers. */
  scopes?: readonly string[];
  /**
   * Scopes granted when a request names none. Default: the server's
   * `scopes.default`, narrowed to this client's `scopes` (a request that ends up
   * with none fails with `invalid_scope`).
   */
  defaultScopes?: readonly string[];
  /**
   * How the client authenticates at the token endpoint. Default
   * `['client_secret_basic', 'client_secret_post']`, which needs `secret` or
   * `secretHash`. A public client (a browser or mobile app, no secret) must say so
   * with `['none']`: a client with neither a secret nor `['none']` is a TypeError.
   */
  tokenEndpointAuthMethods?: readonly ClientAuthMethod[];
  /** Shown on the consent page. Default: the id. */
  name?: string;
  /** Default true; only a confidential client may set false. */
  requirePkce?: boolean;
  /** May introspect every client's tokens. Default false. */
  resourceServer?: boolean;
  /** The server operator's own client (see the provider's `consent.skipForFirstParty`). Default false. */
  firstParty?: boolean;
  /** How the client came to be (see `Client.source`). Default: absent (configured or saved by the host). */
  source?: 'registration' | 'metadata-document';
  /** RFC 7591 `application_type`. Default absent (`web`). */
  applicationType?: 'web' | 'native';
  /** RFC 7591 `client_uri`. */
  clientUri?: string;
  /** RFC 7591 `logo_uri`. */
  logoUri?: string;
  /** RFC 7591 `tos_uri`. */
  tosUri?: string;
  /** RFC 7591 `policy_uri`. */
  policyUri?: string;
  /** RFC 7591 `contacts`. */
  contacts?: readonly string[];
  /** RFC 7591 `software_id`. */
  softwareId?: string;
  /** RFC 7591 `software_version`. */
  softwareVersion?: string;
  /** The SHA-256 (base64url) of the RFC 7592 registration access token. */
  registrationTokenHash?: string;
  /** RFC 7591 `client_id_issued_at`, epoch seconds. */
  clientIdIssuedAt?: number;
  /** RFC 7591 `client_secret_expires_at`, epoch seconds; 0: never. */
  clientSecretExpiresAt?: number;
  /** RFC 7591 `jwks`: the public JWK Set of a `private_key_jwt` client. Exclusive with `jwksUri`. */
  jwks?: { readonly keys: readonly JsonWebKey[] };
  /** RFC 7591 `jwks_uri`: the https URL of a `private_key_jwt` client's public JWK Set. */
  jwksUri?: string;
  /**
   * The HMAC secret of a `client_secret_jwt` client (at least 32 bytes; 64 for
   * HS512), kept readable in memory: give it from the environment, never from a
   * file in the repository. A client with one cannot be kept in a client store.
   */
  jwtSecret?: string | KeyObject;
  /** RFC 9449 5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof. Default false. */
  dpopBoundAccessTokens?: boolean;
  /**
   * RFC 9126 6 `require_pushed_authorization_requests`: authorization requests of
   * this client must be pushed (PAR); a plain one is refused. Default false.
   */
  requirePushedAuthorizationRequests?: boolean;
  /**
   * OpenID Connect RP-Initiated Logout 1.0 3.1 `post_logout_redirect_uris`:
   * where the end-session endpoint may send the user back after logout.
   * Absolute URIs without a fragment, as `redirectUris`; compared exactly.
   * Default none (no redirect after logout).
   */
  postLogoutRedirectUris?: readonly string[];
}

const CLIENT_CONFIG_KEYS = optionKeys<ClientConfig>({
  id: true,
  secret: true,
  secretHash: true,
  redirectUris: true,
  grantTypes: true,
  responseTypes: true,
  scopes: true,
  defaultScopes: true,
  tokenEndpointAuthMethods: true,
  name: true,
  requirePkce: true,
  resourceServer: true,
  firstParty: true,
  dpopBoundAccessTokens: true,
  requirePushedAuthorizationRequests: true,
  source: true,
  applicationType: true,
  clientUri: true,
  logoUri: true,
  tosUri: true,
  policyUri: true,
  contacts: true,
  softwareId: true,
  softwareVersion: true,
  registrationTokenHash: true,
  clientIdIssuedAt: true,
  clientSecretExpiresAt: true,
  jwks: true,
  jwksUri: true,
  jwtSecret: true,
  postLogoutRedirectUris: true,
  ...OPENID_CLIENT_CONFIG_KEYS,
});

/** The grant types of RFC 6749; an extension grant type is an absolute URI (RFC 6749 4.5). */
const GRANT_TYPES: readonly GrantType[] = [
  'authorization_code',
  'client_credentials',
  'password',
  'refresh_token',
];

/** A grant type name: one of RFC 6749's, or an absolute URI (an extension grant). */
function checkGrantTypes(id: string, grantTypes: readonly string[]): void {
  for (const type of grantTypes) {
    if (GRANT_TYPES.includes(type) || /^[a-z][a-z0-9+.-]*:\S+$/i.test(type)) continue;
    fail(
      id,
      'grantTypes',
      `has an unknown value ${JSON.stringify(type)}; allowed: ${GRANT_TYPES.join(', ')}, or an extension grant's absolute URI`,
    );
  }
}
/** A `token_endpoint_auth_method` name; whether the server offers it is checked by the provider. */
const AUTH_METHOD = /^[a-z][a-z0-9_]*$/;

function checkAuthMethods(id: string, methods: readonly string[]): void {
  for (const method of methods) {
    if (!AUTH_METHOD.test(method)) {
      fail(
        id,
        'tokenEndpointAuthMethods',
        `has ${JSON.stringify(method)}, which is not a method name`,
      );
    }
  }
}
const RESPONSE_TYPES = ['code', 'token'];

/** RP-Initiated Logout 3.1: `postLogoutRedirectUris`, checked as redirect URIs; kept only when given. */
function postLogoutFields(id: string, config: ClientConfig): Partial<Client> {
  if (config.postLogoutRedirectUris === undefined) return {};
  const field = 'postLogoutRedirectUris';
  const uris = list(id, field, config.postLogoutRedirectUris, null, []);
  for (const uri of uris) checkRedirectUri(id, uri, field);
  return { postLogoutRedirectUris: uris };
}

const STRING_FIELDS = [
  'clientUri',
  'logoUri',
  'tosUri',
  'policyUri',
  'softwareId',
  'softwareVersion',
  'registrationTokenHash',
] as const;

/** RFC 9449 5.2: `dpopBoundAccessTokens`, a boolean, kept only when true. */
function dpopFields(id: string, config: ClientConfig): Partial<Client> {
  const bound = config.dpopBoundAccessTokens;
  if (bound !== undefined && typeof bound !== 'boolean')
    fail(id, 'dpopBoundAccessTokens', 'must be a boolean');
  return bound === true ? { dpopBoundAccessTokens: true } : {};
}

/** RFC 9126 6: `requirePushedAuthorizationRequests`, a boolean, kept only when true. */
function parFields(id: string, config: ClientConfig): Partial<Client> {
  const required = config.requirePushedAuthorizationRequests;
  if (required !== undefined && typeof required !== 'boolean')
    fail(id, 'requirePushedAuthorizationRequests', 'must be a boolean');
  return required === true ? { requirePushedAuthorizationRequests: true } : {};
}

/** The RFC 7591 members and registration fields of a client, type-checked; absent ones left out. */
function registrationFields(id: string, config: ClientConfig): Partial<Client> {
  const { source, applicationType } = config;
  if (source !== undefined && source !== 'registration' && source !== 'metadata-document')
    fail(id, 'source', 'must be "registration" or "metadata-document"');
  if (applicationType !== undefined && applicationType !== 'web' && applicationType !== 'native')
    fail(id, 'applicationType', 'must be "web" or "native"');
  for (const field of STRING_FIELDS) optionalString(id, field, config[field]);
  optionalTime(id, 'clientIdIssuedAt', config.clientIdIssuedAt);
  optionalTime(id, 'clientSecretExpiresAt', config.clientSecretExpiresAt);
  const fields: Record<string, unknown> = {};
  for (const field of [
    'source',
    'applicationType',
    ...STRING_FIELDS,
    'clientIdIssuedAt',
    'clientSecretExpiresAt',
  ] as const) {
    if (config[field] !== undefined) fields[field] = config[field];
  }
  if (config.contacts !== undefined)
    fields['contacts'] = list(id, 'contacts', config.contacts, null, []);
  return fields as Partial<Client>;
}

/** Methods that need no client secret: the client proves itself with an assertion. */
const ASSERTION_METHODS = ['private_key_jwt', 'client_secret_jwt'];

const defined = new WeakSet<Client>();

/** Whether a value is a client record made by {@link defineClient}. */
export function isDefinedClient(value: unknown): value is Client {
  return typeof value === 'object' && value !== null && defined.has(value as Client);
}

/** Checks a client configuration and returns the frozen client record. */
export function defineClient(config: ClientConfig): Client {
  if (config === null || typeof config !== 'object')
    throw new TypeError('client: expected an object');
  const id = config.id;
  if (typeof id !== 'string' || id === '')
    throw new TypeError('client: id must be a non-empty string');
  checkOptionKeys(config, CLIENT_CONFIG_KEYS, `client ${JSON.stringify(id)}`);
  if (config.secret !== undefined && config.secretHash !== undefined)
    fail(id, 'secret', 'and secretHash are exclusive');
  let secretHash: string | undefined;
  if (config.secret !== undefined) {
    if (typeof config.secret !== 'string' || config.secret === '')
      fail(id, 'secret', 'must be a non-empty string');
    secretHash = hashClientSecret(config.secret);
  } else if (config.secretHash !== undefined) {
    if (typeof config.secretHash !== 'string' || !isSecretHash(config.secretHash)) {
      fail(id, 'secretHash', 'is not a hash made by hashClientSecret() or generateClientSecret()');
    }
    secretHash = config.secretHash;
  }
  if (secretHash === undefined && config.tokenEndpointAuthMethods === undefined)
    fail(
      id,
      'secret',
      "is missing: give secret or secretHash (is the environment variable it comes from set?), or make the client public with tokenEndpointAuthMethods: ['none']",
    );
  const methods = list(id, 'tokenEndpointAuthMethods', config.tokenEndpointAuthMethods, null, [
    'client_secret_basic',
    'client_secret_post',
  ]);
  if (methods.length === 0) fail(id, 'tokenEndpointAuthMethods', 'must not be empty');
  checkAuthMethods(id, methods);
  const isPublic = methods.includes('none');
  if (isPublic && methods.length > 1)
    fail(id, 'tokenEndpointAuthMethods', "may not mix 'none' with secret methods");
  if (isPublic && secretHash !== undefined)
    fail(id, 'secret', "is set, but a public client (auth method 'none') has none");
  const assertionsOnly = methods.every((m) => ASSERTION_METHODS.includes(m));
  if (!isPublic && !assertionsOnly && secretHash === undefined)
    fail(id, 'secret', 'is required for a confidential client');
  if (isPublic && config.requirePkce === false)
    fail(id, 'requirePkce', 'cannot be false for a public client');

  const grantTypes = list(id, 'grantTypes', config.grantTypes, null, [
    'authorization_code',
    'refresh_token',
  ]);
  checkGrantTypes(id, grantTypes);
  if (isPublic && grantTypes.includes('client_credentials'))
    fail(id, 'grantTypes', 'includes client_credentials, which a public client cannot use');
  const responseTypes = list(
    id,
    'responseTypes',
    config.responseTypes,
    RESPONSE_TYPES,
    grantTypes.includes('authorization_code') ? ['code'] : [],
  );
  if (responseTypes.includes('code') && !grantTypes.includes('authorization_code')) {
    fail(id, 'responseTypes', "includes 'code', but grantTypes lacks authorization_code");
  }

  const redirectUris = list(id, 'redirectUris', config.redirectUris, null, []);
  for (const uri of redirectUris) checkRedirectUri(id, uri);
  const scopes =
    config.scopes === undefined ? undefined : list(id, 'scopes', config.scopes, null, []);
  const defaultScopes =
    config.defaultScopes === undefined
      ? undefined
      : list(id, 'defaultScopes', config.defaultScopes, null, []);

  const client: Client = Object.freeze({
    ...registrationFields(id, config),
    ...assertionFields(id, config, methods),
    id,
    secretHash,
    redirectUris,
    grantTypes,
    responseTypes,
    scopes,
    defaultScopes,
    tokenEndpointAuthMethods: methods,
    name: config.name,
    requirePkce: isPublic ? true : (config.requirePkce ?? true),
    resourceServer: config.resourceServer ?? false,
    firstParty: config.firstParty ?? false,
    ...dpopFields(id, config),
    ...parFields(id, config),
    ...postLogoutFields(id, config),
    ...openIdClientFields(id, config, redirectUris),
  });
  defined.add(client);
  return client;
}
