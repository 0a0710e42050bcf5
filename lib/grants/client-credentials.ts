/**
 * `client_credentials` (RFC 6749 4.4; the seed's `ClientCredentialsGrant`).
 *
 * Rules:
 * - only a confidential client, already authenticated, may use it (4.4);
 * - the scope is checked against the server's and the client's (3.3);
 * - the token's subject is the client itself (RFC 9068 2.2);
 * - no refresh token is issued (4.4.3).
 */
import { UnauthorizedClientError } from '../errors.js';
import { isPublicClient } from '../types.js';
import type { GrantOptions, TokenGrant } from './grant.js';

export function clientCredentialsGrant(options: Required<GrantOptions>): TokenGrant {
  return {
    grantType: 'client_credentials',
    async handle({ params, client }, context) {
      if (isPublicClient(client))
        throw new UnauthorizedClientError(
          'a public client cannot use the client_credentials grant',
        );
      const scope = context.scopes.resolve(client, context.scopes.parse(params['scope']));
      return context.tokens.issue({
        client,
        subject: client.id,
        scope,
        grantType: 'client_credentials',
        grantId: context.tokens.newGrantId(),
        accessTokenLifetime: options.accessTokenLifetime,
        unique: options.uniqueTokens,
      });
    },
  };
}
