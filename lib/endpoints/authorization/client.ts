/**
 * Step `client`: the request names one known client.
 *
 * Rules (RFC 6749 2.2, 3.1, 4.1.1, 4.2.1):
 * - `client_id` is present, once → else `invalid_request`;
 * - the client store knows it → else `invalid_client`.
 * Both are shown to the user, never redirected: without a trusted client there is
 * no redirect URI to trust (RFC 6749 4.1.2.1). A store that is down rejects.
 */
import { InvalidClientError, InvalidRequestError } from '../../errors.js';
import type { AuthorizationContext, AuthorizationDraft } from './step.js';

const UNKNOWN = 'the client_id is unknown';

/** The refusal of a client id the store does not know (public: nothing is secret here). */
export function unknownClientError(): InvalidClientError {
  return new InvalidClientError(UNKNOWN, { description: UNKNOWN });
}

export async function checkClient(
  draft: AuthorizationDraft,
  context: AuthorizationContext,
): Promise<void> {
  const { params, repeated } = draft.query;
  if (repeated.has('client_id')) throw new InvalidRequestError('client_id must not be repeated');
  const clientId = params['client_id'];
  if (clientId === undefined) throw new InvalidRequestError('client_id is required');
  const client = await context.clients.find(clientId);
  if (client === undefined) throw unknownClientError();
  draft.client = client;
}
