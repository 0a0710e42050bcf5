/**
 * What a DPoP proof at the token endpoint binds, and the check of grants bound
 * to a key (RFC 9449 5, 10).
 *
 * Rules:
 * - the access token is bound to the proof's key whenever a proof came (5): its
 *   `cnf.jkt` (JWT) or record's `jkt` (opaque) is the key's thumbprint;
 * - a refresh token is bound to the proof's key only for a public client (5: "the
 *   refresh token issued to a public client is bound to the public key of the
 *   DPoP proof"); a confidential client's refresh token is bound to the client by
 *   its authentication instead, and each of its refreshes binds the new access
 *   token to whatever key that refresh proves;
 * - a grant bound to a key (a bound refresh token; a code from a request with
 *   `dpop_jkt`, 10) needs a proof: none is `invalid_dpop_proof` (the request
 *   lacks the proof it needs, 5); one of another key is `invalid_grant` with the
 *   fixed public text (the grant is not usable by this key: RFC 6749 5.2, "does
 *   not match"), the reason in the detail.
 */
import { InvalidDpopProofError, InvalidGrantError } from '../errors.js';
import { isPublicClient, type Client } from '../types.js';
import type { VerifiedProof } from './proof.js';

/** The thumbprint a new refresh token is bound to, if any (rules above). */
export function refreshTokenJkt(
  client: Client,
  proof: VerifiedProof | undefined,
): string | undefined {
  return proof !== undefined && isPublicClient(client) ? proof.jkt : undefined;
}

/**
 * Refuses a request for a grant bound to `boundJkt` that does not prove that key.
 * @param what the grant, for the private detail: `refresh token`, `authorization code`.
 */
export function checkKeyBinding(
  boundJkt: string | undefined,
  proof: VerifiedProof | undefined,
  what: string,
): void {
  if (boundJkt === undefined) return;
  if (proof === undefined)
    throw new InvalidDpopProofError(`a DPoP proof is required: the ${what} is bound to a key`);
  if (proof.jkt !== boundJkt)
    throw new InvalidGrantError(`the ${what} is bound to another DPoP key`);
}
