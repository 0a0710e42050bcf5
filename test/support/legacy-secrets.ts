/**
 * Client secret hashes in the earlier `scrypt:` format (scrypt over the secret
 * itself), made exactly as hashClientSecret() made them before `scrypt-v2`, so the
 * tests can check that stored hashes of that format keep verifying their secret
 * and refuse the inputs scrypt cannot tell from it.
 */
import { randomBytes, scryptSync } from 'node:crypto';

/** A `scrypt:N:r:p:salt:digest` hash of `secret` (N=16384, r=8, p=1, 16-byte salt). */
export function legacyScryptHash(secret: string): string {
  const salt = randomBytes(16);
  const digest = scryptSync(secret, salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt:16384:8:1:${salt.toString('base64url')}:${digest.toString('base64url')}`;
}

/** A hash of `demo-service-secret` made by the library before `scrypt-v2` (a stored one). */
export const STORED_LEGACY_HASH =
  'scrypt:16384:8:1:1wwH3Zh9yXIjA-POuEIDvg:Z6t6P-vDSr5u-nmkJ8XRzU5iVFPOO3zJzF3gstdi4QM';
export const STORED_LEGACY_SECRET = 'demo-service-secret';
