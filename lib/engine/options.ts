/**
 * The provider's options: their types, defaults and checks. Everything is checked
 * once, when the provider is made; a TypeError names the bad option, and an
 * unknown key at any depth names the nearest known one (PROVIDER_KEYS below). The
 * caller's objects are never changed; the resolved configuration is frozen.
 */
import { defineClient, isDefinedClient, type ClientConfig } from '../helpers/clients.js';
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import type { GrantOptions, TokenGrant } from '../grants/grant.js';
import { silentLogger } from './logger.js';
import {
  resolveRateLimits,
  type RateLimitOptions,
  type ResolvedRateLimits,
} from './rate-limits.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { warnOnEphemeralKeys } from './key-warning.js';
import type { PasswordGrantOptions } from '../grants/password.js';
import type { RefreshTokenGrantOptions } from '../grants/refresh-token.js';
import type { ScopeOptions } from '../helpers/scope.js';
import { MemoryRecordStore } from '../stores/memory.js';
import { recordStores } from '../stores/typed-stores.js';
import { ConfiguredClients } from './clients.js';
import type { OAuthEventBus } from './events.js';
import type { ClientStore, Stores } from '../stores/types.js';
import {
  generateSigningKey,
  importSigningKey,
  KeySet,
  type SigningKey,
  type SigningKeyInput,
} from '../tokens/keys.js';
import { randomTokenGenerator, type TokenGenerator } from '../tokens/opaque.js';
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
   * Grants of the host app's own (RFC 6749 4.5 extension grants), registered
   * through the same door as the built-in ones. Default none.
   */
  extensionGrants?: readonly TokenGrant[];
  /** Client-authentication methods added after the built-in ones. Default none. */
  clientAuthMethods?: readonly ClientAuthenticationMethod[];
  /** The scopes the server offers. Default: none (then no request may name a scope). */
  scopes?: ScopeOptions;
  accessToken?: {
    /** `jwt` (RFC 9068, default) or `opaque`. */
    format?: 'jwt' | 'opaque';
    /** Seconds; default 3600. Each grant may set its own. */
    lifetime?: number;
    /** The `aud` of every access token. Default: the issuer. */
    audience?: string;
    /**
     * How JWT access tokens are revoked (README, "Stateless JWTs and revocation"):
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
  };
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
    extensionGrants: true,
    clientAuthMethods: true,
    scopes: true,
    accessToken: true,
    refreshToken: true,
    authorizationCode: true,
    grants: true,
    consent: true,
    signingKeys: true,
    activeKeyId: true,
    tokenGenerator: true,
    pkce: true,
    endpoints: true,
    rateLimits: true,
    logger: true,
    clock: true,
  }),
  scopes: optionKeys<ScopeOptions>({
    available: true,
    default: true,
    descriptions: true,
    separator: true,
  }),
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
  'grants.implicit': optionKeys<GrantsOption['implicit']>({
    accessTokenLifetime: true,
    uniqueTokens: true,
  }),
  consent: optionKeys<Nested<'consent'>>({ remember: true, skipForFirstParty: true }),
  'consent.remember': optionKeys<Nested<'consent'>['remember']>({ lifetime: true }),
  pkce: optionKeys<Nested<'pkce'>>({ allowPlain: true }),
};
const SIGNING_KEY_KEYS = optionKeys<SigningKeyInput>({
  jwk: true,
  pem: true,
  secret: true,
  alg: true,
  kid: true,
});

/** A TypeError for the first unknown key in `options` or in an options object inside it. */
function checkProviderKeys(options: ProviderOptions): void {
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
  };
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
  readonly clientAuthMethods: readonly ClientAuthenticationMethod[];
  readonly rateLimits: ResolvedRateLimits;
  readonly logger: Logger;
  readonly clock: Clock;
}

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`options.${name} must be a positive whole number of seconds`);
  }
  return value;
}

