/**
 * `refresh_token` (RFC 6749 6; the seed's `RefreshToken` grant), with rotation.
 *
 * Rules:
 * - `refresh_token` is required (`invalid_request`); an unknown, expired or
 *   revoked one is `invalid_grant`;
 * - it is bound to its client: another client's is `invalid_grant`;
 * - a public client's refresh token issued with a DPoP proof is bound to that key
 *   (RFC 9449 5): a refresh needs a proof of the same key, else
 *   `invalid_dpop_proof` (none) or `invalid_grant` (another key), checked
 *   before rotation so a refused refresh retires nothing (../dpop/binding.ts);
 *   the new access token is bound to the proof's key whenever a proof came;
 * - the scope may be narrowed, never widened (`invalid_scope`); the new refresh
 *   token keeps the original scope (6);
 * - `resource` (RFC 8707 2): the refresh token keeps its grant's resources across
 *   rotation; a refresh may name one of them (the token's audience), never
 *   another, and naming none is the code's rule (the only one, or the default
 *   audience for a grant without resources; several → `invalid_target`), as
 *   ../helpers/resources.ts says; the token's scope is narrowed to what that
 *   resource accepts (a scope named explicitly that it does not accept is
 *   `invalid_scope`). These checks come before rotation, so a refused refresh
 *   retires nothing;
 * - rotation (default, RFC 9700 4.14.2): each use returns a new refresh token and
 *   retires the old one atomically; presenting a retired one revokes the whole
 *   token family (`invalid_grant`, `refresh.reuse_detected`);
 * - the grace period (`reuseGracePeriod` seconds, opt-in, for clients that retry):
 *   a token retired less than that ago gets a new access token and the same
 *   successor it was rotated to (./refresh-successor.ts keeps it sealed), never a
 *   second one, so the family never forks. If that successor was used in the
 *   meantime, the retired token is reuse as above. A parallel request that lost
 *   the rotation waits briefly for the winner's successor; if none appears it is
 *   `invalid_grant` and the family is left alone;
 * - without rotation the same refresh token stays valid and none is returned;
 * - a refresh whose (narrowed) scope keeps `openid` gets a new id_token with the
 *   original `auth_time`, `acr` and `amr` and no `nonce` (OIDC Core 12.2); the
 *   new refresh token keeps them even when this refresh narrowed `openid` away,
 *   and the grant's `claims_locales` go on with the new tokens.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { checkKeyBinding } from '../dpop/binding.js';
import type { VerifiedProof } from '../dpop/proof.js';
import { InvalidGrantError, InvalidRequestError } from '../errors.js';
import { sha256 } from '../helpers/secrets.js';
import { openIdRequest, type IdTokenContext } from '../tokens/id-token.js';
import { scopeForResource, tokenResource, type ResolvedResource } from '../helpers/resources.js';
import type { TokenResponseBody } from '../tokens/minter.js';
import type { Client, RefreshTokenRecord } from '../types.js';
import {
  RESOURCE_PARAMETER,
  type GrantContext,
  type GrantOptions,
  type TokenGrant,
} from './grant.js';
import { findSuccessor, saveSuccessor } from './refresh-successor.js';

export interface RefreshTokenGrantOptions extends GrantOptions {
  /** Return a new refresh token on each use and retire the old one. Default true. */
  rotate?: boolean;
  /**
   * Seconds during which a just-retired refresh token is answered with the same
   * successor again (a retry), instead of being taken for reuse. Default 0.
   */
  reuseGracePeriod?: number;
}

/** Waits between looks for a parallel winner's successor, in ms (about 0.6 s in all). */
const SUCCESSOR_WAITS = [5, 10, 20, 40, 80, 160, 320];

const INVALID = 'the refresh token is invalid, expired or revoked';

/** What a refresh needs besides the request. */
interface Refresh {
  readonly token: string;
  readonly id: string;
  readonly record: RefreshTokenRecord;
  readonly client: Client;
  readonly scope: readonly string[];
  /** The resource the new access token is for; undefined: the default audience. */
  readonly resource: ResolvedResource | undefined;
  /** The request's verified DPoP proof: the new tokens are bound to its key. */
  readonly dpop: VerifiedProof | undefined;
  /** OpenID Connect: the refresh keeps `openid`, so an id_token comes with the tokens. */
  readonly openid: IdTokenContext | undefined;
}

/** The refusal of a retired token outside the grace rules: the family is revoked. */
async function reuse(record: RefreshTokenRecord, context: GrantContext): Promise<never> {
  await context.revokeGrant(record.grantId, 'refresh_reuse');
  if (context.events.wants('refresh.reuse_detected')) {
    const { clientId, grantId } = record;
    context.events.emit('refresh.reuse_detected', { time: context.clock(), clientId, grantId });
  }
  throw new InvalidGrantError('the refresh token was already used; the grant is revoked');
}

