/**
 * The shared-secret check of `client_secret_basic` and `client_secret_post`.
 *
 * Rules:
 * - the presented secret is checked in constant time against the client's stored
 *   hash (SHA-256 for generated secrets, without a promise; scrypt for chosen ones);
 * - a client without a hash never matches.
 */
import { verifyClientSecret, verifySha256Secret } from '../helpers/secrets.js';
import type { Client } from '../types.js';

/** The realm of the `Basic` challenge of every failed client authentication. */
export const BASIC_REALM = 'oauth2';

/** Whether `secret` is the client's secret. */
export function verifySecret(
  secret: string | undefined,
  client: Client,
): boolean | Promise<boolean> {
  const hash = client.secretHash;
  if (hash === undefined || secret === undefined) return false;
  return hash.startsWith('sha256:')
    ? verifySha256Secret(secret, hash)
    : verifyClientSecret(secret, hash);
}
