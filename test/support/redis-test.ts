/**
 * A connection to the Redis on 127.0.0.1:6379 for HTTP tests that run against it
 * (connect-redis sessions, the Redis record store), with the fail-fast options;
 * the suite is skipped loudly when Redis is absent (failed under CI=true).
 */
import { Redis } from 'ioredis';
import { redisFailFastOptions } from '../../lib/stores/redis.js';
import { isListening, requireService } from './services.js';

const HOST = '127.0.0.1';
const PORT = 6379;

/** Skips (or under CI fails) the suite when Redis is not listening. */
export function requireRedis(context: Mocha.Context): Promise<void> {
  return requireService(context, {
    name: `Redis on ${HOST}:${PORT}`,
    probe: () => isListening(PORT, HOST),
    hint: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
  });
}

/** A ready connection (the caller quits it). */
export async function connectRedis(): Promise<Redis> {
  const client = new Redis({ host: HOST, port: PORT, ...redisFailFastOptions, lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Every key matching `pattern` (SCAN, never KEYS). */
export async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key matching `pattern`. */
export async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  const keys = await scanKeys(client, pattern);
  for (const key of keys) await client.del(key);
}
