/**
 * The DPoP step of the token endpoint (RFC 9449 5): the proof of a token request,
 * verified before the grant runs.
 *
 * Rules:
 * - a request with a `DPoP` header has its proof verified (./proof.ts) with
 *   `htm` the request method and `htu` the token endpoint's URL from the request
 *   context (built from the issuer, never from Host); a bad proof is
 *   `invalid_dpop_proof`, status 400 (5);
 * - with server nonces on, a proof without a current nonce is `use_dpop_nonce`
 *   with a `DPoP-Nonce` header (8);
 * - a client registered with `dpop_bound_access_tokens: true` must send a proof
 *   (5.2); without one the request is `invalid_dpop_proof`;
 * - without a header (and no such client), there is no proof: the grant issues
 *   Bearer tokens as before.
 */
import { InvalidDpopProofError } from '../errors.js';
import type { Client, RequestContext } from '../types.js';
import { verifyDpopProof, type VerifiedProof } from './proof.js';
import type { DpopVerification } from './verification.js';

/** The verified proof of a token request, or undefined when it has none (rules above). */
export async function tokenRequestProof(
  request: RequestContext,
  client: Client,
  dpop: DpopVerification,
): Promise<VerifiedProof | undefined> {
  const header = request.header('dpop');
  if (header === undefined) {
    if (client.dpopBoundAccessTokens === true)
      throw new InvalidDpopProofError('this client must send a DPoP proof');
    return undefined;
  }
  const expect = {
    htm: request.method,
    htu: request.url,
    ...(dpop.nonces === undefined ? {} : { nonce: dpop.nonces }),
  };
  return verifyDpopProof(header, expect, dpop.context);
}
