/**
 * Token revocation (RFC 7009), for an authenticated client.
 *
 * Rules:
 * - `token` is required (`invalid_request`); `token_type_hint` only changes the
 *   search order, and an unknown hint is ignored (2.1);
 * - the answer is 200 whether or not the token was known (2.2): no oracle;
 * - a token of another client is left untouched, with the same 200;
 * - revoking a refresh token revokes its whole grant: every refresh and access
 *   token of the family (2.1);
 * - revoking an access token revokes that token only: a stateless JWT by a
 *   deny-list entry that lives until it expires, any other by deleting its record
 *   (lib/tokens/checker.ts decides which).
 */
import { InvalidRequestError } from '../errors.js';
import { sha256 } from '../helpers/secrets.js';
import type { Stores } from '../stores/types.js';
import type { OAuthEventBus } from '../engine/events.js';
import type { Client, Clock } from '../types.js';
import type { AccessTokenChecker } from '../tokens/checker.js';

export interface RevocationContext {
  checker: AccessTokenChecker;
  stores: Stores;
  /** Revokes a token family (and tells listeners `grant.revoked`). */
  revokeGrant(grantId: string): Promise<void>;
  events: OAuthEventBus;
  clock: Clock;
}

function revoked(
  context: RevocationContext,
  clientId: string,
  tokenType: 'access_token' | 'refresh_token',
  tokenId: string,
): void {
  if (!context.events.wants('token.revoked')) return;
  context.events.emit('token.revoked', { time: context.clock(), clientId, tokenType, tokenId });
}

async function revokeRefresh(
  token: string,
  client: Client,
  context: RevocationContext,
): Promise<boolean> {
  const record = await context.stores.refreshTokens.find(sha256(token));
  if (record === undefined) return false;
  if (record.clientId === client.id) {
    await context.revokeGrant(record.grantId);
    revoked(context, client.id, 'refresh_token', record.id);
  }
  return true;
}

async function revokeAccess(
  token: string,
  client: Client,
  context: RevocationContext,
): Promise<boolean> {
  const info = await context.checker.find(token);
  if (info === undefined) return false;
  if (info.clientId === client.id) {
    await context.checker.revoke(token, info);
    revoked(context, client.id, 'access_token', info.id);
  }
  return true;
}

export async function revoke(
  params: Readonly<Record<string, string>>,
  client: Client,
  context: RevocationContext,
): Promise<void> {
  const token = params['token'];
  if (token === undefined) throw new InvalidRequestError('token is required');
  if (params['token_type_hint'] === 'refresh_token') {
    if (!(await revokeRefresh(token, client, context))) await revokeAccess(token, client, context);
  } else if (!(await revokeAccess(token, client, context))) {
    await revokeRefresh(token, client, context);
  }
}
