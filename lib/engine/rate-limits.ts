/**
 * The provider's `rateLimits` option: its types, defaults and checks, and the
 * limits and the secret checker built from it.
 *
 *     createAuthorizationServer({ issuer, clients, rateLimits: { redis } }); // shared by processes
 *
 * Rules:
 * - every limit has a name (`client_auth`, `password`, `registration`,
 *   `device_user_code`, `public_client_writes`; later issues
 *   add theirs to {@link LIMIT_DEFAULTS}) and counts failures only, per key
 *   (../helpers/failure-limit.ts), except `registration` and
 *   `public_client_writes`, which count every attempt per source address (their
 *   `failures` are attempts; ./attempt-limit.ts): every registration, and every
 *   PAR push (RFC 9126 2) and device authorization request (RFC 8628 3.1) of a
 *   public client, each of which writes a record;
 * - counts live in this process's memory by default, or in the Redis the host
 *   passes (an ioredis client it made and closes): processes sharing it share the
 *   counts; keys are `<prefix><limit name>:<hash>`;
 * - a limit set to `false` is off; a wrong value or an unknown key is a TypeError
 *   naming it;
 * - the slow secret checks have their own bounds (`secretChecks`): a cap on how
 *   many run and wait, and the size of the verified-secret cache.
 */
import { SecretChecker } from '../client-auth/secret-checker.js';
import {
  FailureLimit,
  type FailureLimitSettings,
  type RateLimitRedis,
} from '../helpers/failure-limit.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import type { Clock } from '../types.js';
import type { OAuthEventBus } from './events.js';

export type { FailureLimitSettings, RateLimitRedis } from '../helpers/failure-limit.js';

/** The limits by name, with their defaults. */
export const LIMIT_DEFAULTS = Object.freeze({
  /** Failed client authentication per client id + address: 10 a minute, then a minute's refusal. */
  clientAuth: Object.freeze({ failures: 10, window: 60, block: 60 }),
  /** Failed password grants per username + address: 5 in 5 minutes, then 5 minutes' refusal. */
  password: Object.freeze({ failures: 5, window: 300, block: 300 }),
  /** Registration attempts (RFC 7591) per source address: 10 a minute, then a minute's refusal. */
  registration: Object.freeze({ failures: 10, window: 60, block: 60 }),
  /** Wrong user codes on the device verification page (RFC 8628 5.1), per session and per address. */
  deviceUserCode: Object.freeze({ failures: 10, window: 300, block: 300 }),
  /**
   * PAR pushes and device authorizations of public clients (each writes a record), per
   * source address: 30 a minute, then a minute's refusal.
   */
  publicClientWrites: Object.freeze({ failures: 30, window: 60, block: 60 }),
} satisfies Record<string, FailureLimitSettings>);

/** The name of a limit, as the option names it. */
export type LimitName = keyof typeof LIMIT_DEFAULTS;

/** The name a limit has in events and Redis keys. */
const EVENT_NAMES: Readonly<Record<LimitName, string>> = {
  clientAuth: 'client_auth',
  password: 'password',
  registration: 'registration',
  deviceUserCode: 'device_user_code',
  publicClientWrites: 'public_client_writes',
};

/** The `rateLimits` option of the provider. */
export interface RateLimitOptions {
  /**
   * An ioredis `Redis` or `Cluster` the host made (and closes): every process given
   * the same Redis shares the counts. Default: none, counts in this process's memory.
   */
  redis?: RateLimitRedis;
  /** Prefix of the Redis keys. Default `oauth2:rl:`. */
  prefix?: string;
  /**
   * Failed client authentication per client id + source address (an unknown client
   * id counts like a wrong secret). Default `{ failures: 10, window: 60, block: 60 }`
   * (window and block in seconds); `true` is the default, `false` turns it off.
   */
  clientAuth?: boolean | Partial<FailureLimitSettings>;
  /**
   * Failed password grants per username + source address. Default
   * `{ failures: 5, window: 300, block: 300 }` (seconds); `true` is the default,
   * `false` turns it off.
   */
  password?: boolean | Partial<FailureLimitSettings>;
  /**
   * Dynamic client registrations per source address (an IPv6 address by its /64),
   * every attempt counted, failed or not: `failures` is the number of attempts.
   * Default `{ failures: 10, window: 60, block: 60 }` (seconds); `true` is the
   * default, `false` turns it off.
   */
  registration?: boolean | Partial<FailureLimitSettings>;
  /**
   * Wrong, used or expired user codes entered on the device verification page
   * (RFC 8628 5.1: brute force of user codes), counted per session and per
   * source address (an IPv6 address by its /64); a valid code never resets the
   * count. Default `{ failures: 10, window: 300, block: 300 }` (seconds); `true`
   * is the default, `false` turns it off.
   */
  deviceUserCode?: boolean | Partial<FailureLimitSettings>;
  /**
   * Pushed authorization requests (RFC 9126 2) and device authorization
   * requests (RFC 8628 3.1) of public clients (auth method `none`: anyone who
   * knows the `client_id` can send them, and each writes a record), per source
   * address (an IPv6 address by its /64), every request counted, failed or not:
   * `failures` is the number of requests. Confidential clients are never counted.
   * Default `{ failures: 30, window: 60, block: 60 }` (seconds); `true` is the
   * default, `false` turns it off.
   */
  publicClientWrites?: boolean | Partial<FailureLimitSettings>;
  /** Bounds of the slow (scrypt) client secret checks. */
  secretChecks?: {
    /** Slow checks run at once (on libuv's pool of 4 threads). Default 2. */
    concurrency?: number;
    /** Slow checks that may wait for a place; one more is 503. Default 32. */
    queue?: number;
    /** Client secrets remembered once verified (per process). Default 1000. */
    cacheSize?: number;
  };
}

