/**
 * The OpenID Connect members of client metadata (OpenID Connect Dynamic Client
 * Registration 1.0 2, RP-Initiated Logout 1.0 3.1), for registration and Client
 * ID Metadata Documents alike: ./client-metadata.ts calls
 * {@link checkOpenIdMetadata} with the rest of the metadata checked.
 *
 * Rules (every refusal is `invalid_client_metadata`):
 * - with OpenID Connect off (no {@link OpenIdMetadataRules}) none of these
 *   members is read: they are unknown members, ignored as RFC 7591 2 says;
 * - members asking for what this server does not do — signed or encrypted
 *   UserInfo, encrypted id_tokens, request objects, `request_uris`,
 *   `sector_identifier_uri` ({@link UNSUPPORTED_MEMBERS}) — are refused with
 *   "X is not supported": a client that asked for them would expect answers the
 *   server never gives;
 * - `post_logout_redirect_uris`: at most {@link MAX_POST_LOGOUT_URIS} URIs, each
 *   by the redirect URI rules of the client's application type
 *   (./client-metadata-uris.ts: absolute, no fragment, no user information, no
 *   dangerous scheme, https for web clients), none repeated;
 * - `subject_type` is `public` or `pairwise`; `pairwise` only when the server
 *   has a pairwise key and every redirect URI is on one host (OIDC Core 8.1: the
 *   host is the sector);
 * - `id_token_signed_response_alg` must be the algorithm of the server's active
 *   key (`none` and every other are refused: the server signs with one key);
 * - `default_max_age` is a whole number of seconds from 0 to
 *   {@link MAX_DEFAULT_MAX_AGE}; `require_auth_time` a boolean (the server puts
 *   `auth_time` in every id_token when it knows it, so nothing more is needed);
 * - `initiate_login_uri` is https;
 * - every accepted member is kept on the client and echoed
 *   ({@link openIdRegisteredMetadata}); `require_auth_time` when true.
 */
import { InvalidClientMetadataError, quoteValue } from '../errors.js';
import type { Client } from '../types.js';
import { checkHttpsUri, checkRedirectUri } from './client-metadata-uris.js';
import { MAX_DEFAULT_MAX_AGE, redirectHosts } from './client-openid-fields.js';
import type { ClientConfig } from './clients.js';

/** What the server's OpenID Connect options allow clients to register. */
export interface OpenIdMetadataRules {
  /** The algorithm of the active signing key: the only `id_token_signed_response_alg`. */
  readonly idTokenSigningAlg: string;
  /** `public`, and `pairwise` when the server has a pairwise key. */
  readonly subjectTypes: readonly string[];
}

/** The OpenID Connect members of a registered client, as stored and echoed. */
export interface OpenIdRegisteredMetadata {
  /** OpenID Connect RP-Initiated Logout 1.0 3.1. */
  post_logout_redirect_uris?: string[];
  /** OpenID Connect Core 8 (`public` or `pairwise`). */
  subject_type?: 'public' | 'pairwise';
  /** OpenID Connect Dynamic Client Registration 1.0 2 (the server's id_token algorithm). */
  id_token_signed_response_alg?: string;
  /** OpenID Connect Dynamic Client Registration 1.0 2, seconds. */
  default_max_age?: number;
  /** OpenID Connect Dynamic Client Registration 1.0 2 (kept only when true). */
  require_auth_time?: boolean;
  /** OpenID Connect Dynamic Client Registration 1.0 2 (https). */
  initiate_login_uri?: string;
}

/** The most `post_logout_redirect_uris` a client may register (as for `redirect_uris`). */
export const MAX_POST_LOGOUT_URIS = 20;

/** Members naming what this server does not offer (rules above). */
export const UNSUPPORTED_MEMBERS: readonly string[] = Object.freeze([
  'userinfo_signed_response_alg',
  'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc',
  'id_token_encrypted_response_alg',
  'id_token_encrypted_response_enc',
  'request_object_signing_alg',
  'request_object_encryption_alg',
  'request_object_encryption_enc',
  'request_uris',
  'sector_identifier_uri',
]);

type Member = (name: string) => unknown;

/** What the rest of the metadata decided that these members depend on. */
export interface CheckedRedirects {
  readonly uris: readonly string[];
  readonly type: 'web' | 'native';
}

const bad = (description: string) => new InvalidClientMetadataError(description);

