/**
 * `options.openid.pairwiseKey`: the secret of pairwise subjects (OpenID Connect
 * Core 1.0 8.1, ./subject.ts), checked once and kept as a key object.
 *
 * Rules:
 * - a string (its UTF-8 bytes), a Buffer or Uint8Array, or a `KeyObject` of
 *   type `secret`, of at least {@link MIN_PAIRWISE_KEY_BYTES} bytes; anything
 *   else is a TypeError naming the option and the fix;
 * - the bytes are copied into a `KeyObject` at once, so the caller's buffer may
 *   change afterwards and the key never shows in JSON or logs.
 */
import { createSecretKey, KeyObject } from 'node:crypto';

/** The shortest pairwise key accepted, in bytes (256 bits, HMAC-SHA256's block strength). */
export const MIN_PAIRWISE_KEY_BYTES = 32;

const PROBLEM = `options.openid.pairwiseKey must be a secret of at least ${MIN_PAIRWISE_KEY_BYTES} bytes: a string, a Buffer or Uint8Array, or a secret KeyObject (e.g. crypto.randomBytes(32).toString('base64url') kept in your secrets)`;

/** The checked pairwise key; undefined when none is given (rules above). */
export function resolvePairwiseKey(value: unknown): KeyObject | undefined {
  if (value === undefined) return undefined;
  const key =
    value instanceof KeyObject
      ? value
      : typeof value === 'string'
        ? createSecretKey(Buffer.from(value, 'utf8'))
        : value instanceof Uint8Array
          ? createSecretKey(Buffer.from(value))
          : undefined;
  if (key?.type !== 'secret' || (key.symmetricKeySize ?? 0) < MIN_PAIRWISE_KEY_BYTES)
    throw new TypeError(PROBLEM);
  return key;
}

/** OIDC Discovery's `subject_types_supported`: `pairwise` only with a pairwise key. */
export function subjectTypesSupported(
  key: KeyObject | undefined,
): readonly ('public' | 'pairwise')[] {
  return key === undefined ? ['public'] : ['public', 'pairwise'];
}
