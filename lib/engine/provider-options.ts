/**
 * The provider's options as types, with the known keys of each options object
 * beside them (lib/helpers/option-keys.ts: the compiler checks each list against
 * its type, so an option added to a type must be added to its list). The checks
 * and defaults are in ./options.ts.
 */
import type { ClientConfig } from '../helpers/clients.js';
import type {
  ClientIdDocumentOptions,
  ResolvedClientIdDocumentOptions,
} from '../client-id-documents/options.js';
import type {
  ClientAssertionOptions,
  ResolvedClientAssertionOptions,
} from '../client-auth/assertion-options.js';
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import type { GrantOptions, TokenGrant } from '../grants/grant.js';
import type {
  DeviceCodeGrantOptions,
  ResolvedDeviceCodeOptions,
} from '../endpoints/device/options.js';
import type { UserCodeOptions } from '../endpoints/device/user-code.js';
import type { RateLimitOptions, ResolvedRateLimits } from './rate-limits.js';
import type {
  RegistrationOptions,
  ResolvedRegistration,
} from '../endpoints/registration/options.js';
import type { DpopOptions, ResolvedDpopOptions } from '../dpop/options.js';
import type { ParOptions, ResolvedParOptions } from '../endpoints/par/options.js';
import {
  OPENID_OPTION_KEYS,
  type OpenIdOptions,
  type ResolvedOpenId,
} from '../endpoints/openid/options.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import type { PasswordGrantOptions } from '../grants/password.js';
import type { RefreshTokenGrantOptions } from '../grants/refresh-token.js';
import {
  TOKEN_EXCHANGE_KEYS,
  type ResolvedTokenExchange,
  type TokenExchangeOptions,
} from '../grants/token-exchange-options.js';
import type { ScopeOptions } from '../helpers/scope.js';
import type { LocaleOptions, Locales } from '../i18n/options.js';
import type { ResourceConfig, Resources } from '../helpers/resources.js';
import type { ClientStore, Stores } from '../stores/types.js';
import type { CorsOptions, CorsPolicy } from './cors-policy.js';
import type { KeySet, SigningKey, SigningKeyInput } from '../tokens/keys.js';
import type { TokenGenerator } from '../tokens/opaque.js';
import type { Client, Clock, Logger } from '../types.js';

/**
 * Paths of the endpoints, appended to the issuer URL, by endpoint name (the names
 * of the endpoint table, lib/endpoints/registry.ts; an unknown name is a TypeError).
 */
export interface EndpointPaths {
  [name: string]: string | undefined;
  /** Default `/authorize`. */
  authorization?: string;
  /** Default `/token`. */
  token?: string;
  /** Default `/revoke`. */
  revocation?: string;
  /** Default `/introspect`. */
  introspection?: string;
  /** Default `/jwks`. */
  jwks?: string;
}

