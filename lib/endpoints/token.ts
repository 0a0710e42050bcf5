/**
 * The token endpoint (RFC 6749 3.2) as a short pipeline over the grant registry:
 *   `grant_type` present → grant registered (a Map lookup) → client authenticated
 *   (the client-authentication registry) → client allowed this grant → the DPoP
 *   proof, if any (lib/dpop/token-request.ts, RFC 9449 5) → the grant's handler
 *   → the RFC 6749 5.1 body.
 *
 * Rules:
 * - a missing `grant_type` is `invalid_request`; an unregistered one
 *   `unsupported_grant_type` (5.2);
 * - a client not registered for the grant type is `unauthorized_client` (5.2);
 * - the DPoP proof is checked after client authentication (so an unauthenticated
 *   request never reaches the replay cache) and before the grant, which binds
 *   its tokens to the proof's key.
 */
import {
  InvalidRequestError,
  quoteValue,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../errors.js';
import { tokenRequestProof } from '../dpop/token-request.js';
import type { DpopVerification } from '../dpop/verification.js';
import type { GrantContext, TokenGrant } from '../grants/grant.js';
import type { TokenResponseBody } from '../tokens/minter.js';
import type { RequestContext } from '../types.js';
import type { ClientAuthenticator } from './client-authenticator.js';

/** What the token endpoint needs from the engine. */
export interface TokenEndpointContext {
  readonly grants: ReadonlyMap<string, TokenGrant>;
  readonly authenticate: ClientAuthenticator;
  readonly grantContext: GrantContext;
  /** DPoP proof verification (RFC 9449). */
  readonly dpop: DpopVerification;
}

/** Answers one token request; throws an OAuth error for the engine to turn into 5.2. */
export async function token(
  request: RequestContext,
  context: TokenEndpointContext,
): Promise<TokenResponseBody> {
  const grantType = request.params['grant_type'];
  if (grantType === undefined) throw new InvalidRequestError('grant_type is required');
  const grant = context.grants.get(grantType);
  if (grant === undefined) {
    throw new UnsupportedGrantTypeError(`the grant type ${quoteValue(grantType)} is not supported`);
  }
  const { client } = await context.authenticate(request);
  if (!client.grantTypes.includes(grant.grantType)) {
    throw new UnauthorizedClientError(`the client may not use the ${grant.grantType} grant`);
  }
  const dpop = await tokenRequestProof(request, client, context.dpop);
  return grant.handle({ params: request.params, client, request, dpop }, context.grantContext);
}
