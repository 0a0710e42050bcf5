/**
 * Opaque token generators (the seed's `Uuid4TokenGenerator` and
 * `URandomTokenGenerator`). Used for authorization codes, refresh tokens and
 * opaque access tokens.
 *
 * UUIDs come from Node's `crypto.randomUUID()` (RFC 9562 version 4, from the
 * CSPRNG) rather than the `uuid` package: same output, no dependency.
 * Random tokens use the synchronous `randomBytes`, which is cheaper per call than
 * the async form's thread-pool hop.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** Makes new unguessable token strings. */
export interface TokenGenerator {
  generate(): string;
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
  if (!Number.isInteger(bytes) || bytes < 16) throw new TypeError('randomTokenGenerator: bytes must be an integer of at least 16');
  return { generate: () => randomBytes(bytes).toString('base64url') };
}
