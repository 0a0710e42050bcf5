/**
 * The OpenID Connect fields of a client's configuration (camelCase, checked by
 * `defineClient` in ./clients.ts for configured, registered and stored clients
 * alike), and the start-up check of configured clients against the server's
 * OpenID Connect options. Registration's metadata rules are
 * ./client-metadata-oidc.ts.
 *
 * Rules:
 * - `subjectType` is `public` or `pairwise` (OIDC Core 8); a pairwise client's
 *   redirect URIs are all on one host, its sector (OIDC Core 8.1;
 *   lib/endpoints/openid/subject.ts); `public` is kept as given, absent stays
 *   absent (both mean public);
 * - `defaultMaxAge` is a whole number of seconds from 0 to
 *   {@link MAX_DEFAULT_MAX_AGE} (what `max_age` itself may be);
 * - `requireAuthTime` is a boolean, kept only when true;
 * - `idTokenSignedResponseAlg` is a non-empty string, `initiateLoginUri` an
 *   https URL;
 * - at start-up ({@link checkOpenIdClients}): a pairwise client needs
 *   `options.openid.pairwiseKey`, and `idTokenSignedResponseAlg` must be the
 *   algorithm of the active signing key; else a TypeError naming the client
 *   and the fix.
 */
import type { Client } from '../types.js';
import { fail } from './client-fields.js';
import type { KeyTable } from './option-keys.js';

/** The largest `default_max_age` accepted, in seconds (10 digits, as `max_age`). */
export const MAX_DEFAULT_MAX_AGE = 9_999_999_999;

/** The OpenID Connect fields of a client configuration (`ClientConfig` has them). */
export interface OpenIdClientConfig {
  /** OIDC Core 8: `public` (default) or `pairwise` (needs `options.openid.pairwiseKey`). */
  subjectType?: 'public' | 'pairwise';
  /** Seconds after which the user must sign in again when a request has no `max_age`. Default none. */
  defaultMaxAge?: number;
  /** The client needs `auth_time` in id_tokens (always there when known). Default false. */
  requireAuthTime?: boolean;
  /** Must be the algorithm of the server's active signing key when given. Default absent. */
  idTokenSignedResponseAlg?: string;
  /** OIDC Core 4 `initiate_login_uri` (https). Default absent. */
  initiateLoginUri?: string;
}

/** The keys of {@link OpenIdClientConfig}, spread into the client configuration's key list. */
export const OPENID_CLIENT_CONFIG_KEYS: KeyTable<OpenIdClientConfig> = Object.freeze({
  subjectType: true,
  defaultMaxAge: true,
  requireAuthTime: true,
  idTokenSignedResponseAlg: true,
  initiateLoginUri: true,
});

/** The distinct hosts of `uris` (unparsable ones left to the redirect URI check). */
export function redirectHosts(uris: readonly string[]): string[] {
  return [...new Set(uris.flatMap((uri) => (URL.canParse(uri) ? [new URL(uri).host] : [])))];
}

function subjectType(id: string, config: OpenIdClientConfig, uris: readonly string[]) {
  const type = config.subjectType;
  if (type === undefined) return {};
  if (type !== 'public' && type !== 'pairwise')
    fail(id, 'subjectType', 'must be "public" or "pairwise"');
  const hosts = redirectHosts(uris);
  if (type === 'pairwise' && hosts.length > 1)
    fail(
      id,
      'subjectType',
      `"pairwise" needs every redirect URI on one host, the sector of its subjects (OpenID Connect Core 8.1); these are on ${hosts.join(', ')}`,
    );
  return { subjectType: type };
}

function defaultMaxAge(id: string, value: unknown) {
  if (value === undefined) return {};
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_DEFAULT_MAX_AGE
  )
    fail(id, 'defaultMaxAge', `must be a whole number of seconds from 0 to ${MAX_DEFAULT_MAX_AGE}`);
  return { defaultMaxAge: value };
}

function strings(id: string, config: OpenIdClientConfig) {
  const { idTokenSignedResponseAlg: alg, initiateLoginUri: uri } = config;
  if (alg !== undefined && (typeof alg !== 'string' || alg === ''))
    fail(id, 'idTokenSignedResponseAlg', 'must be a non-empty string');
  if (uri !== undefined && (typeof uri !== 'string' || !URL.canParse(uri) || !/^https:/i.test(uri)))
    fail(id, 'initiateLoginUri', 'must be an https URL');
  return {
    ...(alg === undefined ? {} : { idTokenSignedResponseAlg: alg }),
    ...(uri === undefined ? {} : { initiateLoginUri: uri }),
  };
}

/** The OpenID Connect fields of a client, checked (rules above); absent ones left out. */
export function openIdClientFields(
  id: string,
  config: OpenIdClientConfig,
  redirectUris: readonly string[],
): Partial<Client> {
  const required = config.requireAuthTime;
  if (required !== undefined && typeof required !== 'boolean')
    fail(id, 'requireAuthTime', 'must be a boolean');
  return {
    ...subjectType(id, config, redirectUris),
    ...defaultMaxAge(id, config.defaultMaxAge),
    ...(required === true ? { requireAuthTime: true } : {}),
    ...strings(id, config),
  };
}

/** What the server's OpenID Connect options say about clients. */
export interface OpenIdClientPolicy {
  /** Whether `options.openid.pairwiseKey` is set. */
  readonly pairwise: boolean;
  /** The algorithm of the active signing key, which signs every id_token. */
  readonly idTokenSigningAlg: string;
}

/**
 * Checks the configured clients against the server's OpenID Connect options
 * (rules above).
 * @throws TypeError naming the client and the fix.
 */
export function checkOpenIdClients(clients: Iterable<Client>, policy: OpenIdClientPolicy): void {
  for (const client of clients) {
    if (client.subjectType === 'pairwise' && !policy.pairwise)
      fail(
        client.id,
        'subjectType',
        '"pairwise" needs a pairwise key: set options.openid.pairwiseKey (a secret of at least 32 bytes)',
      );
    const alg = client.idTokenSignedResponseAlg;
    if (alg !== undefined && alg !== policy.idTokenSigningAlg)
      fail(
        client.id,
        'idTokenSignedResponseAlg',
        `is ${JSON.stringify(alg)}, but id_tokens are signed with the active key's ${policy.idTokenSigningAlg}; remove it or make it ${JSON.stringify(policy.idTokenSigningAlg)}`,
      );
  }
}
