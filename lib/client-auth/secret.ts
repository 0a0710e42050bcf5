/**
 * The shared-secret check of `client_secret_basic` and `client_secret_post`.
 *
 * Rules:
 * - the presented secret is checked against the client's stored hash by the
 *   provider's secret checker (./secret-checker.ts: exact byte for byte, a cache of
 *   verified secrets, a cap on slow checks, failures limited per client id +
 *   address); without one (a method called outside a provider), by the hash alone;
 * - a client without a hash never matches, nor one whose secret expired
 *   (`client_secret_expires_at`, RFC 7591 3.2.1).
 */
import { verifyClientSecret, verifySha256Secret } from '../helpers/secrets.js';
import type { Client } from '../types.js';
import type { ClientAuthContext, PresentedCredentials } from './method.js';

/** The realm of the `Basic` challenge of every failed client authentication. */
export const BASIC_REALM = 'oauth2';

/**
 * Whether the presented secret is the client's.
 * @throws TooManyFailuresError (429) or TemporarilyUnavailableError (503) from the
 *   provider's secret checker.
 */
export function verifySecret(
  presented: PresentedCredentials,
  client: Client,
  context: ClientAuthContext,
): boolean | Promise<boolean> {
  const { secret, clientId } = presented;
  if (secret === undefined) return false;
  // RFC 7591 3.2.1 client_secret_expires_at (epoch seconds; 0: never).
  const expiresAt = client.clientSecretExpiresAt ?? 0;
  if (expiresAt !== 0 && context.now() >= expiresAt * 1000) return false;
  const hash = client.secretHash;
  if (context.secrets !== undefined)
    return context.secrets.verify({ clientId, secret, request: context.request }, hash);
  if (hash === undefined) return false;
  return hash.startsWith('sha256:')
    ? verifySha256Secret(secret, hash)
    : verifyClientSecret(secret, hash);
}