function postLogoutUris(member: Member, type: 'web' | 'native'): string[] | undefined {
  const name = 'post_logout_redirect_uris';
  const value = member(name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw bad(`${name} must be an array of strings`);
  if (value.length > MAX_POST_LOGOUT_URIS)
    throw bad(`${name} may have at most ${MAX_POST_LOGOUT_URIS} items`);
  const uris = value.map((uri) => checkRedirectUri(uri, type, name, InvalidClientMetadataError));
  if (new Set(uris).size !== uris.length) throw bad(`${name} must not repeat a URI`);
  return uris.length === 0 ? undefined : uris;
}

function subjectType(
  member: Member,
  rules: OpenIdMetadataRules,
  uris: readonly string[],
): 'public' | 'pairwise' | undefined {
  const value = member('subject_type');
  if (value === undefined) return undefined;
  if (value !== 'public' && value !== 'pairwise')
    throw bad("subject_type must be 'public' or 'pairwise'");
  if (!rules.subjectTypes.includes(value))
    throw bad(`subject_type ${quoteValue(value)} is not offered by this server`);
  if (value === 'pairwise' && redirectHosts(uris).length > 1)
    throw bad(
      "subject_type 'pairwise' needs every redirect URI on one host (OpenID Connect Core 8.1); sector_identifier_uri is not supported",
    );
  return value;
}

function signingAlg(member: Member, rules: OpenIdMetadataRules): string | undefined {
  const value = member('id_token_signed_response_alg');
  if (value === undefined) return undefined;
  if (value !== rules.idTokenSigningAlg)
    throw bad(
      `id_token_signed_response_alg must be ${quoteValue(rules.idTokenSigningAlg)}, the algorithm this server signs id_tokens with`,
    );
  return value;
}

function maxAge(member: Member): number | undefined {
  const value = member('default_max_age');
  if (value === undefined) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_DEFAULT_MAX_AGE
  )
    throw bad(`default_max_age must be a whole number of seconds from 0 to ${MAX_DEFAULT_MAX_AGE}`);
  return value;
}

function authTimeRequired(member: Member): boolean {
  const value = member('require_auth_time');
  if (value !== undefined && typeof value !== 'boolean')
    throw bad('require_auth_time must be a boolean');
  return value === true;
}

/**
 * Checks the OpenID Connect members (rules above) and returns them as client
 * configuration; `{}` when OpenID Connect is off.
 * @throws InvalidClientMetadataError
 */
export function checkOpenIdMetadata(
  member: Member,
  rules: OpenIdMetadataRules | undefined,
  redirects: CheckedRedirects,
): Partial<ClientConfig> {
  if (rules === undefined) return {};
  const unsupported = UNSUPPORTED_MEMBERS.find((name) => member(name) !== undefined);
  if (unsupported !== undefined) throw bad(`${unsupported} is not supported`);
  const config: Partial<ClientConfig> = {};
  const postLogout = postLogoutUris(member, redirects.type);
  const subject = subjectType(member, rules, redirects.uris);
  const alg = signingAlg(member, rules);
  const defaultMaxAge = maxAge(member);
  const login = member('initiate_login_uri');
  if (postLogout !== undefined) config.postLogoutRedirectUris = postLogout;
  if (subject !== undefined) config.subjectType = subject;
  if (alg !== undefined) config.idTokenSignedResponseAlg = alg;
  if (defaultMaxAge !== undefined) config.defaultMaxAge = defaultMaxAge;
  if (authTimeRequired(member)) config.requireAuthTime = true;
  if (login !== undefined) config.initiateLoginUri = checkHttpsUri('initiate_login_uri', login);
  return config;
}

/** The OpenID Connect fields of a client or its configuration. */
type OpenIdFields = Partial<
  Pick<
    Client,
    | 'postLogoutRedirectUris'
    | 'subjectType'
    | 'idTokenSignedResponseAlg'
    | 'defaultMaxAge'
    | 'requireAuthTime'
    | 'initiateLoginUri'
  >
>;

/** The OpenID Connect members to echo for `client` (those it has). */
export function openIdRegisteredMetadata(client: OpenIdFields): OpenIdRegisteredMetadata {
  const echo: OpenIdRegisteredMetadata = {};
  if (client.postLogoutRedirectUris !== undefined)
    echo.post_logout_redirect_uris = [...client.postLogoutRedirectUris];
  if (client.subjectType !== undefined) echo.subject_type = client.subjectType;
  if (client.idTokenSignedResponseAlg !== undefined)
    echo.id_token_signed_response_alg = client.idTokenSignedResponseAlg;
  if (client.defaultMaxAge !== undefined) echo.default_max_age = client.defaultMaxAge;
  if (client.requireAuthTime === true) echo.require_auth_time = true;
  if (client.initiateLoginUri !== undefined) echo.initiate_login_uri = client.initiateLoginUri;
  return echo;
}
