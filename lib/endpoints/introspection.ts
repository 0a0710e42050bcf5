/**
 * Token introspection (RFC 7662), for an authenticated client.
 *
 * Rules:
 * - `token` is required (`invalid_request`);
 * - a client may introspect its own tokens; a client marked `resourceServer` any token;
 * - anything unknown, expired, revoked, rotated out, or not the caller's to see is
 *   `{ "active": false }` and nothing else (2.2);
 * - an access token is answered from the checker (lib/tokens/checker.ts): a
 *   stateless JWT from its verified claims and the deny-list (no store read per
 *   token), any other from its record; so revocation shows either way;
 * - a delegated token's actor is answered as `act` (RFC 8693 4 defines it for
 *   JWTs and introspection responses alike), JWT and opaque tokens alike;
 * - a DPoP-bound access token (RFC 9449 6.2) is answered with `token_type: DPoP`
 *   and `cnf: { jkt }`, the thumbprint of the key it is bound to, so a resource
 *   server that introspects can check the proof's key; JWT and opaque alike.
 */
import { InvalidRequestError } from '../errors.js';
import type { ScopePolicy } from '../helpers/scope.js';
import { sha256 } from '../helpers/secrets.js';
import type { Stores } from '../stores/types.js';
import type { ActorClaim, Client } from '../types.js';
import type { AccessTokenChecker } from '../tokens/checker.js';

export interface IntrospectionContext {
  checker: AccessTokenChecker;
  stores: Stores;
  issuer: string;
  scopes: ScopePolicy;
  /** Epoch seconds. */
  now: number;
}

/** The introspection response (RFC 7662 2.2). */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string;
  iss?: string;
  jti?: string;
  /** RFC 8693 4.1: who acts for `sub`, for a token made by token exchange. */
  act?: ActorClaim;
  /** RFC 9449 6.2: the confirmation of a DPoP-bound token, its key's RFC 7638 thumbprint. */
  cnf?: { jkt: string };
}

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

export async function introspect(
  params: Readonly<Record<string, string>>,
  caller: Client,
  context: IntrospectionContext,
): Promise<IntrospectionResponse> {
  const token = params['token'];
  if (token === undefined) throw new InvalidRequestError('token is required');
  const visible = (clientId: string): boolean =>
    caller.resourceServer === true || clientId === caller.id;
  const hint = params['token_type_hint'];

  const access = async (): Promise<IntrospectionResponse | undefined> => {
    const info = await context.checker.find(token);
    if (info === undefined) return undefined;
    if (!visible(info.clientId)) return INACTIVE;
    return {
      active: true,
      scope: context.scopes.format(info.scope),
      client_id: info.clientId,
      token_type: info.jkt === undefined ? 'Bearer' : 'DPoP',
      exp: info.expiresAt,
      iat: info.issuedAt,
      sub: info.subject,
      aud: info.audience,
      iss: context.issuer,
      ...(info.format === 'jwt' ? { jti: info.id } : {}),
      ...(info.actor === undefined ? {} : { act: info.actor }),
      ...(info.jkt === undefined ? {} : { cnf: { jkt: info.jkt } }),
    };
  };
  const refresh = async (): Promise<IntrospectionResponse | undefined> => {
    const record = await context.stores.refreshTokens.find(sha256(token));
    if (record === undefined || record.expiresAt <= context.now) return undefined;
    if (record.consumed === true || !visible(record.clientId)) return INACTIVE;
    return {
      active: true,
      scope: context.scopes.format(record.scope),
      client_id: record.clientId,
      exp: record.expiresAt,
      iat: record.issuedAt,
      sub: record.subject,
      iss: context.issuer,
    };
  };
  const order = hint === 'refresh_token' ? [refresh, access] : [access, refresh];
  for (const lookup of order) {
    const answer = await lookup();
    if (answer !== undefined) return answer;
  }
  return INACTIVE;
}
