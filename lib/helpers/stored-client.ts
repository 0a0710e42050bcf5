/**
 * The stored form of a client: a {@link Client} as a persistent store keeps it
 * (RFC 7591 2 client metadata plus the server's own fields), and back. The
 * client registry of lib/stores/typed-stores.ts is its one user; what comes back
 * is checked again by `defineClient` (./clients.ts).
 *
 * Rules:
 * - the secret is kept as its hash only (`client_secret_hash`), never in clear;
 *   a client with a `jwtSecret` (`client_secret_jwt`, whose secret must stay
 *   readable) cannot be kept: a TypeError says to configure it instead;
 * - `jwks` (a public JWK Set) and `jwks_uri` are kept as RFC 7591 2 has them;
 * - the OpenID Connect members (`post_logout_redirect_uris`, `subject_type`,
 *   `id_token_signed_response_alg`, `default_max_age`, `require_auth_time`,
 *   `initiate_login_uri`) are kept under their registration names;
 * - `scope` and `default_scope` are space-separated, as RFC 7591 2's `scope`;
 * - `token_endpoint_auth_methods` is kept only when a client allows more than one
 *   method (`token_endpoint_auth_method` holds the first);
 * - server fields that are off by default (`require_pkce: false`,
 *   `resource_server`, `first_party`, RFC 9449's `dpop_bound_access_tokens`,
 *   RFC 9126's `require_pushed_authorization_requests`) are kept only when they
 *   differ from it;
 * - {@link clientToMetadata} and {@link clientFromMetadata} round-trip every field.
 */
import type { JsonWebKey } from 'node:crypto';
import type { OpenIdRegisteredMetadata } from './client-metadata-oidc.js';
import type { ClientConfig } from './clients.js';
import type { Client, ClientAuthMethod } from '../types.js';

/**
 * A client as a persistent store keeps it: RFC 7591 2 client metadata, plus the
 * server's own fields (the secret's hash, never the secret), and the OpenID
 * Connect members (./client-metadata-oidc.ts). `scope` is
 * space-separated as in RFC 7591; `token_endpoint_auth_methods` is kept only when a
 * client allows more than one method.
 */
export interface ClientMetadata extends OpenIdRegisteredMetadata {
  client_id: string;
  client_name?: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  scope?: string;
  token_endpoint_auth_method: ClientAuthMethod;
  /** Server field: every method the client may use, when more than one. */
  token_endpoint_auth_methods?: ClientAuthMethod[];
  /** Server field: the hash of the client secret. */
  client_secret_hash?: string;
  /** Server field: scopes granted when a request names none. */
  default_scope?: string;
  /** Server field: PKCE required (always true for public clients). */
  require_pkce?: boolean;
  /** Server field: may introspect every client's tokens. */
  resource_server?: boolean;
  /** Server field: the operator's own client. */
  first_party?: boolean;
  /** RFC 9449 5.2: every token request carries a DPoP proof (kept only when true). */
  dpop_bound_access_tokens?: boolean;
  /** RFC 9126 6: authorization requests must be pushed (kept only when true). */
  require_pushed_authorization_requests?: boolean;
  application_type?: 'web' | 'native';
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  contacts?: string[];
  software_id?: string;
  software_version?: string;
  client_id_issued_at?: number;
  client_secret_expires_at?: number;
  /** Server field: how the client came to be (`registration`, `metadata-document`). */
  source?: 'registration' | 'metadata-document';
  /** Server field: the SHA-256 of the registration access token (RFC 7592). */
  registration_token_hash?: string;
  /** RFC 7591 2 `jwks`: the client's public keys. */
  jwks?: { keys: JsonWebKey[] };
  /** RFC 7591 2 `jwks_uri`. */
  jwks_uri?: string;
}

/** The RFC 7591 members and registration fields: the `Client` field and its metadata name. */
const REGISTRATION_MEMBERS = [
  ['applicationType', 'application_type'],
  ['clientUri', 'client_uri'],
  ['logoUri', 'logo_uri'],
  ['tosUri', 'tos_uri'],
  ['policyUri', 'policy_uri'],
  ['softwareId', 'software_id'],
  ['softwareVersion', 'software_version'],
  ['clientIdIssuedAt', 'client_id_issued_at'],
  ['clientSecretExpiresAt', 'client_secret_expires_at'],
  ['source', 'source'],
  ['registrationTokenHash', 'registration_token_hash'],
  ['subjectType', 'subject_type'],
  ['idTokenSignedResponseAlg', 'id_token_signed_response_alg'],
  ['defaultMaxAge', 'default_max_age'],
  ['requireAuthTime', 'require_auth_time'],
  ['initiateLoginUri', 'initiate_login_uri'],
] as const;

