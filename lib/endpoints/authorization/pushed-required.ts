/**
 * Step `pushed-required`: a client that must push its authorization requests
 * (PAR, RFC 9126) does not send them through the browser.
 *
 * Rule (RFC 9126 4: "Authorization server policy MAY dictate, either globally or
 * on a per-client basis, that PAR be the only means for a client to pass
 * authorization request data. In this case, the authorization server will refuse,
 * using the invalid_request error code, to process any request to the
 * authorization endpoint that does not have a request_uri parameter with a value
 * obtained from the PAR endpoint"): with `par.required` on, or for a client with
 * `requirePushedAuthorizationRequests` (RFC 9126 6), a request that is not a
 * pushed one → `invalid_request`. It runs after the redirect-uri step, so the
 * refusal is redirected to a registered redirect URI, with `state` and `iss`,
 * as any error about the request. A pushed request never reaches this step (see
 * ./pushed.ts).
 */
import { InvalidRequestError } from '../../errors.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

export function checkPushedRequired(
  draft: AuthorizationDraft,
  context: AuthorizationContext,
): void {
  const client = need(draft.client, 'client');
  if (context.parRequired || client.requirePushedAuthorizationRequests === true)
    throw new InvalidRequestError(
      'this client must push its authorization requests (PAR, RFC 9126) and send only client_id and request_uri here',
    );
}