/** The successor sealed for `refresh.token`, waiting a little for a parallel winner to save it. */
async function successorOf(refresh: Refresh, context: GrantContext): Promise<string | undefined> {
  const records = context.stores.records;
  for (const wait of [0, ...SUCCESSOR_WAITS]) {
    if (wait > 0) await sleep(wait);
    const successor = await findSuccessor(records, refresh.id, refresh.token);
    if (successor !== undefined) return successor;
  }
  return undefined;
}

/** A retired token: the same successor within the grace period, else reuse. */
async function retired(
  refresh: Refresh,
  options: Required<RefreshTokenGrantOptions>,
  context: GrantContext,
): Promise<TokenResponseBody> {
  const store = context.stores.refreshTokens;
  const grace = options.reuseGracePeriod;
  const current = await store.find(refresh.id);
  if (current === undefined) throw new InvalidGrantError(INVALID);
  const consumedAt = current.consumedAt ?? context.now();
  if (grace <= 0 || context.now() - consumedAt > grace) return reuse(refresh.record, context);
  const successor = await successorOf(refresh, context);
  if (successor === undefined)
    throw new InvalidGrantError(INVALID, {
      detail: 'the refresh token was rotated by a parallel request whose successor is not saved',
    });
  const next = await store.find(sha256(successor));
  if (next === undefined || next.consumed === true) return reuse(refresh.record, context);
  const body = await context.tokens.issue({
    client: refresh.client,
    subject: refresh.record.subject,
    scope: refresh.scope,
    grantType: 'refresh_token',
    grantId: refresh.record.grantId,
    accessTokenLifetime: options.accessTokenLifetime,
    resource: refresh.resource,
    dpop: refresh.dpop,
    openid: refresh.openid,
    claimsLocales: refresh.record.claimsLocales,
  });
  return { ...body, refresh_token: successor };
}

/** Retires the token and issues its successor (kept sealed for the grace period). */
async function rotate(
  refresh: Refresh,
  options: Required<RefreshTokenGrantOptions>,
  context: GrantContext,
): Promise<TokenResponseBody> {
  const { record, client } = refresh;
  const body = await context.tokens.issue({
    client,
    subject: record.subject,
    scope: refresh.scope,
    grantType: 'refresh_token',
    grantId: record.grantId,
    accessTokenLifetime: options.accessTokenLifetime,
    resource: refresh.resource,
    dpop: refresh.dpop,
    openid: refresh.openid,
    claimsLocales: refresh.record.claimsLocales,
    refreshToken: {
      lifetime: context.refreshTokens.lifetime,
      scope: record.scope,
      resources: record.resources,
      // Kept even when this refresh narrowed `openid` away: a later one may ask for it again.
      login: { authTime: record.authTime, acr: record.acr, amr: record.amr },
    },
  });
  const grace = options.reuseGracePeriod;
  if (grace > 0 && body.refresh_token !== undefined)
    await saveSuccessor(
      context.stores.records,
      refresh.id,
      refresh.token,
      body.refresh_token,
      grace,
    );
  if (context.events.wants('refresh.rotated')) {
    const event = { time: context.clock(), clientId: client.id, grantId: record.grantId };
    context.events.emit('refresh.rotated', event);
  }
  return body;
}

export function refreshTokenGrant(options: Required<RefreshTokenGrantOptions>): TokenGrant {
  return {
    grantType: 'refresh_token',
    repeatable: RESOURCE_PARAMETER,
    async handle({ params, client, request, dpop }, context) {
      const token = params['refresh_token'];
      if (token === undefined) throw new InvalidRequestError('refresh_token is required');
      const id = sha256(token);
      const store = context.stores.refreshTokens;
      const record = await store.find(id);
      if (record === undefined) throw new InvalidGrantError(INVALID);
      if (record.clientId !== client.id)
        throw new InvalidGrantError('the refresh token was issued to another client');
      checkKeyBinding(record.jkt, dpop, 'refresh token');
      const resource = tokenResource(
        context.resources,
        request.all('resource'),
        record.resources ?? [],
      );
      const requested = context.scopes.parse(params['scope']);
      const narrowed = context.scopes.narrow(record.scope, requested);
      const scope = scopeForResource(resource, narrowed, requested.length > 0);
      await context.userGrants?.used(record.grantId);
      const { authTime, acr, amr } = record;
      const openid = openIdRequest(narrowed, { authTime, acr, amr });

      if (!options.rotate) {
        if (record.consumed === true) throw new InvalidGrantError(INVALID);
        return context.tokens.issue({
          client,
          subject: record.subject,
          scope,
          grantType: 'refresh_token',
          grantId: record.grantId,
          accessTokenLifetime: options.accessTokenLifetime,
          resource,
          dpop,
          openid,
          claimsLocales: record.claimsLocales,
        });
      }
      const refresh: Refresh = { token, id, record, client, scope, resource, dpop, openid };
      // consume() is the atomic step: of parallel requests, exactly one rotates.
      if (record.consumed !== true && (await store.consume(id)) !== undefined)
        return rotate(refresh, options, context);
      return retired(refresh, options, context);
    },
  };
}