function issuerOf(value: unknown): string {
  if (typeof value !== 'string')
    throw new TypeError('options.issuer is required: the URL of this authorization server');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`options.issuer ${JSON.stringify(value)} is not a URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError(
      'options.issuer must be an https URL (http only for localhost, 127.0.0.1 and [::1])',
    );
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    throw new TypeError('options.issuer must have no query and no fragment (RFC 8414 2)');
  }
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

function grant<T extends GrantOptions>(
  name: string,
  value: boolean | T | undefined,
  on: boolean,
  accessTokenLifetime: number,
): (Required<GrantOptions> & T) | undefined {
  if (value === false || (value === undefined && !on)) return undefined;
  const given: Partial<T> = value === true || value === undefined ? {} : value;
  if (typeof given !== 'object' || given === null)
    throw new TypeError(`options.grants.${name} must be a boolean or an options object`);
  return {
    ...(given as T),
    accessTokenLifetime: seconds(
      `grants.${name}.accessTokenLifetime`,
      given.accessTokenLifetime,
      accessTokenLifetime,
    ),
    uniqueTokens: given.uniqueTokens === true,
  };
}

function rememberLifetime(value: boolean | { lifetime: number } | undefined): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 30 * 24 * 3600;
  if (typeof value !== 'object' || value === null)
    throw new TypeError('options.consent.remember must be a boolean or { lifetime }');
  return seconds('consent.remember.lifetime', value.lifetime, 30 * 24 * 3600);
}

function paths(value: EndpointPaths | undefined): Readonly<Record<string, string>> {
  if (value === undefined) return Object.freeze({});
  if (typeof value !== 'object' || value === null)
    throw new TypeError('options.endpoints must be an object');
  const out: Record<string, string> = {};
  for (const [name, path] of Object.entries(value)) {
    if (path === undefined) continue;
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`options.endpoints.${name} must be a path starting with "/"`);
    }
    out[name] = path;
  }
  return Object.freeze(out);
}

function list<T>(name: string, value: readonly T[] | undefined): readonly T[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) throw new TypeError(`options.${name} must be an array`);
  return Object.freeze([...value]);
}

/** The configured clients, checked; or the host's own client store (the older form of the option). */
function configuredClients(value: ProviderOptions['clients']): {
  configured: ReadonlyMap<string, Client>;
  store: ClientStore | undefined;
} {
  const configured = new Map<string, Client>();
  if (value === undefined) return { configured, store: undefined };
  if (Array.isArray(value)) {
    for (const c of value as readonly (Client | ClientConfig)[]) {
      const client = isDefinedClient(c) ? c : defineClient(c as ClientConfig);
      if (configured.has(client.id)) {
        throw new TypeError(
          `options.clients: two clients have the id ${JSON.stringify(client.id)}`,
        );
      }
      configured.set(client.id, client);
    }
    return { configured, store: undefined };
  }
  if (typeof (value as ClientStore).find !== 'function') {
    throw new TypeError('options.clients must be a ClientStore or an array of clients');
  }
  return { configured, store: value as ClientStore };
}

/**
 * The provider's stores: what `options.stores` gives, memory stores (on the
 * provider's clock) for the rest, and the clients layered over the registry.
 */
export function resolveStores(
  options: ProviderOptions,
  config: ResolvedConfig,
  events: OAuthEventBus,
): Stores {
  const given = options.stores ?? {};
  if (typeof given !== 'object' || given === null)
    throw new TypeError('options.stores must be an object');
  const configured = config.configuredClients;
  const store = config.clientStore;
  if (store !== undefined && given.clients !== undefined && given.clients !== store) {
    throw new TypeError('options.clients is a store and options.stores.clients is set: give one');
  }
  const records = given.records ?? new MemoryRecordStore({ clock: config.clock });
  warnOnEphemeralKeys(records, options.signingKeys !== undefined, config.format);
  const fallback = recordStores(records);
  return Object.freeze({
    records,
    clients: new ConfiguredClients(
      configured,
      store ?? given.clients ?? fallback.clients,
      events,
      config.clock,
    ),
    authorizationCodes: given.authorizationCodes ?? fallback.authorizationCodes,
    accessTokens: given.accessTokens ?? fallback.accessTokens,
    refreshTokens: given.refreshTokens ?? fallback.refreshTokens,
    consents: given.consents ?? fallback.consents,
  });
}

/** `accessToken.revocation`, checked; unique tokens need a record per token, so not with stateless JWTs. */
function revocationOf(
  options: ProviderOptions,
  format: 'jwt' | 'opaque',
): 'deny-list' | 'allow-list' {
  const given = options.accessToken?.revocation;
  if (given !== undefined && given !== 'deny-list' && given !== 'allow-list')
    throw new TypeError('options.accessToken.revocation must be "deny-list" or "allow-list"');
  if (format === 'opaque' && given === 'deny-list')
    throw new TypeError(
      'options.accessToken.revocation "deny-list" is for JWT access tokens; opaque tokens always have a record (drop the option, or set accessToken.format to "jwt")',
    );
  const revocation = format === 'opaque' ? 'allow-list' : (given ?? 'deny-list');
  if (revocation === 'allow-list') return revocation;
  for (const [name, value] of Object.entries(options.grants ?? {})) {
    if (typeof value === 'object' && value !== null && value.uniqueTokens === true)
      throw new TypeError(
        `options.grants.${name}.uniqueTokens needs a record per access token, which stateless JWTs do not have: set options.accessToken.revocation to "allow-list" (or accessToken.format to "opaque"), or drop uniqueTokens`,
      );
  }
  return revocation;
}

/** Checks the options and fills in every default. */
export function resolveOptions(options: ProviderOptions): ResolvedConfig {
  if (options === null || typeof options !== 'object')
    throw new TypeError('options must be an object');
  checkProviderKeys(options);
  const issuer = issuerOf(options.issuer);
  const format = options.accessToken?.format ?? 'jwt';
  if (format !== 'jwt' && format !== 'opaque')
    throw new TypeError('options.accessToken.format must be "jwt" or "opaque"');
  const audience = options.accessToken?.audience ?? issuer;
  if (typeof audience !== 'string' || audience === '')
    throw new TypeError('options.accessToken.audience must be a non-empty string');
  const accessTokenLifetime = seconds('accessToken.lifetime', options.accessToken?.lifetime, 3600);
  const accessTokenRevocation = revocationOf(options, format);

  const g = options.grants ?? {};
  const password = g.password;
  if (password !== undefined && password !== false && typeof password.verify !== 'function') {
    throw new TypeError(
      'options.grants.password.verify must be a function: (credentials) => Promise<{ subject } | undefined>',
    );
  }
  const refresh = grant<RefreshTokenGrantOptions>(
    'refreshToken',
    g.refreshToken,
    true,
    accessTokenLifetime,
  );
  const grace = refresh?.reuseGracePeriod ?? 0;
  if (typeof grace !== 'number' || grace < 0 || !Number.isFinite(grace))
    throw new TypeError(
      'options.grants.refreshToken.reuseGracePeriod must be a number of seconds >= 0',
    );

  const keyInputs = options.signingKeys ?? [generateSigningKey('ES256')];
  if (!Array.isArray(keyInputs) || keyInputs.length === 0)
    throw new TypeError('options.signingKeys must be a non-empty array');
  const keys = new KeySet(
    keyInputs.map((k) => ('privateKey' in k ? k : importSigningKey(k))),
    options.activeKeyId,
  );

  const generator = options.tokenGenerator ?? randomTokenGenerator();
  if (typeof generator.generate !== 'function')
    throw new TypeError('options.tokenGenerator must have a generate() method');
  const logger = options.logger ?? silentLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[level] !== 'function')
      throw new TypeError(`options.logger.${level} must be a function`);
  }

  const clients = configuredClients(options.clients);
  return Object.freeze({
    issuer,
    format,
    audience,
    accessTokenLifetime,
    accessTokenRevocation,
    refreshTokenLifetime: seconds(
      'refreshToken.lifetime',
      options.refreshToken?.lifetime,
      30 * 24 * 3600,
    ),
    codeLifetime: seconds('authorizationCode.lifetime', options.authorizationCode?.lifetime, 60),
    grants: Object.freeze({
      authorizationCode: grant('authorizationCode', g.authorizationCode, true, accessTokenLifetime),
      clientCredentials: grant('clientCredentials', g.clientCredentials, true, accessTokenLifetime),
      refreshToken:
        refresh === undefined
          ? undefined
          : { ...refresh, rotate: refresh.rotate !== false, reuseGracePeriod: grace },
      password:
        password === undefined || password === false
          ? undefined
          : (grant<PasswordGrantOptions>(
              'password',
              password,
              false,
              accessTokenLifetime,
            ) as Required<PasswordGrantOptions>),
      implicit: grant('implicit', g.implicit, false, accessTokenLifetime),
    }),
    consent: Object.freeze({
      rememberLifetime: rememberLifetime(options.consent?.remember),
      skipForFirstParty: options.consent?.skipForFirstParty === true,
    }),
    keys,
    generator,
    allowPlainPkce: options.pkce?.allowPlain === true,
    endpoints: paths(options.endpoints),
    extensionGrants: list('extensionGrants', options.extensionGrants),
    configuredClients: clients.configured,
    clientStore: clients.store,
    clientAuthMethods: list('clientAuthMethods', options.clientAuthMethods),
    rateLimits: resolveRateLimits(options.rateLimits),
    logger,
    clock: options.clock ?? Date.now,
  });
}