export interface ProviderOptions {
  /**
   * The issuer identifier (RFC 8414 2): an https URL without query or fragment
   * (http is allowed for localhost, 127.0.0.1 and [::1]). A trailing slash is dropped.
   */
  issuer: string;
  /** The registered clients: a store, or a list (kept in memory). Default none. */
  clients?: ClientStore | readonly (Client | ClientConfig)[];
  /**
   * Stores for codes, tokens, consents and the client registry, e.g.
   * `redisStores({ client })`. Default: memory stores (one process only). When
   * `stores.clients` is given, the configured `clients` are found first and the
   * registry holds the rest (registered at run time).
   */
  stores?: Partial<Stores>;
  /**
   * Client ID Metadata Documents: a `client_id` that is an https URL names the
   * client's metadata, fetched from there (with SSRF protection: public
   * addresses only, no redirects, 5 KiB, 5 s), checked and cached. Default off;
   * `true` for the defaults, or options (lib/client-id-documents/options.ts).
   * Metadata then says `client_id_metadata_document_supported: true`.
   */
  clientIdMetadataDocuments?: boolean | ClientIdDocumentOptions;
  /**
   * Grants of the host app's own (RFC 6749 4.5 extension grants), registered
   * through the same door as the built-in ones. Default none.
   */
  extensionGrants?: readonly TokenGrant[];
  /** Client-authentication methods added after the built-in ones. Default none. */
  clientAuthMethods?: readonly ClientAuthenticationMethod[];
  /**
   * JWT client assertions (`private_key_jwt`, `client_secret_jwt`; RFC 7523):
   * how far ahead `exp` may be (`maxLifetime`, seconds; default 300) and how
   * clients' `jwks_uri` are fetched (lib/client-auth/assertion-options.ts).
   */
  clientAssertions?: ClientAssertionOptions;
  /**
   * DPoP (RFC 9449): the `alg` allow-list of proofs, the `iat` window (seconds;
   * default 60) and server nonces (default off). Proofs are always accepted; this
   * tunes them (lib/dpop/options.ts).
   */
  dpop?: DpopOptions;
  /** The scopes the server offers. Default: none (then no request may name a scope). */
  scopes?: ScopeOptions;
  /**
   * The language of the user pages (consent, device, error): the default
   * language (`default`, default `'en'`) and catalogs that add a language or
   * override built-in texts (lib/i18n/options.ts; README, _Pages in the user's
   * language_). Default: the built-in English, German, French, Spanish and
   * Japanese catalogs.
   */
  locales?: LocaleOptions;
  /**
   * The protected resources tokens may be issued for (RFC 8707 resource
   * indicators): each an absolute URI without fragment, with the scopes its
   * tokens may carry and, optionally, its own token format and lifetime. A
   * token for a resource has it as `aud`. Default none (every token has
   * `accessToken.audience`).
   */
  resources?: readonly ResourceConfig[];
  accessToken?: {
    /** `jwt` (RFC 9068, default) or `opaque`. */
    format?: 'jwt' | 'opaque';
    /** Seconds; default 3600. Each grant may set its own. */
    lifetime?: number;
    /** The `aud` of every access token. Default: the issuer. */
    audience?: string;
    /**
     * How JWT access tokens are revoked (README, _protect()_):
     * - `'deny-list'` (default for JWTs): issuing writes nothing; a revocation
     *   writes a deny-list entry that every process keeps in memory, so
     *   `protect()` reads no store. `uniqueTokens` is then a TypeError.
     * - `'allow-list'`: a record per token, read by every `protect()`; a token
     *   whose record is gone (a store that lost data) is refused.
     * Opaque tokens always have a record (`'deny-list'` with them is a TypeError).
     */
    revocation?: 'deny-list' | 'allow-list';
  };
  refreshToken?: {
    /** Seconds; default 2592000 (30 days). */
    lifetime?: number;
  };
  authorizationCode?: {
    /** Seconds; default 60. */
    lifetime?: number;
  };
  /** Which grants the token endpoint offers, and their options. */
  grants?: {
    /** Default on. */
    authorizationCode?: boolean | GrantOptions;
    /** Default on. */
    clientCredentials?: boolean | GrantOptions;
    /** Default on, with rotation. */
    refreshToken?: boolean | RefreshTokenGrantOptions;
    /**
     * Off unless given a `verify` callback.
     * @deprecated RFC 9700 2.4 forbids the password grant; enable it only for legacy clients.
     */
    password?: false | PasswordGrantOptions;
    /**
     * The implicit grant (`response_type=token`): off unless enabled.
     * @deprecated RFC 9700 2.1.2: clients SHOULD NOT use it; use the code flow with PKCE.
     */
    implicit?: boolean | GrantOptions;
    /**
     * The device authorization grant (RFC 8628): the device authorization
     * endpoint, the verification page at `/device` and the
     * `urn:ietf:params:oauth:grant-type:device_code` grant. Off unless given;
     * `true` for the defaults (lib/endpoints/device/options.ts).
     */
    deviceCode?: boolean | DeviceCodeGrantOptions;
    /**
     * Token exchange (RFC 8693, `urn:ietf:params:oauth:grant-type:token-exchange`)
     * for configured confidential clients listing that grant type: off unless
     * `true` or options (lib/grants/token-exchange-options.ts).
     */
    tokenExchange?: boolean | TokenExchangeOptions;
  };
  /**
   * Pushed authorization requests (RFC 9126) at `/par`: on with the
   * authorization endpoint; `{ required?, lifetime? }` (lib/endpoints/par/options.ts:
   * `required` default false, `lifetime` seconds, default 60), or `false` for no
   * PAR endpoint.
   */
  par?: ParOptions | false;
  /** Consent at the authorization endpoint. */
  consent?: {
    /**
     * Remember a user's consent per client and scope set, so the page is not shown
     * again for the same or fewer scopes. `true` remembers for 30 days; or give
     * `{ lifetime }` in seconds. Default false (always ask).
     */
    remember?: boolean | { lifetime: number };
    /** Skip the consent page for clients marked `firstParty`. Default false. */
    skipForFirstParty?: boolean;
  };
  /**
   * Keys that sign JWT access tokens; the first signs unless `activeKeyId` names
   * another, all verify and all public ones are published. Default: one ES256 key
   * made at start-up, which only suits a single process.
   */
  signingKeys?: readonly (SigningKeyInput | SigningKey)[];
  /** The `kid` of the key that signs. */
  activeKeyId?: string;
  /** Makes codes, refresh tokens and opaque access tokens. Default: 256 random bits, base64url. */
  tokenGenerator?: TokenGenerator;
  pkce?: {
    /** Accept `code_challenge_method=plain`. Default false (RFC 9700 2.1.1). */
    allowPlain?: boolean;
  };
  endpoints?: EndpointPaths;
  /**
   * Limits on failures (client authentication, password grants) and bounds of the
   * slow client secret checks (lib/engine/rate-limits.ts). Default: on, in memory.
   */
  rateLimits?: RateLimitOptions;
  /**
   * Dynamic client registration (RFC 7591) and its management API (RFC 7592) at
   * `/register`: `{ policy: 'closed' | 'open' | 'initial-access-token', … }`
   * (lib/endpoints/registration/options.ts). Default closed: no endpoint.
   */
  registration?: RegistrationOptions;
  /**
   * CORS at the endpoints browsers call cross-origin (token, revocation,
   * registration, metadata, JWKS; never introspection or authorization):
   * `{ origins: '*' | [origin, …] | (origin) => boolean }`, or `false` for none.
   * Default `{ origins: '*' }`, safe because no credentials are ever allowed
   * (lib/engine/cors-policy.ts).
   */
  cors?: CorsOptions | false;
  /**
   * OpenID Connect Core on the code flow (lib/endpoints/openid/): the `openid`
   * scope, id_tokens, UserInfo, `/.well-known/openid-configuration`, `prompt`,
   * `max_age`. Default: off (OAuth only).
   */
  openid?: OpenIdOptions;
  /** A pino-compatible logger. Default: silent. */
  logger?: Logger;
  /** The clock in milliseconds, for tests. Default `Date.now`. */
  clock?: Clock;
}

