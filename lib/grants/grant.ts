/**
 * The shape every token-endpoint grant has: the `grant_type` it answers and one
 * handler over plain data. A grant never sees HTTP and never imports a store
 * implementation; it gets what it needs in a {@link GrantContext}.
 */
import type { TokenMinter, TokenResponseBody } from '../tokens/minter.js';
import type { ScopePolicy } from '../helpers/scope.js';
import type { Stores } from '../stores/types.js';
import type { Client, GrantType, Logger } from '../types.js';

/** A token request after client authentication. */
export interface TokenGrantRequest {
  /** The form parameters; each a single non-empty string. */
  readonly params: Readonly<Record<string, string>>;
  /** The authenticated client, already known to be allowed this grant type. */
  readonly client: Client;
}

/** What the engine lends a grant. */
export interface GrantContext {
  readonly stores: Stores;
  readonly scopes: ScopePolicy;
  readonly tokens: TokenMinter;
  readonly logger: Logger;
  /** Whether the refresh_token grant is enabled (so refresh tokens may be issued). */
  readonly refreshTokens: { enabled: boolean; lifetime: number };
  /** Revokes every access and refresh token of a grant (token family). */
  revokeGrant(grantId: string): Promise<void>;
  /** The current time in epoch seconds. */
  now(): number;
}

/** One grant type of the token endpoint. */
export interface TokenGrant {
  readonly grantType: GrantType;
  handle(request: TokenGrantRequest, context: GrantContext): Promise<TokenResponseBody>;
}

/** Options every grant takes. */
export interface GrantOptions {
  /** Access token lifetime for this grant, in seconds. Default: the provider's (3600). */
  accessTokenLifetime?: number;
  /** Hand out a live access token again instead of a new one (the seed's unique tokens). Default false. */
  uniqueTokens?: boolean;
}

/** Whether the client may get a refresh token from this exchange. */
export function mayRefresh(client: Client, context: GrantContext): boolean {
  return context.refreshTokens.enabled && client.grantTypes.includes('refresh_token');
}
