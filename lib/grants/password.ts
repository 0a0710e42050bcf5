/**
 * `password`, the resource owner password credentials grant (RFC 6749 4.3; the
 * seed's `ResourceOwnerGrant`).
 *
 * @deprecated RFC 9700 2.4: "The resource owner password credentials grant MUST
 * NOT be used." It is off unless the host app enables it with a `verify` callback.
 *
 * Rules:
 * - `username` and `password` are required (`invalid_request`);
 * - wrong credentials are `invalid_grant` (5.2), never `invalid_client`;
 * - a refresh token is issued when the client may use the refresh_token grant.
 */
import { InvalidGrantError, InvalidRequestError } from '../errors.js';
import type { Client } from '../types.js';
import { mayRefresh, type GrantOptions, type TokenGrant } from './grant.js';

/** What `verify` gets. */
export interface PasswordCredentials {
  username: string;
  password: string;
  client: Client;
  scope: readonly string[];
}

export interface PasswordGrantOptions extends GrantOptions {
  /**
   * Checks the resource owner's credentials; returns the owner's stable subject
   * identifier, or undefined when they are wrong. Compare passwords in constant time.
   */
  verify(credentials: PasswordCredentials): Promise<{ subject: string } | undefined>;
}

export function passwordGrant(options: Required<PasswordGrantOptions>): TokenGrant {
  return {
    grantType: 'password',
    async handle({ params, client }, context) {
      const username = params['username'];
      const password = params['password'];
      if (username === undefined) throw new InvalidRequestError('username is required');
      if (password === undefined) throw new InvalidRequestError('password is required');
      const scope = context.scopes.resolve(client, context.scopes.parse(params['scope']));
      const owner = await options.verify({ username, password, client, scope });
      if (owner === undefined || owner === null)
        throw new InvalidGrantError('the resource owner credentials are invalid');
      if (typeof owner.subject !== 'string' || owner.subject === '')
        throw new TypeError(
          'password grant: verify() must return { subject: string } or undefined',
        );
      return context.tokens.issue({
        client,
        subject: owner.subject,
        scope,
        grantType: 'password',
        grantId: context.tokens.newGrantId(),
        accessTokenLifetime: options.accessTokenLifetime,
        unique: options.uniqueTokens,
        refreshToken: mayRefresh(client, context)
          ? { lifetime: context.refreshTokens.lifetime, scope }
          : undefined,
      });
    },
  };
}
