/**
 * The engine's client authenticator: the registered methods, the client registry
 * and the provider's secret checker bound together, with failures reported as
 * `client.authentication_failed` events. The token, revocation and introspection endpoints share it.
 */
import { authenticateClient, type AuthenticatedClient } from '../client-auth/authenticate.js';
import type { ClientAssertionContext, ClientAuthenticationMethod } from '../client-auth/method.js';
import type { SecretChecker } from '../client-auth/secret-checker.js';
import type { OAuthEventBus } from '../engine/events.js';
import type { ClientStore } from '../stores/types.js';
import type { Clock, RequestContext } from '../types.js';

/** Authenticates the client of a request, or throws `invalid_client` / `invalid_request`. */
export type ClientAuthenticator = (
  request: RequestContext,
  options?: { confidentialOnly?: boolean },
) => Promise<AuthenticatedClient>;

export function clientAuthenticator(
  clients: ClientStore,
  methods: () => readonly ClientAuthenticationMethod[],
  events: OAuthEventBus,
  clock: Clock,
  secrets?: SecretChecker,
  assertions?: ClientAssertionContext,
): ClientAuthenticator {
  const context = Object.freeze({ now: clock, secrets, assertions });
  return (request, options) =>
    authenticateClient(
      request,
      clients,
      methods(),
      context,
      (failure) => {
        if (!events.wants('client.authentication_failed')) return;
        events.emit('client.authentication_failed', {
          time: clock(),
          requestId: request.meta.requestId,
          ...failure,
        });
      },
      options?.confidentialOnly === true,
    );
}
