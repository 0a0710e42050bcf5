/**
 * A pushed authorization request used at the authorization endpoint (RFC 9126 4):
 * `client_id` and `request_uri` name a request the client pushed
 * (lib/endpoints/par/push.ts); it is taken once and checked again as a consent
 * answer is, against the client and the server's policy as they are now.
 *
 * Rules (every refusal is shown to the user, never redirected: the redirect URI
 * is part of the pushed request, which is not trusted until it is found):
 * - a request with `request_uri` is a pushed one; only `client_id` may come with
 *   it → else `invalid_request`. RFC 9126 4 builds it "as defined in [RFC9101]",
 *   whose 6.3 uses only the parameters of the referenced request; here any other
 *   parameter is refused rather than ignored, so a request nobody can tamper
 *   with never looks as if it could be changed on the way;
 * - `client_id` and `request_uri` appear once each, `client_id` is present →
 *   else `invalid_request`; the client is known → else `invalid_client` (as the
 *   client step);
 * - the `request_uri` has the shape this server makes (../par/request-uri.ts)
 *   and names a live, unused request pushed by this client → else
 *   `invalid_request_uri` (RFC 9101 7), one public text for unknown, expired
 *   (RFC 9126 4: "An expired request_uri MUST be rejected as invalid"), used and
 *   another client's, so nothing tells them apart. Another client's request is
 *   looked at but not taken, so naming it cannot burn it;
 * - it is taken with the store's atomic consume (RFC 9126 4: "Authorization
 *   servers SHOULD treat request_uri values as one-time use"): of parallel uses
 *   exactly one gets it;
 * - a request the adapter kept across the user's login (taken from the store on
 *   the first visit, ./endpoint.ts `login`) is used instead of the store, once,
 *   and only for the client it was pushed by: the login's way back repeats the
 *   `request_uri`, which the store no longer has;
 * - then the request is checked again (./resume.ts: RFC 9126 4, "The
 *   authorization server MUST validate authorization requests arising from a
 *   pushed request as it would any other authorization request"): a client
 *   deleted or a redirect URI unregistered since is shown, any other refusal is
 *   redirected. `pushed-required` does not apply: this is a pushed request.
 */
import { InvalidRequestError, InvalidRequestUriError, quoteValue } from '../../errors.js';
import type { PushedRequestStore } from '../../stores/pushed-requests.js';
import { isRequestUri } from '../par/request-uri.js';
import { unknownClientError } from './client.js';
import type { AuthorizationQuery } from './query.js';
import type { PendingAuthorization } from './request.js';
import { resumeAuthorization } from './resume.js';
import type { CheckedRequest } from './run.js';
import type { AuthorizationContext } from './step.js';

/** The pushed requests, as the authorization endpoint keeps them. */
export type PushedRequests = PushedRequestStore<PendingAuthorization>;

/**
 * A pushed request the adapter kept across the user's login, taken out of where
 * it was kept (the session): `undefined` when there is none for `requestUri`.
 */
export type KeptPushedRequest = (requestUri: string) => PendingAuthorization | undefined;

/** The parameters a pushed request may carry at the authorization endpoint. */
const ALLOWED = new Set(['client_id', 'request_uri']);

const UNUSABLE = 'the request_uri is unknown, expired, already used or not for this client';

/** Whether `query` refers to a pushed request. */
export function isPushedRequest(query: AuthorizationQuery): boolean {
  return query.params['request_uri'] !== undefined || query.repeated.has('request_uri');
}

function parametersProblem(query: AuthorizationQuery): string | undefined {
  const [repeated] = query.repeated;
  if (repeated !== undefined) return `the parameter ${quoteValue(repeated)} must not be repeated`;
  const names = [...Object.keys(query.params), ...Object.keys(query.lists ?? {})];
  if (names.some((name) => !ALLOWED.has(name)))
    return 'a pushed request (request_uri) takes no other parameter than client_id';
  return undefined;
}

async function takeFor(
  clientId: string,
  requestUri: string,
  store: PushedRequests,
  kept: KeptPushedRequest | undefined,
): Promise<PendingAuthorization | undefined> {
  const held = kept?.(requestUri);
  if (held !== undefined) return held.clientId === clientId ? held : undefined;
  const found = await store.find(requestUri);
  if (found === undefined || found.clientId !== clientId) return undefined;
  const taken = await store.take(requestUri);
  return taken?.clientId === clientId ? taken.request : undefined;
}

/**
 * Resolves a pushed request (the rules above); rejects only when a store fails.
 * @param kept the adapter's request kept across a login, if it keeps any.
 */
export async function resolvePushedRequest(
  query: AuthorizationQuery,
  context: AuthorizationContext,
  store: PushedRequests,
  kept?: KeptPushedRequest,
): Promise<CheckedRequest> {
  const problem = parametersProblem(query);
  if (problem !== undefined) return { kind: 'show', error: new InvalidRequestError(problem) };
  const clientId = query.params['client_id'];
  if (clientId === undefined)
    return { kind: 'show', error: new InvalidRequestError('client_id is required') };
  const client = await context.clients.find(clientId);
  if (client === undefined) return { kind: 'show', error: unknownClientError() };
  const requestUri = query.params['request_uri'] ?? '';
  const pending = isRequestUri(requestUri)
    ? await takeFor(client.id, requestUri, store, kept)
    : undefined;
  if (pending === undefined) return { kind: 'show', error: new InvalidRequestUriError(UNUSABLE) };
  return resumeAuthorization(pending, context);
}
