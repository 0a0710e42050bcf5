/**
 * Where `private_key_jwt` finds a client's public keys: its inline `jwks`, or
 * the JWK Set at its `jwks_uri`, fetched with the library's guarded JSON GET
 * (lib/client-id-documents/fetch-document.ts) and kept in this process.
 *
 * Rules:
 * - a `jwks_uri` is fetched over https only, from public addresses only (unless
 *   `allowPrivateAddresses`), without redirects, within `timeout` seconds and
 *   `maxBytes` bytes; `application/json` or `application/jwk-set+json` (RFC
 *   7517 8.5.1);
 * - a fetched set is checked leniently (./client-jwks.ts: unusable keys skipped,
 *   a private key refuses it) and kept as its `Cache-Control`/`Expires` say,
 *   within `minAge`..`maxAge` (`no-store` too is kept `minAge` seconds); a failure is kept `failureAge` seconds; one fetch
 *   per URL at a time, at most 10 at once (lib/client-id-documents/cache.ts);
 * - an assertion naming a `kid` the kept set lacks makes the set be fetched again
 *   (the client rotated its keys), at most once per `refetchInterval` seconds per
 *   client: nobody can make the server fetch on every request;
 * - inline keys are checked once per JWK Set object.
 */
import type { Resolver } from '../client-id-documents/fetch-document.js';
import { DocumentCache, documentLifetime } from '../client-id-documents/cache.js';
import { fetchJson } from '../client-id-documents/fetch-document.js';
import type { Client, Clock } from '../types.js';
import type { ResolvedJwksUriOptions } from './assertion-options.js';
import { clientKeys, type ClientKey } from './client-jwks.js';

/** The `User-Agent` of every `jwks_uri` request. */
export const JWKS_USER_AGENT = 'oauth2-stateless (client jwks_uri)';

const MEDIA_TYPES = ['application/json', 'application/jwk-set+json'];
/** Fetches at once, every `jwks_uri` together. */
const MAX_CONCURRENT_FETCHES = 10;
/** Clients whose last refetch time is remembered. */
const MAX_REFETCH_ENTRIES = 10000;

/** The keys of clients, inline or fetched (rules above). */
export class ClientKeySource {
  readonly #options: ResolvedJwksUriOptions;
  readonly #clock: Clock;
  readonly #resolve: Resolver | undefined;
  readonly #cache: DocumentCache<readonly ClientKey[]>;
  readonly #inline = new WeakMap<object, readonly ClientKey[]>();
  /** When each client last caused a refetch, in epoch milliseconds. */
  readonly #refetched = new Map<string, number>();

  constructor(options: ResolvedJwksUriOptions, clock: Clock, resolve?: Resolver) {
    this.#options = options;
    this.#clock = clock;
    this.#resolve = resolve;
    this.#cache = new DocumentCache(options.cache, MAX_CONCURRENT_FETCHES, clock);
  }

  /**
   * The client's keys; with `refresh`, a `jwks_uri` set is fetched again when
   * the client's refetch interval allows (returns undefined when it does not).
   * @throws Error with the reason (for logs) when there are none.
   */
  async keys(client: Client, refresh = false): Promise<readonly ClientKey[] | undefined> {
    if (client.jwks !== undefined) return refresh ? undefined : this.#inlineKeys(client.jwks);
    const uri = client.jwksUri;
    if (uri === undefined) throw new Error('the client has neither jwks nor jwks_uri');
    if (refresh) {
      if (!this.#mayRefetch(client.id)) return undefined;
      this.#cache.forget(uri);
    }
    try {
      return await this.#cache.get(uri, () => this.#load(uri));
    } catch (err) {
      throw new Error(`its jwks_uri gave no keys: ${(err as Error).message}`);
    }
  }

  #inlineKeys(jwks: object): readonly ClientKey[] {
    let keys = this.#inline.get(jwks);
    if (keys === undefined) {
      keys = clientKeys(jwks);
      this.#inline.set(jwks, keys);
    }
    return keys;
  }

  async #load(uri: string) {
    const { timeout, maxBytes, allowPrivateAddresses, ca } = this.#options;
    const fetched = await fetchJson(new URL(uri), {
      timeout,
      maxBytes,
      allowPrivateAddresses,
      ca,
      resolve: this.#resolve,
      userAgent: JWKS_USER_AGENT,
      mediaTypes: MEDIA_TYPES,
    });
    let value: readonly ClientKey[];
    try {
      value = clientKeys(fetched.body, true);
    } catch (err) {
      throw new Error(`the JWK Set ${(err as Error).message}`);
    }
    // At least minAge, even under no-store: a set kept for no time would be fetched per request.
    const bounds = this.#options.cache;
    const lifetime = Math.max(bounds.minAge, documentLifetime(fetched, bounds, this.#clock()));
    return { value, lifetime };
  }

  #mayRefetch(clientId: string): boolean {
    const now = this.#clock();
    const last = this.#refetched.get(clientId);
    if (last !== undefined && now - last < this.#options.refetchInterval * 1000) return false;
    this.#refetched.delete(clientId);
    this.#refetched.set(clientId, now);
    if (this.#refetched.size > MAX_REFETCH_ENTRIES) {
      const oldest = this.#refetched.keys().next().value as string;
      this.#refetched.delete(oldest);
    }
    return true;
  }
}