/** The checked `rateLimits` option. */
export interface ResolvedRateLimits {
  readonly redis: RateLimitRedis | undefined;
  readonly prefix: string;
  /** The settings of each limit; undefined: off. */
  readonly limits: Readonly<Record<LimitName, FailureLimitSettings | undefined>>;
  readonly secretChecks: {
    readonly concurrency: number;
    readonly queue: number;
    readonly cacheSize: number;
  };
}

/** What the provider builds from the option. */
export interface RateLimiters {
  /** The check of shared client secrets, with the `client_auth` limit. */
  readonly secrets: SecretChecker;
  /** The limit of each name; undefined: off. */
  readonly limits: Readonly<Record<LimitName, FailureLimit | undefined>>;
}

const KEYS = optionKeys<RateLimitOptions>({
  redis: true,
  prefix: true,
  clientAuth: true,
  password: true,
  registration: true,
  deviceUserCode: true,
  publicClientWrites: true,
  secretChecks: true,
});
const SETTING_KEYS = optionKeys<FailureLimitSettings>({
  failures: true,
  window: true,
  block: true,
});
const SECRET_CHECK_KEYS = optionKeys<RateLimitOptions['secretChecks']>({
  concurrency: true,
  queue: true,
  cacheSize: true,
});

function whole(path: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new TypeError(`${path} must be a whole number >= ${min}`);
  return value;
}

function object(path: string, value: unknown): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${path} must be an object`);
  return value;
}

function limitSettings(name: LimitName, value: unknown): FailureLimitSettings | undefined {
  if (value === false) return undefined;
  const path = `options.rateLimits.${name}`;
  const defaults = LIMIT_DEFAULTS[name];
  if (value === undefined || value === true) return defaults;
  const given = object(`${path} (or a boolean)`, value) as Partial<FailureLimitSettings>;
  checkOptionKeys(given, SETTING_KEYS, path);
  return Object.freeze({
    failures: whole(`${path}.failures`, given.failures, defaults.failures, 1),
    window: whole(`${path}.window`, given.window, defaults.window, 1),
    block: whole(`${path}.block`, given.block, defaults.block, 1),
  });
}

function redisOf(value: unknown): RateLimitRedis | undefined {
  if (value === undefined) return undefined;
  const redis = value as Partial<RateLimitRedis> | null;
  if (
    typeof redis !== 'object' ||
    redis === null ||
    typeof redis.defineCommand !== 'function' ||
    typeof redis.multi !== 'function'
  ) {
    throw new TypeError('options.rateLimits.redis must be an ioredis Redis or Cluster client');
  }
  return redis as RateLimitRedis;
}

/** Checks the `rateLimits` option and fills in every default. */
export function resolveRateLimits(value: RateLimitOptions | undefined): ResolvedRateLimits {
  const given =
    value === undefined ? {} : (object('options.rateLimits', value) as RateLimitOptions);
  checkOptionKeys(given, KEYS, 'options.rateLimits');
  const prefix = given.prefix ?? 'oauth2:rl:';
  if (typeof prefix !== 'string') throw new TypeError('options.rateLimits.prefix must be a string');
  const checks = object('options.rateLimits.secretChecks', given.secretChecks ?? {});
  checkOptionKeys(checks, SECRET_CHECK_KEYS, 'options.rateLimits.secretChecks');
  const c = checks as NonNullable<RateLimitOptions['secretChecks']>;
  const path = 'options.rateLimits.secretChecks';
  return Object.freeze({
    redis: redisOf(given.redis),
    prefix,
    limits: Object.freeze({
      clientAuth: limitSettings('clientAuth', given.clientAuth),
      password: limitSettings('password', given.password),
      registration: limitSettings('registration', given.registration),
      deviceUserCode: limitSettings('deviceUserCode', given.deviceUserCode),
      publicClientWrites: limitSettings('publicClientWrites', given.publicClientWrites),
    }),
    secretChecks: Object.freeze({
      concurrency: whole(`${path}.concurrency`, c.concurrency, 2, 1),
      queue: whole(`${path}.queue`, c.queue, 32, 0),
      cacheSize: whole(`${path}.cacheSize`, c.cacheSize, 1000, 1),
    }),
  });
}

/** The limits and the secret checker of a provider. */
export function rateLimiters(
  resolved: ResolvedRateLimits,
  events: OAuthEventBus,
  clock: Clock,
): RateLimiters {
  const backend = { redis: resolved.redis, prefix: resolved.prefix };
  const limit = (name: LimitName): FailureLimit | undefined => {
    const settings = resolved.limits[name];
    return settings === undefined
      ? undefined
      : new FailureLimit(EVENT_NAMES[name], settings, backend);
  };
  const limits = Object.freeze({
    clientAuth: limit('clientAuth'),
    password: limit('password'),
    registration: limit('registration'),
    deviceUserCode: limit('deviceUserCode'),
    publicClientWrites: limit('publicClientWrites'),
  });
  const secrets = new SecretChecker({
    ...resolved.secretChecks,
    limit: limits.clientAuth,
    events,
    clock,
  });
  return Object.freeze({ secrets, limits });
}
