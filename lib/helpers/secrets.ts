/**
 * Client secrets: made, hashed and checked. A plain secret is never stored.
 *
 * Two hash formats:
 * - `sha256:<digest>` for secrets made by {@link generateClientSecret} (256 random
 *   bits: nothing to brute-force, so one fast hash is enough);
 * - `scrypt:<N>:<r>:<p>:<salt>:<digest>` for secrets a person chose, which may be weak.
 *
 * Comparison is always constant-time over equal-length digests.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** A new client secret (256 random bits, base64url) and its hash for the client record. */
export function generateClientSecret(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, secretHash: `sha256:${sha256(secret)}` };
}

/**
 * Hashes a secret someone chose, with scrypt (N=16384, r=8, p=1, 16-byte salt).
 * Synchronous, for configuration code; about 50 ms.
 */
export function hashClientSecret(secret: string): string {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new TypeError('secret must be a non-empty string');
  const salt = randomBytes(16);
  const digest = scryptSync(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt:${SCRYPT.N}:${SCRYPT.r}:${SCRYPT.p}:${salt.toString('base64url')}:${digest.toString('base64url')}`;
}

/** Whether `hash` is in a format {@link verifyClientSecret} understands. */
export function isSecretHash(hash: string): boolean {
  return (
    /^sha256:[A-Za-z0-9_-]{43}$/.test(hash) ||
    /^scrypt:\d+:\d+:\d+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/.test(hash)
  );
}

/** Checks `secret` against a `sha256:` hash in constant time, synchronously. */
export function verifySha256Secret(secret: string, hash: string): boolean {
  return (
    hash.startsWith('sha256:') &&
    safeEqual(Buffer.from(sha256(secret), 'latin1'), Buffer.from(hash.slice(7), 'latin1'))
  );
}

/** Checks `secret` against a stored hash in constant time. Unknown formats never match. */
export async function verifyClientSecret(secret: string, hash: string): Promise<boolean> {
  if (hash.startsWith('sha256:')) return verifySha256Secret(secret, hash);
  if (hash.startsWith('scrypt:')) {
    const [, n, r, p, salt, digest] = hash.split(':');
    if (
      n === undefined ||
      r === undefined ||
      p === undefined ||
      salt === undefined ||
      digest === undefined
    )
      return false;
    const expected = Buffer.from(digest, 'base64url');
    const N = Number(n);
    const R = Number(r);
    const P = Number(p);
    // Parameters a stored hash may carry: anything else (a tampered or foreign
    // hash) is no match rather than an exception or a costly computation.
    if (
      !Number.isInteger(N) ||
      N < 2 ||
      N > 2 ** 20 ||
      (N & (N - 1)) !== 0 ||
      !Number.isInteger(R) ||
      R < 1 ||
      R > 32 ||
      !Number.isInteger(P) ||
      P < 1 ||
      P > 16 ||
      expected.length < 16
    ) {
      return false;
    }
    const actual = await new Promise<Buffer | undefined>((resolve) => {
      try {
        scrypt(
          secret,
          Buffer.from(salt, 'base64url'),
          expected.length,
          { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 },
          (err, key) => resolve(err ? undefined : key),
        );
      } catch {
        resolve(undefined);
      }
    });
    return actual !== undefined && safeEqual(actual, expected);
  }
  return false;
}

/** SHA-256, base64url: how codes and tokens are keyed in stores. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time comparison of two buffers (false for different lengths). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
