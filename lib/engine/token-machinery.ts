/**
 * The provider's token machinery, built once from the checked configuration: the
 * minter that issues access and refresh tokens, the checker that verifies them
 * (with the deny-list of stateless JWTs), how long a revoked grant stays revoked,
 * and the {@link GrantContext} every grant gets.
 *
 * Rules:
 * - the longest access token lifetime is the largest of the provider's, each
 *   grant's and each resource's (RFC 8707 resources may set their own): the
 *   minter refuses a longer one, and the checker accepts none older;
 * - stateless JWTs (`format: 'jwt'` with `accessTokenRevocation: 'deny-list'`)
 *   keep no record per token: revocations go to a deny-list kept in the record
 *   store (lib/tokens/deny-list.ts); a failing read of it is logged as a warning;
 * - the checker accepts the provider's audience and every configured resource's;
 * - a revoked grant stays revoked for the longest lifetime of anything it issued
 *   (refresh tokens, access tokens of every grant and resource, extension grants);
 * - the grant context is frozen; refresh tokens are issued only when the
 *   refresh_token grant is on; grants check access tokens (token exchange's
 *   subject token) with the checker's `find`, as introspection does.
 */
import { clientSubject } from '../endpoints/openid/subject.js';
import type { GrantContext, GrantRevocationReason } from '../grants/grant.js';
import type { ScopePolicy } from '../helpers/scope.js';
import { RecordDenyListStore } from '../stores/deny-list.js';
import type { Stores } from '../stores/types.js';
import type { UserGrantRecorder } from '../stores/user-grants.js';
import { AccessTokenChecker } from '../tokens/checker.js';
import { DenyList } from '../tokens/deny-list.js';
import { TokenMinter } from '../tokens/minter.js';
import type { OAuthEventBus } from './events.js';
import type { ResolvedConfig } from './options.js';

/** What the provider's token machinery is made of (rules above). */
export interface TokenMachinery {
  readonly minter: TokenMinter;
  readonly checker: AccessTokenChecker;
  /** How long a revoked grant stays revoked, in seconds. */
  readonly grantRevocationTtl: number;
}

/** The access token lifetimes of every grant and resource, in seconds (0 where unset). */
function grantLifetimes(config: ResolvedConfig): number[] {
  const resources = [...config.resources.values()].map((r) => r.accessTokenLifetime ?? 0);
  const grants = Object.values(config.grants).map((o) => o?.accessTokenLifetime ?? 0);
  return [...grants, ...resources];
}

/** The deny-list of stateless JWTs; undefined when access tokens have records. */
function denyListOf(config: ResolvedConfig, stores: Stores): DenyList | undefined {
  if (config.format !== 'jwt' || config.accessTokenRevocation !== 'deny-list') return undefined;
  return new DenyList({
    store: new RecordDenyListStore(stores.records),
    report: (err) => config.logger.warn({ err }, 'deny-list: reading the store failed'),
  });
}

/** Builds the minter, the checker and the grant revocation TTL (rules above). */
export function tokenMachinery(
  config: ResolvedConfig,
  stores: Stores,
  scopes: ScopePolicy,
  events: OAuthEventBus,
): TokenMachinery {
  const accessTokenLifetime = Math.max(config.accessTokenLifetime, ...grantLifetimes(config));
  const denyList = denyListOf(config, stores);
  const { issuer, audience, keys, clock } = config;
  const minter = new TokenMinter({
    issuer,
    audience,
    format: config.format,
    stateless: denyList !== undefined,
    maxLifetime: accessTokenLifetime,
    keys,
    generator: config.generator,
    stores,
    scopes,
    clock,
    events,
    idTokenLifetime: config.openid?.idTokenLifetime,
    idTokenSubject: (client, subject) => clientSubject(client, subject, config.openid?.pairwiseKey),
  });
  const checker = new AccessTokenChecker({
    issuer,
    audience,
    audiences: new Set([audience, ...config.resources.keys()]),
    keys,
    store: stores.accessTokens,
    clock,
    denyList,
    accessTokenLifetime,
  });
  const grantRevocationTtl = Math.max(
    config.refreshTokenLifetime,
    config.accessTokenLifetime,
    ...grantLifetimes(config),
    ...config.extensionGrants.map(() => config.accessTokenLifetime),
  );
  return { minter, checker, grantRevocationTtl };
}

/** What the engine lends every grant (lib/grants/grant.ts), frozen. */
export function grantContext(
  config: ResolvedConfig,
  parts: {
    stores: Stores;
    scopes: ScopePolicy;
    tokens: TokenMinter;
    events: OAuthEventBus;
    userGrants?: UserGrantRecorder;
  },
  checker: AccessTokenChecker,
  revokeGrant: (grantId: string, reason: GrantRevocationReason) => Promise<void>,
): GrantContext {
  return Object.freeze({
    ...parts,
    accessTokens: Object.freeze({
      audience: config.audience,
      find: (token: string) => checker.find(token),
    }),
    resources: config.resources,
    logger: config.logger,
    refreshTokens: {
      enabled: config.grants.refreshToken !== undefined,
      lifetime: config.refreshTokenLifetime,
    },
    revokeGrant,
    now: () => Math.floor(config.clock() / 1000),
    clock: config.clock,
  });
}
