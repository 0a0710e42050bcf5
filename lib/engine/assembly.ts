/**
 * What a provider (./provider.ts) is built from, wired from its options in the
 * order each part needs the others: the checked configuration, the events and
 * their log, the scope policy, the stores, the token machinery
 * (./token-machinery.ts), DPoP, the users' grants and the authorized-apps view
 * (./authorized-apps.ts), the rate limiters, the flows' engines (./flows.ts),
 * the registration endpoint (./client-sources.ts) and the client authenticator
 * (./client-authentication.ts). The provider keeps the parts and fills its
 * registries; the parts call back into it through {@link ProviderHooks}.
 *
 * Rules:
 * - the options are checked first (./options.ts): a wrong option is a TypeError
 *   before anything is built;
 * - the events are logged unless the logger is the silent one;
 * - `openid` adds the `openid` scope to the scope policy;
 * - a user's grants are kept as long as the longer of a revoked grant's TTL and
 *   a remembered consent's lifetime;
 * - what the server offers, its client-authentication methods and its endpoint
 *   URLs are read through the hooks only when needed (a request, a document),
 *   so what is registered after start-up counts.
 */
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import { dpopVerification, type DpopVerification } from '../dpop/verification.js';
import type { AuthorizationEndpoint } from '../endpoints/authorization/endpoint.js';
import type { ClientAuthenticator } from '../endpoints/client-authenticator.js';
import type { DeviceFlow } from '../endpoints/device/flow.js';
import { withOpenIdScope } from '../endpoints/openid/options.js';
import type { RegistrationContext } from '../endpoints/registration/endpoint.js';
import type { OAuthError } from '../errors.js';
import type { GrantContext, GrantRevocationReason } from '../grants/grant.js';
import type { OfferedToClients } from '../helpers/client-metadata-rules.js';
import { ScopePolicy } from '../helpers/scope.js';
import type { Stores } from '../stores/types.js';
import { UserGrantStore } from '../stores/user-grants.js';
import type { AccessTokenChecker } from '../tokens/checker.js';
import type { TokenMinter } from '../tokens/minter.js';
import { AuthorizedApps } from './authorized-apps.js';
import { clientAuthentication } from './client-authentication.js';
import { clientIdDocuments, registrationContext } from './client-sources.js';
import { OAuthEventBus } from './events.js';
import { authorizationEndpoint, deviceFlow } from './flows.js';
import { logEvents, silentLogger } from './logger.js';
import {
  resolveOptions,
  resolveStores,
  type ProviderOptions,
  type ResolvedConfig,
} from './options.js';
import { rateLimiters, type RateLimiters } from './rate-limits.js';
import { grantContext, tokenMachinery } from './token-machinery.js';

/** What the parts ask of the provider they are built for; each is called only when needed. */
export interface ProviderHooks {
  /** What the server offers clients now, from the registries. */
  readonly offered: () => OfferedToClients;
  /** The client-authentication methods registered now. */
  readonly clientAuthMethods: () => readonly ClientAuthenticationMethod[];
  /** The URL of an endpoint of the endpoint table. */
  readonly endpointUrl: (name: string) => string;
  readonly revokeGrant: (grantId: string, reason: GrantRevocationReason) => Promise<void>;
  /** Logs a failure the authorization endpoint answers. */
  readonly report: (error: OAuthError) => void;
}

/** The parts that need nothing from the registries to be built. */
interface Foundations {
  readonly config: ResolvedConfig;
  readonly events: OAuthEventBus;
  readonly scopes: ScopePolicy;
  readonly stores: Stores;
  readonly dpop: DpopVerification;
  readonly minter: TokenMinter;
  readonly checker: AccessTokenChecker;
  /** How long a revoked grant stays revoked, in seconds. */
  readonly grantRevocationTtl: number;
  readonly userGrants: UserGrantStore;
}

/** Everything a provider is built from (rules above). */
export interface ProviderParts extends Foundations {
  readonly limits: RateLimiters['limits'];
  readonly authorization: AuthorizationEndpoint;
  readonly grantContext: GrantContext;
  readonly authorizedApps: AuthorizedApps;
  /** Undefined when registration is closed. */
  readonly registration: RegistrationContext | undefined;
  readonly authenticate: ClientAuthenticator;
  /** Undefined unless `grants.deviceCode` is on. */
  readonly device: DeviceFlow | undefined;
}

/**
 * Builds a provider's parts from its options (rules above).
 * @throws TypeError naming the option, when an option is wrong.
 */
export function assembleProvider(options: ProviderOptions, hooks: ProviderHooks): ProviderParts {
  const base = foundations(options, hooks);
  return { ...base, ...engines(base, hooks) };
}

/** The configuration, the events, the scopes, the stores and the token machinery. */
function foundations(options: ProviderOptions, hooks: ProviderHooks): Foundations {
  const config = resolveOptions(options);
  const events = new OAuthEventBus(config.logger);
  if (config.logger !== silentLogger) logEvents(events, config.logger);
  const scopes = new ScopePolicy(withOpenIdScope(options.scopes, options.openid));
  // The documents are checked when they arrive: the registries are complete by then.
  const documents = clientIdDocuments(config, hooks.offered);
  const stores = resolveStores(options, config, events, documents);
  const { minter, checker, grantRevocationTtl } = tokenMachinery(config, stores, scopes, events);
  const dpop = dpopVerification(config.dpop, stores.records, config.clock);
  const userGrants = new UserGrantStore(
    stores.records,
    Math.max(grantRevocationTtl, config.consent.rememberLifetime ?? 0),
  );
  return { config, events, scopes, stores, dpop, minter, checker, grantRevocationTtl, userGrants };
}

/** The engines built on the foundations: flows, grants' context, accounts, clients. */
function engines(base: Foundations, hooks: ProviderHooks): Omit<ProviderParts, keyof Foundations> {
  const { config, stores, scopes, events, userGrants } = base;
  const parts = { stores, scopes, events, tokens: base.minter, userGrants };
  const limits = rateLimiters(config.rateLimits, events, config.clock);
  const authorization = authorizationEndpoint(config, parts, limits.limits, hooks.report);
  return {
    limits: limits.limits,
    authorization,
    grantContext: grantContext(config, parts, base.checker, hooks.revokeGrant),
    authorizedApps: new AuthorizedApps({
      grants: userGrants,
      clients: stores.clients,
      consents: stores.consents,
      events,
      clock: config.clock,
      revokeGrant: hooks.revokeGrant,
    }),
    registration: registrationContext(
      config,
      { ...parts, limit: limits.limits.registration },
      hooks.offered,
    ),
    authenticate: clientAuthentication(
      config,
      { ...parts, secrets: limits.secrets },
      hooks.clientAuthMethods,
      () => hooks.endpointUrl('token'),
    ),
    device: deviceFlow(config, parts, limits.limits, () => hooks.endpointUrl('device')),
  };
}
