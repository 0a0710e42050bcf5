/**
 * A named limit on failures per key (a client id and an address, a username and an
 * address, …), over rate-limiter-flexible: counted in this process's memory, or in
 * a Redis that several processes share. The provider makes one per limit
 * (lib/engine/rate-limits.ts); the place that fails asks it before and tells it after.
 *
 * Rules:
 * - only failures count: {@link FailureLimit.check} reads, {@link FailureLimit.fail}
 *   counts one, {@link FailureLimit.succeed} forgets the key;
 * - `failures` failures within `window` seconds are answered as usual; the failure
 *   after them, and every attempt for `block` seconds after that, is refused;
 * - a key is its parts hashed together (SHA-256), so no client id, username or
 *   address is kept in clear, and every key has the same length;
 * - an address counts by its network where one holder usually has many: an IPv6
 *   address by its /64 (one end site's usual share), an IPv4-mapped IPv6 address as
 *   the IPv4 address ({@link addressKey});
 * - a Redis that is down or not ready is not waited for: the limit falls back to
 *   this process's memory (rate-limiter-flexible's insurance limiter).
 */
import { createHash } from 'node:crypto';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

/** How many failures a limit allows, and for how long it refuses. */
export interface FailureLimitSettings {
  /** Failures allowed within `window`; the one after is refused. */
  readonly failures: number;
  /** Seconds over which failures are counted. */
  readonly window: number;
  /** Seconds a key is refused once it went over. */
  readonly block: number;
}

/**
 * An ioredis `Redis` or `Cluster`, made, connected and closed by the host (typed by
 * what rate-limiter-flexible calls, so no ioredis types are needed without Redis).
 */
export interface RateLimitRedis {
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): unknown;
  multi(): unknown;
  readonly status?: string;
}

/** Where counts live: memory (no `redis`), or Redis under `prefix`. */
export interface FailureLimitBackend {
  readonly redis?: RateLimitRedis | undefined;
  /** Prepended to every Redis key, then the limit's name. */
  readonly prefix: string;
}

/** The key of `parts` in a limit: SHA-256 of their JSON, base64url (43 characters). */
export function limitKey(...parts: readonly (string | undefined)[]): string {
  return createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('base64url');
}

/**
 * What a source address counts as: an IPv4 address as itself, an IPv4-mapped IPv6
 * address as its IPv4 address, any other IPv6 address as its /64 network
 * (`2001:db8:0:1::/64`), so an attacker cannot step around a limit by taking the
 * next of the 2^64 addresses of one network. Anything else is kept as given.
 */
export function addressKey(ip: string | undefined): string | undefined {
  if (ip === undefined || !ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped !== null) return mapped[1];
  const address = ip.split('%')[0] as string;
  const halves = address.split('::');
  if (halves.length > 2) return ip;
  const groups = (half: string | undefined): string[] =>
    half === undefined || half === '' ? [] : half.split(':');
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  // An IPv4 tail (::ffff:1.2.3.4 was handled above; 64:ff9b::1.2.3.4 is not) is two groups.
  const width = head.length + tail.length + (tail.at(-1)?.includes('.') === true ? 1 : 0);
  if (halves.length === 2 && width > 7) return ip;
  const full =
    halves.length === 2 ? [...head, ...Array<string>(8 - width).fill('0'), ...tail] : head;
  const network = full.slice(0, 4);
  if (network.length < 4 || network.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return ip;
  return `${network.map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** Seconds (at least 1) of a rate-limiter-flexible answer. */
function secondsOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** One named limit on failures. */
export class FailureLimit {
  /** The limit's name: `client_auth`, `password`, … (events report it). */
  readonly name: string;
  readonly settings: FailureLimitSettings;
  readonly #limiter: RateLimiterAbstract;

  constructor(name: string, settings: FailureLimitSettings, backend: FailureLimitBackend) {
    this.name = name;
    this.settings = settings;
    const common = {
      keyPrefix: `${backend.prefix}${name}`,
      points: settings.failures,
      duration: settings.window,
      blockDuration: settings.block,
    };
    this.#limiter =
      backend.redis === undefined
        ? new RateLimiterMemory(common)
        : new RateLimiterRedis({
            ...common,
            storeClient: backend.redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory(common),
          } as ConstructorParameters<typeof RateLimiterRedis>[0]);
  }

  /** Seconds the key must wait before it may be tried again; 0 when it may be tried now. */
  async check(key: string): Promise<number> {
    const res = await this.#limiter.get(key);
    return res !== null && res.consumedPoints > this.settings.failures ? secondsOf(res) : 0;
  }

  /** Counts one failure. Returns the seconds to wait when this one went over, else 0. */
  async fail(key: string): Promise<number> {
    try {
      await this.#limiter.consume(key);
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return secondsOf(err);
      throw err;
    }
  }

  /** Forgets the key's failures (after a success). */
  async succeed(key: string): Promise<void> {
    await this.#limiter.delete(key);
  }
}
