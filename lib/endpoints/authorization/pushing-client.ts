/**
 * Step `pushing-client` (the PAR endpoint's first step, RFC 9126 2.1): the pushed
 * request names the client that authenticated, and is not itself a reference.
 *
 * Rules (answered as JSON by the PAR endpoint, lib/endpoints/par/push.ts, which
 * authenticates the client as the token endpoint does and puts it on the draft
 * before the steps run):
 * - `request_uri` is not sent → else `invalid_request` (RFC 9126 2.1: "The
 *   request_uri authorization request parameter is one exception, and it MUST NOT
 *   be provided");
 * - `client_id` is sent → else `invalid_request` (RFC 9126 2.1: "as a required
 *   authorization request parameter, it is similarly required in a pushed
 *   authorization request");
 * - it names the authenticated client → else `invalid_request`: a client pushes
 *   requests for itself only (the authentication methods refuse most mismatches
 *   first; this holds for every method, a registered one included).
 */
import { InvalidRequestError } from '../../errors.js';
import { need, type AuthorizationDraft } from './step.js';

export function checkPushingClient(draft: AuthorizationDraft): void {
  const client = need(draft.client, 'client authentication');
  const { params } = draft.query;
  if (params['request_uri'] !== undefined)
    throw new InvalidRequestError(
      'request_uri must not be sent to the pushed authorization request endpoint (RFC 9126 2.1)',
    );
  const clientId = params['client_id'];
  if (clientId === undefined) throw new InvalidRequestError('client_id is required');
  if (clientId !== client.id)
    throw new InvalidRequestError('client_id must name the authenticated client');
}
