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
 * - a refresh token is issued when the client may use the refresh_token grant;
 * - `resource` (RFC 8707 2) names at most one configured resource, the token's
 *   audience and the only one its refresh token can reach; the scope must be one
 *   it accepts (a default scope is narrowed to it), as ../helpers/resources.ts says;
 * - failures are limited per username + source address (`meta.ip`) by the
 *   provider's `password` limit, the username in one case and Unicode form
 *   (NFKC, lower case: `Alice` and `alice` count together), the address as
 *   ../helpers/failure-limit.ts says (IPv6 by its /64): once over it, `verify` is not called and the
 *   answer is 429 `temporarily_unavailable` with `Retry-After`, and a `rate_limited`
 *   event with the username's hash (never the username); a success forgets the
 *   failures.
 */
import { InvalidGrantError, InvalidRequestError, TooManyFailuresError } from '../errors.js';
import { addressKey, limitKey, type FailureLimit } from '../helpers/failure-limit.js';
import { sha256 } from '../helpers/secrets.js';
import type { Client, RequestContext } from '../types.js';
import {
  mayRefresh,
  newGrantTarget,
  RESOURCE_PARAMETER,
  type GrantContext,
  type GrantOptions,
  type TokenGrant,
} from './grant.js';

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

/** A username as the limit counts it: `Alice`, `alice` and `ａｌｉｃｅ` are one. */
function canonical(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

/** The refusal of a username + address that failed too often, reported as `rate_limited`. */
function refuse(
  retryAfter: number,
  attempt: { username: string; client: Client; request: RequestContext },
  context: GrantContext,
): TooManyFailuresError {
  const error = new TooManyFailuresError(retryAfter, {
    detail: 'too many failed password grants for this username and address',
  });
  if (context.events.wants('rate_limited')) {
    context.events.emit('rate_limited', {
      time: context.clock(),
      requestId: attempt.request.meta.requestId,
      limit: 'password',
      clientId: attempt.client.id,
      usernameHash: sha256(canonical(attempt.username)),
      ip: attempt.request.meta.ip,
      retryAfter: error.retryAfter,
    });
  }
  return error;
}

/**
 * The password grant.
 * @param limit the provider's `password` failure limit; undefined: failures are not limited.
 */
export function passwordGrant(
  options: Required<PasswordGrantOptions>,
  limit?: FailureLimit,
): TokenGrant {
  return {
    grantType: 'password',
    repeatable: RESOURCE_PARAMETER,
    async handle(grantRequest, context) {
      const { params, client, request } = grantRequest;
      const username = params['username'];
      const password = params['password'];
      if (username === undefined) throw new InvalidRequestError('username is required');
      if (password === undefined) throw new InvalidRequestError('password is required');
      const { resource, scope } = newGrantTarget(grantRequest, context);
      const attempt = { username, client, request };
      const key = limitKey(canonical(username), addressKey(request.meta.ip));
      const wait = limit === undefined ? 0 : await limit.check(key);
      if (wait > 0) throw refuse(wait, attempt, context);
      const owner = await options.verify({ username, password, client, scope });
      if (owner === undefined || owner === null) {
        const over = limit === undefined ? 0 : await limit.fail(key);
        if (over > 0) throw refuse(over, attempt, context);
        throw new InvalidGrantError('the resource owner credentials are invalid');
      }
      if (limit !== undefined) await limit.succeed(key);
      if (typeof owner.subject !== 'string' || owner.subject === '')
        throw new TypeError(
          'password grant: verify() must return { subject: string } or undefined',
        );
      return context.tokens.issue({
        client,
        subject: owner.subject,
        scope,
        grantType: 'password',
        dpop: grantRequest.dpop,
        grantId: context.tokens.newGrantId(),
        accessTokenLifetime: options.accessTokenLifetime,
        unique: options.uniqueTokens,
        resource,
        refreshToken: mayRefresh(client, context)
          ? {
              lifetime: context.refreshTokens.lifetime,
              scope,
              resources: resource === undefined ? undefined : [resource.resource],
            }
          : undefined,
      });
    },
  };
}
