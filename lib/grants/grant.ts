/**
 * The shape every token-endpoint grant has: the `grant_type` it answers, the
 * parameters it declares repeatable, and one handler over plain data. A grant
 * never sees HTTP and never imports a store implementation; it gets what it needs
 * in a {@link GrantContext}.
 *
 * The built-in grants are registered through the same door as a host app's
 * extension grant (`extensionGrants` in the provider options, or
 * `provider.registerGrant()`):
 *
 * ```ts
 * const deviceSecret: TokenGrant = {
 *   grantType: 'urn:example:params:oauth:grant-type:device-secret',
 *   async handle({ params, client }, context) {
 *     const subject = await lookUp(params['device_secret']);
 *     if (subject === undefined) throw new InvalidGrantError('unknown device secret');
 *     return context.tokens.issue({ client, subject, scope: [], grantType: this.grantType,
 *       grantId: context.tokens.newGrantId(), accessTokenLifetime: 600 });
 *   },
 * };
 * ```
 */
import type { VerifiedProof } from '../dpop/proof.js';
import type { OAuthEventBus } from '../engine/events.js';
import {
  scopeForResource,
  tokenResource,
  type ResolvedResource,
  type Resources,
} from '../helpers/resources.js';
import type { ScopePolicy } from '../helpers/scope.js';
import type { Stores } from '../stores/types.js';
import type { UserGrantRecorder } from '../stores/user-grants.js';
import type { AccessTokenInfo } from '../tokens/checker.js';
import type { TokenMinter, TokenResponseBody } from '../tokens/minter.js';
import type { Client, GrantType, Logger, RequestContext } from '../types.js';

/** A token request after client authentication. */
export interface TokenGrantRequest {
  /** The form parameters; each a single non-empty string. */
  readonly params: Readonly<Record<string, string>>;
  /** The authenticated client, already known to be allowed this grant type. */
  readonly client: Client;
  /** The whole request context (headers, repeatable parameters, meta). */
  readonly request: RequestContext;
  /**
   * The request's verified DPoP proof (RFC 9449 5), if it had one: pass
   * `dpop: request.dpop` to `tokens.issue()` to bind the tokens to its key.
   */
  readonly dpop?: VerifiedProof | undefined;
}

/** Why a grant (token family) was revoked, for events. */
export type GrantRevocationReason =
  'code_replayed' | 'refresh_reuse' | 'revocation' | (string & {});

/**
 * The access tokens this server issued, for grants that take one as input (token
 * exchange, RFC 8693): the same checks as introspection's.
 */
export interface GrantAccessTokens {
  /** The default audience of access tokens (`accessToken.audience`, default the issuer). */
  readonly audience: string;
  /**
   * A live access token's data: signature or record verified, not expired, not
   * revoked, for any audience the server issues for (its `audience` says which);
   * undefined for anything else. Rejects only when a store fails.
   */
  find(token: string): Promise<AccessTokenInfo | undefined>;
}

/** What the engine lends a grant. */
export interface GrantContext {
  readonly stores: Stores;
  readonly scopes: ScopePolicy;
  /** The configured resources (RFC 8707) by indicator, for `tokens.issue({ resource })`. */
  readonly resources: Resources;
  readonly tokens: TokenMinter;
  /** Checks access tokens this server issued (e.g. a token exchange's subject token). */
  readonly accessTokens: GrantAccessTokens;
  readonly logger: Logger;
  /** The provider's events: check `events.wants(type)` before building one. */
  readonly events: OAuthEventBus;
  /** Whether the refresh_token grant is enabled (so refresh tokens may be issued). */
  readonly refreshTokens: { enabled: boolean; lifetime: number };
  /** Revokes every access and refresh token of a grant (token family). */
  revokeGrant(grantId: string, reason: GrantRevocationReason): Promise<void>;
  /** Records a use of a user's grant (its tokens issued), for `provider.authorizedApps`. */
  readonly userGrants?: UserGrantRecorder;
  /** The current time in epoch seconds. */
  now(): number;
  /** The current time in epoch milliseconds (the provider's clock). */
  clock(): number;
}

/** One grant type of the token endpoint. */
export interface TokenGrant {
  /** The `grant_type` value: one of RFC 6749's, or an absolute URI for an extension grant. */
  readonly grantType: GrantType;
  /** Parameters this grant reads that may appear more than once (e.g. `resource`). Default none. */
  readonly repeatable?: readonly string[];
  handle(request: TokenGrantRequest, context: GrantContext): Promise<TokenResponseBody>;
}

/** Options every grant takes. */
export interface GrantOptions {
  /** Access token lifetime for this grant, in seconds. Default: the provider's (3600). */
  accessTokenLifetime?: number;
  /** Hand out a live access token again instead of a new one (the seed's unique tokens). Default false. */
  uniqueTokens?: boolean;
}

/** The parameter every built-in grant lets repeat (RFC 8707 2: "may be used multiple times"). */
export const RESOURCE_PARAMETER: readonly string[] = Object.freeze(['resource']);

/** Whether the client may get a refresh token from this exchange. */
export function mayRefresh(client: Client, context: GrantContext): boolean {
  return context.refreshTokens.enabled && client.grantTypes.includes('refresh_token');
}

/**
 * The audience and scope of a grant that starts a token family here
 * (client_credentials, password): `resource` names at most one configured
 * resource (RFC 8707 2), and the scope asked for, else the client's default, is
 * checked against the server's and the client's (RFC 6749 3.3), then against what
 * that resource accepts (a default scope is narrowed to it: ../helpers/resources.ts).
 */
export function newGrantTarget(
  { params, client, request }: TokenGrantRequest,
  context: GrantContext,
): { resource: ResolvedResource | undefined; scope: string[] } {
  const resource = tokenResource(context.resources, request.all('resource'));
  const requested = context.scopes.parse(params['scope']);
  const resolved = context.scopes.resolve(client, requested);
  return { resource, scope: scopeForResource(resource, resolved, requested.length > 0) };
}

const BUILT_IN: readonly string[] = [
  'authorization_code',
  'client_credentials',
  'password',
  'refresh_token',
];
/** An absolute URI (RFC 3986 scheme, then no spaces): how extension grant types are named. */
const EXTENSION = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/** Checks a grant a host app registers; throws a TypeError naming what is wrong. */
export function checkGrant(grant: TokenGrant): void {
  if (grant === null || typeof grant !== 'object') throw new TypeError('grant: expected an object');
  const type = grant.grantType;
  if (typeof type !== 'string' || !(BUILT_IN.includes(type) || EXTENSION.test(type))) {
    throw new TypeError(
      `grant: grantType must be one of RFC 6749's or, for an extension grant, an absolute URI (RFC 6749 4.5), got ${JSON.stringify(type)}`,
    );
  }
  if (typeof grant.handle !== 'function')
    throw new TypeError(`grant ${type}: handle must be a function`);
  const repeatable = grant.repeatable ?? [];
  if (!Array.isArray(repeatable) || repeatable.some((p) => typeof p !== 'string' || p === '')) {
    throw new TypeError(`grant ${type}: repeatable must be an array of parameter names`);
  }
}