/** The persistent form of a client (see {@link ClientMetadata}). */
export function clientToMetadata(client: Client): ClientMetadata {
  if (client.jwtSecret !== undefined)
    throw new TypeError(
      `client ${JSON.stringify(client.id)}: a client with a jwtSecret (client_secret_jwt) cannot be kept in a client store, where its secret would be readable; configure it in options.clients`,
    );
  const methods = [...client.tokenEndpointAuthMethods];
  const metadata: ClientMetadata = {
    client_id: client.id,
    redirect_uris: [...client.redirectUris],
    grant_types: [...client.grantTypes],
    response_types: [...client.responseTypes],
    token_endpoint_auth_method: methods[0] ?? 'client_secret_basic',
  };
  if (methods.length > 1) metadata.token_endpoint_auth_methods = methods;
  if (client.name !== undefined) metadata.client_name = client.name;
  if (client.scopes !== undefined) metadata.scope = client.scopes.join(' ');
  if (client.defaultScopes !== undefined) metadata.default_scope = client.defaultScopes.join(' ');
  if (client.secretHash !== undefined) metadata.client_secret_hash = client.secretHash;
  if (client.requirePkce === false) metadata.require_pkce = false;
  if (client.resourceServer === true) metadata.resource_server = true;
  if (client.firstParty === true) metadata.first_party = true;
  if (client.dpopBoundAccessTokens === true) metadata.dpop_bound_access_tokens = true;
  if (client.requirePushedAuthorizationRequests === true)
    metadata.require_pushed_authorization_requests = true;
  if (client.contacts !== undefined) metadata.contacts = [...client.contacts];
  if (client.jwks !== undefined)
    metadata.jwks = JSON.parse(JSON.stringify(client.jwks)) as { keys: JsonWebKey[] };
  if (client.jwksUri !== undefined) metadata.jwks_uri = client.jwksUri;
  if (client.postLogoutRedirectUris !== undefined)
    metadata.post_logout_redirect_uris = [...client.postLogoutRedirectUris];
  const out = metadata as unknown as Record<string, unknown>;
  for (const [field, member] of REGISTRATION_MEMBERS) {
    if (client[field] !== undefined) out[member] = client[field];
  }
  return metadata;
}

const words = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : value.split(' ').filter((w) => w !== '');

/** The client configuration a stored {@link ClientMetadata} describes (check it with {@link defineClient}). */
export function clientFromMetadata(metadata: ClientMetadata): ClientConfig {
  const config: ClientConfig = {
    id: metadata.client_id,
    redirectUris: metadata.redirect_uris,
    grantTypes: metadata.grant_types,
    responseTypes: metadata.response_types,
    tokenEndpointAuthMethods: metadata.token_endpoint_auth_methods ?? [
      metadata.token_endpoint_auth_method,
    ],
  };
  const scopes = words(metadata.scope);
  const defaultScopes = words(metadata.default_scope);
  if (scopes !== undefined) config.scopes = scopes;
  if (defaultScopes !== undefined) config.defaultScopes = defaultScopes;
  if (metadata.client_name !== undefined) config.name = metadata.client_name;
  if (metadata.client_secret_hash !== undefined) config.secretHash = metadata.client_secret_hash;
  if (metadata.require_pkce === false) config.requirePkce = false;
  if (metadata.resource_server === true) config.resourceServer = true;
  if (metadata.first_party === true) config.firstParty = true;
  if (metadata.dpop_bound_access_tokens === true) config.dpopBoundAccessTokens = true;
  if (metadata.require_pushed_authorization_requests === true)
    config.requirePushedAuthorizationRequests = true;
  if (metadata.contacts !== undefined) config.contacts = metadata.contacts;
  if (metadata.jwks !== undefined) config.jwks = metadata.jwks;
  if (metadata.jwks_uri !== undefined) config.jwksUri = metadata.jwks_uri;
  if (metadata.post_logout_redirect_uris !== undefined)
    config.postLogoutRedirectUris = metadata.post_logout_redirect_uris;
  const out = config as unknown as Record<string, unknown>;
  for (const [field, member] of REGISTRATION_MEMBERS) {
    if (metadata[member] !== undefined) out[field] = metadata[member];
  }
  return config;
}
