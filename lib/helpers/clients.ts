/**
 * Client registration: turns a configuration object into a checked, frozen
 * {@link Client}. Errors are TypeErrors that name the bad field.
 */
import { hashClientSecret, isSecretHash } from './secrets.js';
import type { Client, ClientAuthMethod, GrantType } from '../types.js';

/** What a host app writes to register a client. */
export interface ClientConfig {
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
  defaultScopes?: readonly string[];
  /** Default `['client_secret_basic', 'client_secret_post']` with a secret, `['none']` without. */
  tokenEndpointAuthMethods?: readonly ClientAuthMethod[];
  name?: string;
  /** Default true; only a confidential client may set false. */
  requirePkce?: boolean;
  /** May introspect every client's tokens. Default false. */
  resourceServer?: boolean;
  /** The server operator's own client (see the provider's `consent.skipForFirstParty`). Default false. */
  firstParty?: boolean;
}

const GRANT_TYPES: readonly GrantType[] = [
  'authorization_code',
  'client_credentials',
  'password',
  'refresh_token',
];
const AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];
const RESPONSE_TYPES = ['code', 'token'];

function fail(id: string, field: string, message: string): never {
  throw new TypeError(`client ${JSON.stringify(id)}: ${field} ${message}`);
}

function list<T extends string>(
  id: string,
  field: string,
  value: readonly T[] | undefined,
  allowed: readonly string[] | null,
  fallback: readonly T[],
): readonly T[] {
  if (value === undefined) return Object.freeze([...fallback]);
  if (!Array.isArray(value)) fail(id, field, 'must be an array');
  for (const item of value) {
    if (typeof item !== 'string' || item === '') fail(id, field, 'must hold non-empty strings');
    if (allowed !== null && !allowed.includes(item))
      fail(
        id,
        field,
        `has an unknown value ${JSON.stringify(item)}; allowed: ${allowed.join(', ')}`,
      );
  }
  return Object.freeze([...new Set(value)]);
}

function checkRedirectUri(id: string, uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    fail(id, 'redirectUris', `has ${JSON.stringify(uri)}, which is not an absolute URI`);
  }
  if (url.hash !== '' || uri.includes('#'))
    fail(id, 'redirectUris', `has ${JSON.stringify(uri)}, which has a fragment (RFC 6749 3.1.2)`);
}

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
  const methods = list(
    id,
    'tokenEndpointAuthMethods',
    config.tokenEndpointAuthMethods,
    AUTH_METHODS,
    secretHash === undefined ? ['none'] : ['client_secret_basic', 'client_secret_post'],
  );
  if (methods.length === 0) fail(id, 'tokenEndpointAuthMethods', 'must not be empty');
  const isPublic = methods.includes('none');
  if (isPublic && methods.length > 1)
    fail(id, 'tokenEndpointAuthMethods', "may not mix 'none' with secret methods");
  if (isPublic && secretHash !== undefined)
    fail(id, 'secret', "is set, but a public client (auth method 'none') has none");
  if (!isPublic && secretHash === undefined)
    fail(id, 'secret', 'is required for a confidential client');
  if (isPublic && config.requirePkce === false)
    fail(id, 'requirePkce', 'cannot be false for a public client');

  const grantTypes = list(id, 'grantTypes', config.grantTypes, GRANT_TYPES, [
    'authorization_code',
    'refresh_token',
  ]);
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
  });
  defined.add(client);
  return client;
}
