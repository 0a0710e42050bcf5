/**
 * The in-process cache of Client ID Metadata Documents (draft-ietf-oauth-client-id-
 * metadata-document, "Metadata Caching": the server SHOULD respect the HTTP cache
 * headers and MAY bound them).
 *
 * Rules:
 * - a document is kept as long as its `Cache-Control: max-age` (less `Age`), else
 *   its `Expires` (against its `Date`), else `defaultAge` seconds says, bounded to
 *   [`minAge`, `maxAge`]; `no-store` or `no-cache` keeps it not at all (each use
 *   fetches it again; no revalidation is done);
 * - a failure is kept `failureAge` seconds (a negative cache), so nobody can make
 *   the server fetch the same bad URL in a loop;
 * - lookups of one key while its fetch runs share that fetch (one request per URL
 *   at a time);
 * - at most `maxConcurrent` fetches run at once, all keys together; a lookup past
 *   that is refused at once (and not remembered as a failure);
 * - at most `size` entries: the least recently used goes first;
 * - times come from the provider's clock.
 */
import type { Clock } from '../types.js';

/** Bounds of the cache (seconds, and entries for `size`). */
export interface CacheBounds {
  readonly minAge: number;
  readonly maxAge: number;
  readonly defaultAge: number;
  readonly failureAge: number;
  readonly size: number;
}

/** The HTTP headers a lifetime is read from. */
export interface CacheHeaders {
  readonly cacheControl?: string | undefined;
  readonly expires?: string | undefined;
  readonly date?: string | undefined;
  readonly age?: string | undefined;
}

function directives(cacheControl: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of cacheControl.split(',')) {
    const [name = '', value = ''] = part.split('=').map((s) => s.trim());
    if (name !== '') out.set(name.toLowerCase(), value.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** Seconds the headers ask a document to be kept, before the bounds; undefined when they do not say. */
function askedAge(headers: CacheHeaders, now: number): number | undefined {
  const control = directives(headers.cacheControl ?? '');
  if (control.has('no-store') || control.has('no-cache')) return 0;
  const maxAge = control.get('max-age');
  if (maxAge !== undefined && /^\d+$/.test(maxAge)) {
    const age = /^\d+$/.test(headers.age ?? '') ? Number(headers.age) : 0;
    return Math.max(0, Number(maxAge) - age);
  }
  if (headers.expires === undefined) return undefined;
  const expires = Date.parse(headers.expires);
  const date = headers.date === undefined ? NaN : Date.parse(headers.date);
  if (Number.isNaN(expires)) return 0; // RFC 9111 5.3: an invalid Expires is in the past
  return Math.max(0, Math.floor((expires - (Number.isNaN(date) ? now : date)) / 1000));
}

/** Seconds to keep a document fetched with these headers; 0: do not keep it. */
export function documentLifetime(headers: CacheHeaders, bounds: CacheBounds, now: number): number {
  const control = directives(headers.cacheControl ?? '');
  if (control.has('no-store') || control.has('no-cache')) return 0;
  const asked = askedAge(headers, now) ?? bounds.defaultAge;
  return Math.min(bounds.maxAge, Math.max(bounds.minAge, asked));
}

/** What a load gives: the value and how many seconds to keep it (0: not at all). */
export interface Loaded<T> {
  readonly value: T;
  readonly lifetime: number;
}

type Entry<T> =
  | { readonly ok: true; readonly value: T; readonly expiresAt: number }
  | { readonly ok: false; readonly error: Error; readonly expiresAt: number };

/** Why a lookup was refused without a fetch: too many fetches at once. */
export class CacheBusyError extends Error {
  constructor(limit: number) {
    super(`${limit} documents are being fetched already`);
    this.name = 'CacheBusyError';
  }
}

/** A bounded cache of loaded values by key, with failures, shared loads and a fetch cap. */
export class DocumentCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #loading = new Map<string, Promise<T>>();
  readonly #bounds: CacheBounds;
  readonly #maxConcurrent: number;
  readonly #clock: Clock;

  constructor(bounds: CacheBounds, maxConcurrent: number, clock: Clock) {
    this.#bounds = bounds;
    this.#maxConcurrent = maxConcurrent;
    this.#clock = clock;
  }

  /** The value of `key`: kept, being loaded, or loaded now with `load`. Rejects with a kept failure too. */
  get(key: string, load: () => Promise<Loaded<T>>): Promise<T> {
    const kept = this.#kept(key);
    if (kept !== undefined)
      return kept.ok ? Promise.resolve(kept.value) : Promise.reject(kept.error);
    const running = this.#loading.get(key);
    if (running !== undefined) return running;
    if (this.#loading.size >= this.#maxConcurrent)
      return Promise.reject(new CacheBusyError(this.#maxConcurrent));
    const loading = this.#load(key, load).finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
    return loading;
  }

  /** Drops what is kept for `key` (a value or a failure), so the next `get` loads it again. */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  async #load(key: string, load: () => Promise<Loaded<T>>): Promise<T> {
    try {
      const { value, lifetime } = await load();
      if (lifetime > 0) this.#keep(key, { ok: true, value, expiresAt: this.#at(lifetime) });
      return value;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#keep(key, { ok: false, error, expiresAt: this.#at(this.#bounds.failureAge) });
      throw error;
    }
  }

  #at(seconds: number): number {
    return this.#clock() + seconds * 1000;
  }

  #kept(key: string): Entry<T> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#clock()) return undefined;
    this.#entries.set(key, entry); // now the most recently used
    return entry;
  }

  #keep(key: string, entry: Entry<T>): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#bounds.size) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