type Nested<K extends keyof ProviderOptions> = NonNullable<ProviderOptions[K]>;
type GrantsOption = Nested<'grants'>;

/**
 * The keys of {@link ProviderOptions} and of each options object in it, by where it
 * is (lib/helpers/option-keys.ts: the compiler checks each list against its type;
 * an option added to a type must be added here). `endpoints` is checked against
 * the endpoint table; `stores`, `logger` and the like are objects, not options.
 */
const PROVIDER_KEYS = {
  options: optionKeys<ProviderOptions>({
    issuer: true,
    clients: true,
    stores: true,
    clientIdMetadataDocuments: true,
    extensionGrants: true,
    clientAuthMethods: true,
    clientAssertions: true,
    dpop: true,
    scopes: true,
    locales: true,
    resources: true,
    accessToken: true,
    refreshToken: true,
    authorizationCode: true,
    grants: true,
    par: true,
    consent: true,
    signingKeys: true,
    activeKeyId: true,
    tokenGenerator: true,
    pkce: true,
    endpoints: true,
    rateLimits: true,
    registration: true,
    cors: true,
    openid: true,
    logger: true,
    clock: true,
  }),
  scopes: optionKeys<ScopeOptions>({
    available: true,
    default: true,
    descriptions: true,
    separator: true,
  }),
  locales: optionKeys<LocaleOptions>({ default: true, catalogs: true }),
  accessToken: optionKeys<Nested<'accessToken'>>({
    format: true,
    lifetime: true,
    audience: true,
    revocation: true,
  }),
  refreshToken: optionKeys<Nested<'refreshToken'>>({ lifetime: true }),
  authorizationCode: optionKeys<Nested<'authorizationCode'>>({ lifetime: true }),
  grants: optionKeys<GrantsOption>({
    authorizationCode: true,
    clientCredentials: true,
    refreshToken: true,
    password: true,
    implicit: true,
    deviceCode: true,
    tokenExchange: true,
  }),
  'grants.authorizationCode': optionKeys<GrantsOption['authorizationCode']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
  }),
  'grants.clientCredentials': optionKeys<GrantsOption['clientCredentials']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
  }),
  'grants.refreshToken': optionKeys<GrantsOption['refreshToken']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
    rotate: true,
    reuseGracePeriod: true,
  }),
  'grants.password': optionKeys<GrantsOption['password']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
    verify: true,
  }),
  'grants.deviceCode': optionKeys<GrantsOption['deviceCode']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
    lifetime: true,
    interval: true,
    userCode: true,
  }),
  'grants.deviceCode.userCode': optionKeys<UserCodeOptions>({ alphabet: true, length: true }),
  'grants.tokenExchange': TOKEN_EXCHANGE_KEYS,
  'grants.implicit': optionKeys<GrantsOption['implicit']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
  }),
  consent: optionKeys<Nested<'consent'>>({ remember: true, skipForFirstParty: true }),
  'consent.remember': optionKeys<Nested<'consent'>['remember']>({ lifetime: true }),
  pkce: optionKeys<Nested<'pkce'>>({ allowPlain: true }),
  cors: optionKeys<Nested<'cors'>>({ origins: true }),
  openid: OPENID_OPTION_KEYS,
};
const SIGNING_KEY_KEYS = optionKeys<SigningKeyInput>({
  jwk: true,
  pem: true,
  secret: true,
  alg: true,
  kid: true,
});

