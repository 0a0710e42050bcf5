/**
 * The pushed authorization request endpoint (RFC 9126 2): a client sends its
 * authorization request over the back channel and gets a `request_uri` to send
 * the user's browser with instead.
 *
 * Rules:
 * - the client authenticates as at the token endpoint, with every registered
 *   method (RFC 9126 2: "The rules for client authentication as defined in
 *   [RFC6749] for token endpoint requests, including the applicable
 *   authentication methods, apply for the PAR endpoint as well"); a public client
 *   names itself with `client_id`. The provider does it before this runs;
 * - a public client's push counts against the `public_client_writes` limit of
 *   its source address before anything is checked or kept (anyone who knows a
 *   public `client_id` can push); over it, 429 `temporarily_unavailable` with
 *   `Retry-After` and a `rate_limited` event (../../engine/attempt-limit.ts). A
 *   confidential client authenticated, and is never counted;
 * - the request is checked by the authorization endpoint's own steps
 *   (`STEPS.par`, ../authorization/steps.ts: `client_id` naming the
 *   authenticated client, no `request_uri`, then every authorization step),
 *   RFC 9126 2.1: the server MUST "validate the pushed request as it would an
 *   authorization request sent to the authorization endpoint". A refusal is
 *   the error as JSON with its status (RFC 9126 2.3), never a redirect, also
 *   where the authorization endpoint would redirect it;
 * - the checked request, in its JSON-safe form, is kept bound to the client for
 *   `par.lifetime` seconds under a new `request_uri` (./request-uri.ts), stored
 *   as its hash (lib/stores/pushed-requests.ts);
 * - the answer is 201 with `request_uri` and `expires_in` (RFC 9126 2.2), with
 *   no-store headers (the provider's);
 * - `par.pushed` names the client and the scope, never the `request_uri`.
 */
import { countPublicClientWrite } from '../../engine/attempt-limit.js';
import type { OAuthEventBus } from '../../engine/events.js';
import type { FailureLimit } from '../../helpers/failure-limit.js';
import type { PushedRequests } from '../authorization/pushed.js';
import type { AuthorizationQuery } from '../authorization/query.js';
import { pendingAuthorization } from '../authorization/request.js';
import type { CheckedRequest } from '../authorization/run.js';
import type { Client, Clock, RequestContext } from '../../types.js';
import { newRequestUri } from './request-uri.js';

/** The RFC 9126 2.2 answer. */
export interface PushedAuthorizationBody {
  request_uri: string;
  /** Seconds. */
  expires_in: number;
}

/** What the PAR endpoint needs from the authorization endpoint and the provider. */
export interface PushContext {
  /** Runs the `par` steps over the request of the authenticated `client`. */
  readonly check: (query: AuthorizationQuery, client: Client) => Promise<CheckedRequest>;
  readonly store: PushedRequests;
  /** Seconds a `request_uri` may be used. */
  readonly lifetime: number;
  /** The `public_client_writes` limit; undefined: off. */
  readonly limit: FailureLimit | undefined;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
}

/** The form's parameters as the steps read them (the form reader already refused repeats). */
function queryOf(request: RequestContext): AuthorizationQuery {
  return {
    params: request.params,
    repeated: new Set(),
    lists: { resource: request.all('resource') },
  };
}

/**
 * Answers a pushed authorization request of an authenticated client (rules above).
 * Throws the refusal (an `OAuthError`) for the provider to answer as JSON.
 */
export async function pushAuthorizationRequest(
  request: RequestContext,
  client: Client,
  context: PushContext,
): Promise<PushedAuthorizationBody> {
  await countPublicClientWrite(request, client, context, 'pushed authorization requests');
  const checked = await context.check(queryOf(request), client);
  if (checked.kind !== 'valid') throw checked.error;
  const requestUri = newRequestUri();
  const pending = pendingAuthorization(checked.request);
  await context.store.save(requestUri, { clientId: client.id, request: pending }, context.lifetime);
  if (context.events.wants('par.pushed'))
    context.events.emit('par.pushed', {
      time: context.clock(),
      requestId: request.meta.requestId,
      clientId: client.id,
      scope: [...pending.scope],
    });
  return { request_uri: requestUri, expires_in: context.lifetime };
}
