/**
 * Helpers for the scale-out tests over Redis: ready connections with the
 * fail-fast options, key counting with SCAN, and "processes" of one
 * authorization server made in this process (each a Provider over its own Redis
 * connection, the same issuer, keys and prefix), so a test can revoke at one and
 * poll the other without child processes.
 */
import { Redis, type RedisOptions } from 'ioredis';
import {
  generateSigningKey,
  Provider,
  type ProviderOptions,
  type SigningKey,
} from '../../index.js';
import { redisFailFastOptions, redisStores } from '../../lib/stores/redis.js';
import { basic } from '../support/engine.js';
import { providerOptions, secrets } from '../support/fixtures.js';
import { until } from '../support/processes.js';

/** A ready connection with the fail-fast options; errors reach the calls, not the console. */
export async function connectRedis(port = 6379, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    ...redisFailFastOptions,
    lazyConnect: true,
    ...options,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** How many keys start with `prefix` (SCAN, never KEYS). */
export async function countKeys(client: Redis, prefix: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    count += keys.length;
    cursor = next;
  } while (cursor !== '0');
  return count;
}

/** One process of a server whose processes share `key` and the Redis under `prefix`. */
export function redisProvider(
  client: Redis,
  prefix: string,
  key: SigningKey,
  overrides: Partial<ProviderOptions> = {},
): Provider {
  return new Provider(
    providerOptions({
      stores: redisStores({ client, prefix }),
      signingKeys: [key],
      ...overrides,
    }),
  );
}

/** A fresh signing key for one test's server. */
export const serverKey = (): SigningKey => generateSigningKey();

export const SERVICE = basic('service', secrets.service.secret);
export const WEB = basic('web', secrets.web.secret);

/** Whether `provider` accepts `token` (false for invalid_token; other errors throw). */
export async function accepts(provider: Provider, token: string): Promise<boolean> {
  try {
    await provider.verifyAccessToken(token);
    return true;
  } catch (err) {
    if ((err as { error?: string }).error === 'invalid_token') return false;
    throw err;
  }
}

/** Polls (every 100 ms, up to `ms`) until `provider` refuses `token`. */
export function untilRefused(provider: Provider, token: string, what: string, ms = 5000) {
  return until(what, async () => !(await accepts(provider, token)), ms);
}
