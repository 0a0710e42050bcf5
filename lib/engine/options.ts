/**
 * The provider's options: their defaults and checks (the types and their known
 * keys are in ./provider-options.ts). Everything is checked once, when the
 * provider is made; a TypeError names the bad option, and an unknown key at any
 * depth names the nearest known one. The caller's objects are never changed; the
 * resolved configuration is frozen.
 */
import { defineClient, isDefinedClient, type ClientConfig } from '../helpers/clients.js';
import type { GrantOptions } from '../grants/grant.js';
import {
  resolveDeviceCodeOptions,
  type DeviceCodeGrantOptions,
  type ResolvedDeviceCodeOptions,
} from '../endpoints/device/options.js';
import { silentLogger } from './logger.js';
import { resolveRateLimits } from './rate-limits.js';
import { resolveRegistration } from '../endpoints/registration/options.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { resolveOpenIdOptions, withOpenIdScope } from '../endpoints/openid/options.js';
import { checkOpenIdSigningKey } from '../endpoints/openid/signing-key.js';
import { warnOnEphemeralKeys } from './key-warning.js';
import type { PasswordGrantOptions } from '../grants/password.js';
import type { RefreshTokenGrantOptions } from '../grants/refresh-token.js';
import { resolveTokenExchange } from '../grants/token-exchange-options.js';
import { MemoryRecordStore } from '../stores/memory.js';
import { recordStores } from '../stores/typed-stores.js';
import { ConfiguredClients } from './clients.js';
import { resolveClientIdDocumentOptions } from '../client-id-documents/options.js';
import { resolveClientAssertionOptions } from '../client-auth/assertion-options.js';
import { resolveDpopOptions } from '../dpop/options.js';
import { resolveParOptions } from '../endpoints/par/options.js';
import type { ClientIdDocuments } from '../client-id-documents/resolver.js';
import { resolveResources } from '../helpers/resources.js';
import { resolveCors } from './cors-policy.js';
import { resolveLocales } from '../i18n/options.js';
import type { OAuthEventBus } from './events.js';
import type { ClientStore, Stores } from '../stores/types.js';
import { generateSigningKey, importSigningKey, KeySet } from '../tokens/keys.js';
import { randomTokenGenerator } from '../tokens/opaque.js';
import type { Client } from '../types.js';
import {
  checkProviderKeys,
  type EndpointPaths,
  type ProviderOptions,
  type ResolvedConfig,
} from './provider-options.js';

export type { EndpointPaths, ProviderOptions, ResolvedConfig } from './provider-options.js';

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
const STORE_KEYS = optionKeys<Stores>({
  records: true,
  clients: true,
  authorizationCodes: true,
  accessTokens: true,
  refreshTokens: true,
  consents: true,
  deviceCodes: true,
});

/**
 * A misspelled store (`accesTokens`) is a TypeError naming the nearest one; the
 * extra methods a factory's result carries (SQL's `deleteExpired`) are allowed.
 */
function checkStoreKeys(given: object): void {
  const stores = Object.fromEntries(
    Object.entries(given).filter(
      ([key, value]) => STORE_KEYS.has(key) || typeof value !== 'function',
    ),
  );
  checkOptionKeys(stores, STORE_KEYS, 'options.stores');
}

export function resolveStores(
  options: ProviderOptions,
  config: ResolvedConfig,
  events: OAuthEventBus,
  documents?: ClientIdDocuments,
): Stores {
  const given = options.stores ?? {};
  if (typeof given !== 'object' || given === null)
    throw new TypeError('options.stores must be an object');
  checkStoreKeys(given);
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
      documents,
    ),
    authorizationCodes: given.authorizationCodes ?? fallback.authorizationCodes,
    accessTokens: given.accessTokens ?? fallback.accessTokens,
    refreshTokens: given.refreshTokens ?? fallback.refreshTokens,
    consents: given.consents ?? fallback.consents,
    deviceCodes: given.deviceCodes ?? fallback.deviceCodes,
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
    if (
      typeof value === 'object' &&
      value !== null &&
      'uniqueTokens' in value &&
      value.uniqueTokens === true
    )
      throw new TypeError(
        `options.grants.${name}.uniqueTokens needs a record per access token, which stateless JWTs do not have: set options.accessToken.revocation to "allow-list" (or accessToken.format to "opaque"), or drop uniqueTokens`,
      );
  }
  return revocation;
}

/** `grants.deviceCode` (RFC 8628), checked; undefined when off (the default). */
function deviceCodeOf(
  value: boolean | DeviceCodeGrantOptions | undefined,
  accessTokenLifetime: number,
): ResolvedDeviceCodeOptions | undefined {
  const given = grant<DeviceCodeGrantOptions>('deviceCode', value, false, accessTokenLifetime);
  return given === undefined ? undefined : resolveDeviceCodeOptions(given);
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
  // `openid` counts as offered when OpenID Connect is on, here as in the scope policy.
  const offered = withOpenIdScope(options.scopes, options.openid)?.available ?? [];
  const resources = resolveResources(options.resources, offered, format);
  return Object.freeze({
    issuer,
    format,
    audience,
    resources,
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
      tokenExchange: resolveTokenExchange(
        g.tokenExchange,
        accessTokenLifetime,
        audience,
        resources,
      ),
      deviceCode: deviceCodeOf(g.deviceCode, accessTokenLifetime),
    }),
    par: resolveParOptions(options.par),
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
    clientIdMetadataDocuments: resolveClientIdDocumentOptions(options.clientIdMetadataDocuments),
    clientAuthMethods: list('clientAuthMethods', options.clientAuthMethods),
    clientAssertions: resolveClientAssertionOptions(options.clientAssertions),
    dpop: resolveDpopOptions(options.dpop, keys, options.signingKeys !== undefined),
    rateLimits: resolveRateLimits(options.rateLimits),
    registration: resolveRegistration(options.registration),
    cors: resolveCors(options.cors),
    locales: resolveLocales(options.locales),
    openid: checkOpenIdSigningKey(resolveOpenIdOptions(options.openid), keys),
    logger,
    clock: options.clock ?? Date.now,
  });
}
