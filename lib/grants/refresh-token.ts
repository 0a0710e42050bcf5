/**
 * `refresh_token` (RFC 6749 6; the seed's `RefreshToken` grant), with rotation.
 *
 * Rules:
 * - `refresh_token` is required (`invalid_request`); an unknown, expired or
 *   revoked one is `invalid_grant`;
 * - it is bound to its client: another client's is `invalid_grant`;
 * - the scope may be narrowed, never widened (`invalid_scope`); the new refresh
 *   token keeps the original scope (6);
 * - rotation (default, RFC 9700 4.14.2): each use returns a new refresh token and
 *   retires the old one atomically; presenting a retired one revokes the whole
 *   token family (`invalid_grant`), unless it was retired less than
 *   `reuseGracePeriod` seconds ago (opt-in, for clients that retry);
 * - without rotation the same refresh token stays valid and none is returned.
 */
import { InvalidGrantError, InvalidRequestError } from '../errors.js';
import { sha256 } from '../helpers/secrets.js';
import type { RefreshTokenRecord } from '../types.js';
import type { GrantContext, GrantOptions, TokenGrant } from './grant.js';

export interface RefreshTokenGrantOptions extends GrantOptions {
  /** Return a new refresh token on each use and retire the old one. Default true. */
  rotate?: boolean;
  /** Seconds during which a just-retired refresh token may be used again. Default 0. */
  reuseGracePeriod?: number;
}

async function reuse(
  record: RefreshTokenRecord,
  grace: number,
  context: GrantContext,
): Promise<void> {
  if (grace > 0 && record.consumedAt !== undefined && context.now() - record.consumedAt <= grace)
    return;
  await context.revokeGrant(record.grantId, 'refresh_reuse');
  if (context.events.wants('refresh.reuse_detected')) {
    const { clientId, grantId } = record;
    context.events.emit('refresh.reuse_detected', { time: context.clock(), clientId, grantId });
  }
  throw new InvalidGrantError('the refresh token was already used; the grant is revoked');
}

export function refreshTokenGrant(options: Required<RefreshTokenGrantOptions>): TokenGrant {
  return {
    grantType: 'refresh_token',
    async handle({ params, client }, context) {
      const token = params['refresh_token'];
      if (token === undefined) throw new InvalidRequestError('refresh_token is required');
      const id = sha256(token);
      const store = context.stores.refreshTokens;
      const record = await store.find(id);
      if (record === undefined)
        throw new InvalidGrantError('the refresh token is invalid, expired or revoked');
      if (record.clientId !== client.id)
        throw new InvalidGrantError('the refresh token was issued to another client');
      const scope = context.scopes.narrow(record.scope, context.scopes.parse(params['scope']));

      if (!options.rotate) {
        if (record.consumed === true)
          throw new InvalidGrantError('the refresh token is invalid, expired or revoked');
        return context.tokens.issue({
          client,
          subject: record.subject,
          scope,
          grantType: 'refresh_token',
          grantId: record.grantId,
          accessTokenLifetime: options.accessTokenLifetime,
        });
      }
      if (record.consumed === true) {
        await reuse(record, options.reuseGracePeriod, context);
      } else if ((await store.consume(id)) === undefined) {
        // Another request retired it between find() and consume().
        const now = context.now();
        await reuse(
          { ...record, consumed: true, consumedAt: (await store.find(id))?.consumedAt ?? now },
          options.reuseGracePeriod,
          context,
        );
      }
      const body = await context.tokens.issue({
        client,
        subject: record.subject,
        scope,
        grantType: 'refresh_token',
        grantId: record.grantId,
        accessTokenLifetime: options.accessTokenLifetime,
        refreshToken: { lifetime: context.refreshTokens.lifetime, scope: record.scope },
      });
      if (context.events.wants('refresh.rotated')) {
        const event = { time: context.clock(), clientId: client.id, grantId: record.grantId };
        context.events.emit('refresh.rotated', event);
      }
      return body;
    },
  };
}
