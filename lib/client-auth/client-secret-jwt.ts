/**
 * `client_secret_jwt` (RFC 7523 2.2; OpenID Connect Core 9): the client signs an
 * assertion with HMAC under a secret the server can read, the client's
 * `jwtSecret` (kept as configured: a hash would not verify an HMAC). The
 * assertion's rules are ./assertion.ts's.
 *
 * Rules:
 * - only HS256, HS384, HS512;
 * - the secret is at least as long as the hash (RFC 7518 3.2: 32, 48, 64
 *   bytes), else the assertion is refused;
 * - only configured clients have such a secret: registration does not offer
 *   this method, and a client store refuses to keep a client with a jwtSecret
 *   (README, "Decisions").
 */
import { JwsRefusal } from '../tokens/jws.js';
import { assertionMethod, type AssertionKey } from './assertion.js';
import type { ClientAuthenticationMethod } from './method.js';

const keyOf: AssertionKey = async (client, { alg }) => {
  const secret = client.jwtSecret;
  if (secret === undefined) throw new JwsRefusal('the client has no jwtSecret');
  if ((secret.symmetricKeySize ?? 0) * 8 < Number(alg.slice(2)))
    throw new JwsRefusal(`the client's jwtSecret is too short for ${alg}`);
  return secret;
};

export const clientSecretJwt: ClientAuthenticationMethod = assertionMethod(
  'client_secret_jwt',
  keyOf,
);
