/**
 * The provider's `clientIdMetadataDocuments` option: its type, known keys,
 * defaults and checks (a TypeError naming the option and the fix).
 *
 * Rules:
 * - off by default; `true` turns it on with every default;
 * - fetching from loopback, private, link-local and other non-public addresses
 *   needs `allowPrivateAddresses: true`, said in so many words (tests, a demo on
 *   one machine); never a default;
 * - every number is checked: seconds positive (fractions allowed for
 *   `timeout`), `minAge` ≤ `defaultAge` ≤ `maxAge`, counts whole and positive.
 */
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import type { CacheBounds } from './cache.js';

/** How documents are cached (seconds, and entries for `size`). */
export interface ClientIdDocumentCacheOptions {
  /** The shortest a fetched document is kept, whatever its headers say (except `no-store`). Seconds; default 60. */
  minAge?: number;
  /** The longest a fetched document is kept. Seconds; default 86400 (24 h). */
  maxAge?: number;
  /** How long a document is kept whose headers do not say. Seconds; default 300. */
  defaultAge?: number;
  /** How long a failure is remembered (the URL is not fetched again meanwhile). Seconds; default 30. */
  failureAge?: number;
  /** Documents and failures kept at most (the least recently used go first). Default 1000. */
  size?: number;
}

/** Options of Client ID Metadata Documents (README, "Client ID Metadata Documents"). */
export interface ClientIdDocumentOptions {
  /**
   * Fetch documents from loopback, private, link-local and other non-public
   * addresses too. Default false; only for tests and demos on one machine: it
   * lets any client id make this server send requests into its own network.
   */
  allowPrivateAddresses?: boolean;
  /** The whole fetch (name resolution, connection, TLS, response). Seconds; default 5. */
  timeout?: number;
  /** The largest document accepted. Bytes; default 5120. */
  maxBytes?: number;
  /** Fetches running at once, every URL together; a lookup past it is refused. Default 10. */
  maxConcurrentFetches?: number;
  /**
   * PEM certificates of CAs to trust besides Node's own, for documents served
   * under a private CA (tests, an intranet). Default none.
   */
  ca?: string | readonly string[];
  cache?: ClientIdDocumentCacheOptions;
}

/** The checked options. */
export interface ResolvedClientIdDocumentOptions {
  readonly allowPrivateAddresses: boolean;
  readonly timeout: number;
  readonly maxBytes: number;
  readonly maxConcurrentFetches: number;
  readonly ca: readonly string[] | undefined;
  readonly cache: CacheBounds;
}

const KEYS = optionKeys<ClientIdDocumentOptions>({
  allowPrivateAddresses: true,
  timeout: true,
  maxBytes: true,
  maxConcurrentFetches: true,
  ca: true,
  cache: true,
});
const CACHE_KEYS = optionKeys<ClientIdDocumentCacheOptions>({
  minAge: true,
  maxAge: true,
  defaultAge: true,
  failureAge: true,
  size: true,
});
const WHERE = 'options.clientIdMetadataDocuments';

function number(name: string, value: unknown, fallback: number, whole: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new TypeError(`${WHERE}.${name} must be a number >= 0`);
  if (whole && !Number.isInteger(value))
    throw new TypeError(`${WHERE}.${name} must be a whole number`);
  return value;
}

function positive(name: string, value: unknown, fallback: number, whole = true): number {
  const n = number(name, value, fallback, whole);
  if (n === 0) throw new TypeError(`${WHERE}.${name} must be more than 0`);
  return n;
}

function caOf(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string' && c.includes('-----BEGIN')))
    throw new TypeError(`${WHERE}.ca must be a PEM certificate or an array of them`);
  return Object.freeze([...list]);
}

function cacheOf(value: ClientIdDocumentCacheOptions | undefined): CacheBounds {
  const given = value ?? {};
  if (typeof given !== 'object' || given === null)
    throw new TypeError(`${WHERE}.cache must be an object`);
  checkOptionKeys(given, CACHE_KEYS, `${WHERE}.cache`);
  const minAge = number('cache.minAge', given.minAge, 60, true);
  const maxAge = positive('cache.maxAge', given.maxAge, 86400);
  const fallback = Math.min(maxAge, Math.max(minAge, 300));
  const defaultAge = number('cache.defaultAge', given.defaultAge, fallback, true);
  if (minAge > defaultAge || defaultAge > maxAge)
    throw new TypeError(`${WHERE}.cache needs minAge <= defaultAge <= maxAge`);
  return Object.freeze({
    minAge,
    maxAge,
    defaultAge,
    failureAge: number('cache.failureAge', given.failureAge, 30, true),
    size: positive('cache.size', given.size, 1000),
  });
}

/** The checked option, or undefined when documents are off. */
export function resolveClientIdDocumentOptions(
  value: boolean | ClientIdDocumentOptions | undefined,
): ResolvedClientIdDocumentOptions | undefined {
  if (value === undefined || value === false) return undefined;
  const given: ClientIdDocumentOptions = value === true ? {} : value;
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new TypeError(`${WHERE} must be a boolean or an options object`);
  checkOptionKeys(given, KEYS, WHERE);
  const allow = given.allowPrivateAddresses;
  if (allow !== undefined && typeof allow !== 'boolean')
    throw new TypeError(`${WHERE}.allowPrivateAddresses must be a boolean`);
  return Object.freeze({
    allowPrivateAddresses: allow === true,
    timeout: positive('timeout', given.timeout, 5, false),
    maxBytes: positive('maxBytes', given.maxBytes, 5120),
    maxConcurrentFetches: positive('maxConcurrentFetches', given.maxConcurrentFetches, 10),
    ca: caOf(given.ca),
    cache: cacheOf(given.cache),
  });
}
