/**
 * PKCE (RFC 7636).
 *
 * Rules:
 * - `code_verifier` and `code_challenge` are 43–128 characters of
 *   [A-Z a-z 0-9 - . _ ~] (RFC 7636 4.1, 4.2).
 * - S256: BASE64URL(SHA256(verifier)) must equal the challenge, compared in constant time.
 * - `plain` is refused unless the server enables it (RFC 9700 2.1.1).
 */
import { createHash } from 'node:crypto';
import { safeEqual } from './secrets.js';

export type CodeChallengeMethod = 'S256' | 'plain';

const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Whether a string is a well-formed verifier or challenge. */
export function isPkceValue(value: string): boolean {
  return PKCE_VALUE.test(value);
}

/** The S256 challenge of a verifier. */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Whether `verifier` answers `challenge` under `method`. */
export function verifyCodeChallenge(
  verifier: string,
  challenge: string,
  method: CodeChallengeMethod,
): boolean {
  if (!isPkceValue(verifier) || !isPkceValue(challenge)) return false;
  const computed = method === 'S256' ? s256Challenge(verifier) : verifier;
  return safeEqual(Buffer.from(computed, 'ascii'), Buffer.from(challenge, 'ascii'));
}
