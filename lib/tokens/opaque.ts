/**
 * Opaque token generators (the seed's `Uuid4TokenGenerator` and
 * `URandomTokenGenerator`). Used for authorization codes, refresh tokens and
 * opaque access tokens.
 *
 * UUIDs come from Node's `crypto.randomUUID()` (RFC 9562 version 4, from the
 * CSPRNG) rather than the `uuid` package: same output, no dependency.
 * Random tokens are cut from a pool of CSPRNG bytes refilled with the synchronous
 * `randomFillSync` (no thread-pool hop); each byte is handed out once.
 */
import { randomFillSync, randomUUID } from 'node:crypto';

/** Makes new unguessable token strings. */
export interface TokenGenerator {
  generate(): string;
}

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` fresh random bytes, encoded as base64url. */
function randomText(n: number): string {
  if (n > POOL_SIZE) return randomFillSync(Buffer.allocUnsafe(n)).toString('base64url');
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const text = pool.toString('base64url', offset, offset + n);
  offset += n;
  return text;
}

/** UUID version 4 tokens (122 random bits). */
export function uuid4TokenGenerator(): TokenGenerator {
  return { generate: () => randomUUID() };
}

/**
 * Random tokens, base64url.
 * @param bytes random bytes per token; default 32 (256 bits), at least 16.
 */
export function randomTokenGenerator(bytes = 32): TokenGenerator {
  if (!Number.isInteger(bytes) || bytes < 16)
    throw new TypeError('randomTokenGenerator: bytes must be an integer of at least 16');
  return { generate: () => randomText(bytes) };
}
