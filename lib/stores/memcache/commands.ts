/**
 * The memcached commands of the memcache store, each through the memjs client
 * under one error policy.
 *
 * Rules:
 * - Every memjs error (refused connection, timeout, out of memory) becomes a
 *   `StoreUnavailableError` with the original as `cause`; the one exception is
 *   `append` to a missing key (memcached answers NOT_STORED, memjs throws), which
 *   is `false`.
 * - A value that is not what the store wrote is a plain `Error` naming the key.
 * - Values are read as UTF-8 text: the client must use memjs's default
 *   (pass-through) serializer.
 * - memcached's own expiry is only the cleanup, at least 1 s (0 would mean
 *   "never"). memcached reads an expiry over 30 days as an absolute Unix time, so
 *   longer ones are sent as `now + ttl` (by this machine's clock: keep the clocks
 *   in sync).
 */
import type { Client as MemjsClient } from 'memjs';
import { StoreUnavailableError } from '../../errors.js';
import type { Clock } from '../../types.js';

/** The memjs methods the store uses. */
export type MemcacheClient = Pick<
  MemjsClient,
  'get' | 'set' | 'add' | 'delete' | 'append' | 'touch' | 'increment'
>;

/** memcached reads an expiry over this many seconds as an absolute Unix time. */
const MAX_RELATIVE_EXPIRY = 60 * 60 * 24 * 30;

/** The `expires` to send for a TTL in seconds: at least 1 (0 means "never"), absolute past 30 days. */
export function memcacheExpiry(ttl: number): number {
  const seconds = Math.max(1, Math.ceil(ttl));
  return seconds > MAX_RELATIVE_EXPIRY ? Math.floor(Date.now() / 1000) + seconds : seconds;
}

/** The memcached commands the store sends; each rejects with `StoreUnavailableError` on failure. */
export class MemcacheCommands {
  /** The store's clock, in epoch milliseconds. */
  readonly clock: Clock;
  readonly #client: MemcacheClient;

  /** `client`: the host's memjs client; `clock`: the store's clock (epoch ms). */
  constructor(client: MemcacheClient, clock: Clock) {
    this.#client = client;
    this.clock = clock;
  }

  /** memcached's `expires` for a key that must live until `expiresAt` (epoch ms by the clock). */
  until(expiresAt: number): number {
    return memcacheExpiry((expiresAt - this.clock()) / 1000);
  }

  /** The text at `key`, or `undefined` when memcached has none. */
  async getRaw(key: string): Promise<string | undefined> {
    const { value } = await this.#call('get', () => this.#client.get(key));
    return value === null ? undefined : value.toString('utf8');
  }

  /** The JSON at `key`, or `undefined` when there is none; a plain Error when it is not JSON. */
  async getJson(key: string): Promise<unknown> {
    const raw = await this.getRaw(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new Error(`memcache store: the value at ${key} is not what the store wrote`, {
        cause: err,
      });
    }
  }

  /** Sets `key` to `value` for `expires` (memcached's, see {@link memcacheExpiry}). */
  async set(key: string, value: string, expires: number): Promise<void> {
    await this.#call('set', () => this.#client.set(key, value, { expires }));
  }

  /** Appends to `key`: false when it does not exist (memcached answers NOT_STORED, memjs throws). */
  async append(key: string, value: string): Promise<boolean> {
    try {
      return await this.#client.append(key, value);
    } catch (err) {
      if (err instanceof Error && /Item not stored$/.test(err.message)) return false;
      throw new StoreUnavailableError('memcache store: append failed', { cause: err });
    }
  }

  /** Adds `key` unless it exists: true for exactly one caller. */
  async add(key: string, value: string, expires: number): Promise<boolean> {
    return this.#call('add', () => this.#client.add(key, value, { expires }));
  }

  /** Makes `key` live until `expiresAt` (epoch ms by the clock). */
  async touch(key: string, expiresAt: number): Promise<void> {
    await this.#call('touch', () => this.#client.touch(key, this.until(expiresAt)));
  }

  /**
   * Adds 1 to the counter at `key`, creating it at 1 to live until `expiresAt`
   * (epoch ms by the clock): the new count as memjs gives it (none when it gave none).
   */
  async increment(key: string, expiresAt: number): Promise<number | null | undefined> {
    const { value } = await this.#call('increment', () =>
      this.#client.increment(key, 1, { initial: 1, expires: this.until(expiresAt) }),
    );
    return value;
  }

  /** Deletes `key` (whether or not it exists). */
  async delete(key: string): Promise<void> {
    await this.#call('delete', () => this.#client.delete(key));
  }

  /** Runs a memjs call; any failure becomes StoreUnavailableError. */
  async #call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`memcache store: ${op} failed`, { cause: err });
    }
  }
}
