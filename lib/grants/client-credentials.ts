/**
 * `client_credentials` (RFC 6749 4.4; the seed's `ClientCredentialsGrant`).
 *
 * Rules:
 * - only a confidential client, already authenticated, may use it (4.4);
 * - the scope is checked against the server's and the client's (3.3);
 * - `resource` (RFC 8707 2) names at most one configured resource, the token's
 *   audience; the scope must be one it accepts (a default scope is narrowed to
 *   it), as ../helpers/resources.ts says;
 * - the token's subject is the client itself (RFC 9068 2.2);
 * - no refresh token is issued (4.4.3).
 */
import { UnauthorizedClientError } from '../errors.js';
import { isPublicClient } from '../types.js';
import { newGrantTarget, RESOURCE_PARAMETER, type GrantOptions, type TokenGrant } from './grant.js';

export function clientCredentialsGrant(options: Required<GrantOptions>): TokenGrant {
  return {
    grantType: 'client_credentials',
    repeatable: RESOURCE_PARAMETER,
    async handle(grantRequest, context) {
      const client = grantRequest.client;
      if (isPublicClient(client))
        throw new UnauthorizedClientError(
          'a public client cannot use the client_credentials grant',
        );
      const { resource, scope } = newGrantTarget(grantRequest, context);
      return context.tokens.issue({
        client,
        subject: client.id,
        scope,
        resource,
        grantType: 'client_credentials',
        grantId: context.tokens.newGrantId(),
        accessTokenLifetime: options.accessTokenLifetime,
        unique: options.uniqueTokens,
        dpop: grantRequest.dpop,
      });
    },
  };
}