/** A TypeError for the first unknown key in `options` or in an options object inside it. */
export function checkProviderKeys(options: ProviderOptions): void {
  for (const [where, known] of Object.entries(PROVIDER_KEYS)) {
    let value: unknown = options;
    if (where !== 'options')
      for (const step of where.split('.')) value = (value as Record<string, unknown>)?.[step];
    checkOptionKeys(value, known, where === 'options' ? 'options' : `options.${where}`);
  }
  if (!Array.isArray(options.signingKeys)) return;
  options.signingKeys.forEach((key, i) => {
    if (!('privateKey' in key)) checkOptionKeys(key, SIGNING_KEY_KEYS, `options.signingKeys[${i}]`);
  });
}

/** The checked, frozen configuration. */
export interface ResolvedConfig {
  readonly issuer: string;
  readonly format: 'jwt' | 'opaque';
  readonly audience: string;
  /**
   * The configured resources (RFC 8707) by indicator, checked and frozen; empty
   * when none are configured.
   */
  readonly resources: Resources;
  readonly accessTokenLifetime: number;
  /** `'deny-list'`: stateless JWTs; `'allow-list'`: a record per token (always for opaque tokens). */
  readonly accessTokenRevocation: 'deny-list' | 'allow-list';
  readonly refreshTokenLifetime: number;
  readonly codeLifetime: number;
  readonly grants: {
    readonly authorizationCode: Required<GrantOptions> | undefined;
    readonly clientCredentials: Required<GrantOptions> | undefined;
    readonly refreshToken: Required<RefreshTokenGrantOptions> | undefined;
    readonly password: Required<PasswordGrantOptions> | undefined;
    readonly implicit: Required<GrantOptions> | undefined;
    /** Token exchange's options (RFC 8693); undefined when it is off. */
    readonly tokenExchange: ResolvedTokenExchange | undefined;
    /** The device authorization grant's options; undefined when it is off. */
    readonly deviceCode: ResolvedDeviceCodeOptions | undefined;
  };
  /** The checked `par` option (pushed authorization requests, RFC 9126). */
  readonly par: ResolvedParOptions;
  readonly consent: {
    /** Seconds a remembered consent lasts; undefined: consent is not remembered. */
    readonly rememberLifetime: number | undefined;
    readonly skipForFirstParty: boolean;
  };
  readonly keys: KeySet;
  readonly generator: TokenGenerator;
  readonly allowPlainPkce: boolean;
  /** The paths the options override, by endpoint name (checked against the endpoint table). */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly extensionGrants: readonly TokenGrant[];
  /** The clients of `options.clients` when it is a list, checked and frozen, by id. */
  readonly configuredClients: ReadonlyMap<string, Client>;
  /** The host's own client store when `options.clients` is one (the older form of the option). */
  readonly clientStore: ClientStore | undefined;
  /** Client ID Metadata Documents' options; undefined when they are off. */
  readonly clientIdMetadataDocuments: ResolvedClientIdDocumentOptions | undefined;
  readonly clientAuthMethods: readonly ClientAuthenticationMethod[];
  /** The checked `clientAssertions` option. */
  readonly clientAssertions: ResolvedClientAssertionOptions;
  /** The checked `dpop` option. */
  readonly dpop: ResolvedDpopOptions;
  readonly rateLimits: ResolvedRateLimits;
  /** The checked `registration` option. */
  readonly registration: ResolvedRegistration;
  /** The checked `locales` option: the user pages' default language and catalogs. */
  readonly locales: Locales;
  /** The CORS policy; `undefined` when `options.cors` is false. */
  readonly cors: CorsPolicy | undefined;
  /** The checked `openid` option; undefined when OpenID Connect is off. */
  readonly openid: ResolvedOpenId | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
}
