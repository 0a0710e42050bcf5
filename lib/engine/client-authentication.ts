/**
 * How the provider's clients prove who they are, wired from the checked options:
 * the client authenticator that the token, revocation, introspection and device
 * authorization endpoints call (lib/endpoints/client-authenticator.ts), and the
 * methods it tries.
 *
 * Rules:
 * - the methods are the built-in ones (lib/client-auth/methods.ts), then
 *   `options.clientAuthMethods` in their order, each registered through
 *   `registerClientAuthMethod`; the authenticator reads the registry per
 *   request, so a method registered later counts;
 * - wrong secrets count against the `client_auth` rate limit (the secret
 *   checker of ./rate-limits.ts);
 * - JWT assertions (RFC 7523) are checked against the issuer, with their `jti`
 *   replay cache in the provider's record store (lib/client-auth/assertion-context.ts).
 */
import { clientAssertionContext } from '../client-auth/assertion-context.js';
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import { BUILT_IN_CLIENT_AUTH_METHODS } from '../client-auth/methods.js';
import {
  clientAuthenticator,
  type ClientAuthenticator,
} from '../endpoints/client-authenticator.js';
import type { Stores } from '../stores/types.js';
import type { OAuthEventBus } from './events.js';
import type { ResolvedConfig } from './options.js';
import type { RateLimiters } from './rate-limits.js';

/** The methods a provider starts with, in the order their credentials are looked for. */
export function clientAuthMethodsOf(config: ResolvedConfig): ClientAuthenticationMethod[] {
  return [...BUILT_IN_CLIENT_AUTH_METHODS, ...config.clientAuthMethods];
}

/** The provider's client authenticator over the registry's methods (rules above). */
export function clientAuthentication(
  config: ResolvedConfig,
  parts: { stores: Stores; events: OAuthEventBus; secrets: RateLimiters['secrets'] },
  methods: () => readonly ClientAuthenticationMethod[],
  tokenEndpoint: () => string,
): ClientAuthenticator {
  const { issuer, clientAssertions, clock } = config;
  return clientAuthenticator(
    parts.stores.clients,
    methods,
    parts.events,
    clock,
    parts.secrets,
    clientAssertionContext(issuer, tokenEndpoint, clientAssertions, parts.stores.records, clock),
  );
}
