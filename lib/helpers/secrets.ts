/**
 * Client secrets: made, hashed and checked. A plain secret is never stored.
 *
 * Three hash formats:
 * - `sha256:<digest>` for secrets made by {@link generateClientSecret} (256 random
 *   bits: nothing to brute-force, so one fast hash is enough);
 * - `scrypt-v2:<N>:<r>:<p>:<salt>:<digest>` for secrets a person chose, which may be
 *   weak: scrypt over HMAC-SHA256(salt, secret), an input of fixed length, made by
 *   {@link hashClientSecret};
 * - `scrypt:<N>:<r>:<p>:<salt>:<digest>`, the earlier format (scrypt over the secret
 *   itself): still verified, never made.
 *
 * Rules:
 * - a secret matches only the very string that was hashed, UTF-8 byte for byte: no
 *   Unicode normalisation, no trimming; a string with a lone surrogate (which UTF-8
 *   encoding would turn into U+FFFD, so two strings would be one) never matches and
 *   cannot be hashed;
 * - scrypt's PBKDF2-HMAC-SHA256 zero-pads a password shorter than 64 bytes and
 *   pre-hashes a longer one with SHA-256, so under the earlier `scrypt:` format
 *   `s`, `s\0` and, for a long `s`, the 32 bytes of SHA-256(s) are one password.
 *   That format therefore refuses every secret with a control character
 *   (U+0000–U+001F, U+007F–U+009F): every padded form, and every pre-hash but the
 *   rare ones that are valid UTF-8 without one (hashes of `scrypt-v2:` have no such
 *   class at all: re-hash earlier ones with {@link hashClientSecret});
 * - comparison is constant-time over equal-length digests;
 * - a hash in an unknown format, or whose scrypt parameters are out of bounds,
 *   never matches: false, never an exception, never a costly computation.
 */
import {
  createHash,
  createHmac,
  randomBytes,
  scrypt,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
const V2 = 'scrypt-v2:';
const V1 = 'scrypt:';
const SCRYPT_PARTS = /^\d+:\d+:\d+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/;
/** A lone surrogate: with the `u` flag, a surrogate pair is one code point and never matches. */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0 controls, DEL and C1 controls: what the earlier `scrypt:` format refuses. */
const CONTROL = /\p{Cc}/u;

/** A new client secret (256 random bits, base64url) and its hash for the client record. */
export function generateClientSecret(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, secretHash: `sha256:${sha256(secret)}` };
}

/**
 * Hashes a secret someone chose: `scrypt-v2`, scrypt (N=16384, r=8, p=1, 16-byte
 * salt) over HMAC-SHA256(salt, secret). Synchronous, for configuration code; about
 * 50 ms.
 * @throws TypeError for an empty string, a non-string, or a lone surrogate.
 */
export function hashClientSecret(secret: string): string {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new TypeError('secret must be a non-empty string');
  if (LONE_SURROGATE.test(secret))
    throw new TypeError('secret must be well-formed Unicode text (it has a lone surrogate)');
  const salt = randomBytes(16);
  const { N, r, p, keylen } = SCRYPT;
  const digest = scryptSync(fixedLength(secret, salt), salt, keylen, { N, r, p });
  return `${V2}${N}:${r}:${p}:${salt.toString('base64url')}:${digest.toString('base64url')}`;
}

/**
 * A hash in the current slow format that no secret matches (random salt and
 * digest): checking a secret against it costs what a wrong secret costs.
 */
export function decoySecretHash(): string {
  const { N, r, p, keylen } = SCRYPT;
  return `${V2}${N}:${r}:${p}:${randomBytes(16).toString('base64url')}:${randomBytes(keylen).toString('base64url')}`;
}

/** Whether `hash` is in a format {@link verifyClientSecret} understands. */
export function isSecretHash(hash: string): boolean {
  if (/^sha256:[A-Za-z0-9_-]{43}$/.test(hash)) return true;
  const parts = hash.startsWith(V2)
    ? hash.slice(V2.length)
    : hash.startsWith(V1)
      ? hash.slice(V1.length)
      : undefined;
  return parts !== undefined && SCRYPT_PARTS.test(parts);
}

/** Whether checking a secret against `hash` is fast (one SHA-256: a `sha256:` hash). */
export function isFastSecretHash(hash: string): boolean {
  return hash.startsWith('sha256:');
}

/** Checks `secret` against a `sha256:` hash in constant time, synchronously. */
export function verifySha256Secret(secret: string, hash: string): boolean {
  return (
    hash.startsWith('sha256:') &&
    !LONE_SURROGATE.test(secret) &&
    safeEqual(Buffer.from(sha256(secret), 'latin1'), Buffer.from(hash.slice(7), 'latin1'))
  );
}

/** Checks `secret` against a stored hash in constant time. Unknown formats never match. */
export async function verifyClientSecret(secret: string, hash: string): Promise<boolean> {
  if (typeof secret !== 'string' || typeof hash !== 'string') return false;
  if (hash.startsWith('sha256:')) return verifySha256Secret(secret, hash);
  if (LONE_SURROGATE.test(secret)) return false;
  if (hash.startsWith(V2)) {
    const stored = scryptParts(hash.slice(V2.length));
    if (stored === undefined) return false;
    return matches(fixedLength(secret, stored.salt), stored);
  }
  if (hash.startsWith(V1)) {
    const stored = scryptParts(hash.slice(V1.length));
    if (stored === undefined) return false;
    // The earlier format cannot tell `s` from `s\0` (see the header): refuse those
    // forms, after the same work as any wrong secret, so timing tells nothing.
    const match = await matches(Buffer.from(secret, 'utf8'), stored);
    return match && !CONTROL.test(secret);
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

/** The scrypt input of `scrypt-v2`: 32 bytes whatever the secret's length, so no padding class. */
function fixedLength(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}

interface ScryptParts {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly digest: Buffer;
}

/**
 * The parameters of `N:r:p:salt:digest`, or undefined when a part is missing or out
 * of the bounds a stored hash may carry (a tampered or foreign hash is no match
 * rather than an exception or a costly computation).
 */
function scryptParts(text: string): ScryptParts | undefined {
  const [n, r, p, salt, digest, extra] = text.split(':');
  if (salt === undefined || digest === undefined || extra !== undefined) return undefined;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const expected = Buffer.from(digest, 'base64url');
  const ok =
    Number.isInteger(N) &&
    N >= 2 &&
    N <= 2 ** 20 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(R) &&
    R >= 1 &&
    R <= 32 &&
    Number.isInteger(P) &&
    P >= 1 &&
    P <= 16 &&
    expected.length >= 16;
  return ok ? { N, r: R, p: P, salt: Buffer.from(salt, 'base64url'), digest: expected } : undefined;
}

/** Whether scrypt over `input` gives the stored digest (on the libuv pool). */
async function matches(input: Buffer, stored: ScryptParts): Promise<boolean> {
  const { N, r, p, salt, digest } = stored;
  const actual = await new Promise<Buffer | undefined>((resolve) => {
    try {
      scrypt(
        input,
        salt,
        digest.length,
        { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
        (err, key) => resolve(err ? undefined : key),
      );
    } catch {
      resolve(undefined);
    }
  });
  return actual !== undefined && safeEqual(actual, digest);
}
