/**
 * The provider's `clientAssertions` option (`private_key_jwt`,
 * `client_secret_jwt`; RFC 7523 2.2): its type, known keys, defaults and checks
 * (a TypeError naming the option and the fix).
 *
 * Rules:
 * - `maxLifetime` bounds how far ahead an assertion's `exp` may be (RFC 7523 3
 *   item 4 lets the server reject JWTs with an unreasonably far `exp`);
 * - fetching a client's `jwks_uri` from loopback, private, link-local and other
 *   non-public addresses needs `jwksUri.allowPrivateAddresses: true`, said in so
 *   many words; never a default;
 * - every number is checked: seconds positive (fractions allowed for
 *   `timeout`), `minAge` ≤ `maxAge`, counts whole and positive.
 */
import type { CacheBounds } from '../client-id-documents/cache.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';

/** How clients' JWK Sets are fetched from their `jwks_uri`. */
export interface JwksUriOptions {
  /**
   * Fetch from loopback, private, link-local and other non-public addresses too.
   * Default false; only for tests and demos on one machine.
   */
  allowPrivateAddresses?: boolean;
  /** The whole fetch (resolution, connection, TLS, response). Seconds; default 5. */
  timeout?: number;
  /** The largest JWK Set accepted. Bytes; default 51200. */
  maxBytes?: number;
  /** PEM certificates of CAs to trust besides Node's own. Default none. */
  ca?: string | readonly string[];
  /** The shortest a fetched set is kept, whatever its headers say. Seconds; default 60. */
  minAge?: number;
  /** The longest a fetched set is kept. Seconds; default 86400 (24 h). */
  maxAge?: number;
  /** How long a failed fetch is remembered. Seconds; default 30. */
  failureAge?: number;
  /**
   * The least time between two fetches made for one client because an assertion
   * named a `kid` its kept set lacks. Seconds; default 60.
   */
  refetchInterval?: number;
}

/** Options of client assertions (README, "Client authentication with JWTs"). */
export interface ClientAssertionOptions {
  /** How far in the future an assertion's `exp` may be. Seconds; default 300. */
  maxLifetime?: number;
  jwksUri?: JwksUriOptions;
}

/** The checked options of fetching `jwks_uri`. */
export interface ResolvedJwksUriOptions {
  readonly allowPrivateAddresses: boolean;
  readonly timeout: number;
  readonly maxBytes: number;
  readonly ca: readonly string[] | undefined;
  readonly cache: CacheBounds;
  readonly refetchInterval: number;
}

/** The checked `clientAssertions` option. */
export interface ResolvedClientAssertionOptions {
  readonly maxLifetime: number;
  readonly jwksUri: ResolvedJwksUriOptions;
}

const KEYS = optionKeys<ClientAssertionOptions>({ maxLifetime: true, jwksUri: true });
const URI_KEYS = optionKeys<JwksUriOptions>({
  allowPrivateAddresses: true,
  timeout: true,
  maxBytes: true,
  ca: true,
  minAge: true,
  maxAge: true,
  failureAge: true,
  refetchInterval: true,
});
const WHERE = 'options.clientAssertions';

function positive(name: string, value: unknown, fallback: number, whole = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`${WHERE}.${name} must be a number > 0`);
  if (whole && !Number.isInteger(value))
    throw new TypeError(`${WHERE}.${name} must be a whole number`);
  return value;
}

function caOf(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string' && c.includes('-----BEGIN')))
    throw new TypeError(`${WHERE}.jwksUri.ca must be a PEM certificate or an array of them`);
  return Object.freeze([...list]);
}

function objectOf<T extends object>(value: T | undefined, where: string): T {
  const given = value ?? ({} as T);
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new TypeError(`${where} must be an options object`);
  return given;
}

function jwksUriOf(value: JwksUriOptions | undefined): ResolvedJwksUriOptions {
  const given = objectOf(value, `${WHERE}.jwksUri`);
  checkOptionKeys(given, URI_KEYS, `${WHERE}.jwksUri`);
  const allow = given.allowPrivateAddresses;
  if (allow !== undefined && typeof allow !== 'boolean')
    throw new TypeError(`${WHERE}.jwksUri.allowPrivateAddresses must be a boolean`);
  const minAge = positive('jwksUri.minAge', given.minAge, 60);
  const maxAge = positive('jwksUri.maxAge', given.maxAge, 86400);
  if (minAge > maxAge) throw new TypeError(`${WHERE}.jwksUri needs minAge <= maxAge`);
  const cache: CacheBounds = Object.freeze({
    minAge,
    maxAge,
    defaultAge: Math.min(maxAge, Math.max(minAge, 300)),
    failureAge: positive('jwksUri.failureAge', given.failureAge, 30),
    size: 1000,
  });
  return Object.freeze({
    allowPrivateAddresses: allow === true,
    timeout: positive('jwksUri.timeout', given.timeout, 5, false),
    maxBytes: positive('jwksUri.maxBytes', given.maxBytes, 51200),
    ca: caOf(given.ca),
    cache,
    refetchInterval: positive('jwksUri.refetchInterval', given.refetchInterval, 60),
  });
}

/** The checked option, with every default. */
export function resolveClientAssertionOptions(
  value: ClientAssertionOptions | undefined,
): ResolvedClientAssertionOptions {
  const given = objectOf(value, WHERE);
  checkOptionKeys(given, KEYS, WHERE);
  return Object.freeze({
    maxLifetime: positive('maxLifetime', given.maxLifetime, 300),
    jwksUri: jwksUriOf(given.jwksUri),
  });
}
