/**
 * Step `state`: the client's opaque value, echoed in every answer.
 *
 * Rules:
 * - `state` is at most {@link MAX_STATE_LENGTH} characters → else `invalid_request`,
 *   redirected without `state` (a state that is not echoed whole is not echoed
 *   at all, as a repeated one). RFC 6749 sets no limit; one is needed because
 *   `state` is kept for the login round trip and echoed in the Location, so its
 *   size is what an anonymous request can make the server store and send.
 * - A repeated `state` is never echoed (the repeated-parameters step refuses it).
 */
import { InvalidRequestError } from '../../errors.js';
import type { AuthorizationDraft } from './step.js';

/** The longest `state` accepted, in characters (UTF-16 code units). */
export const MAX_STATE_LENGTH = 2048;

/** The `state` to echo in answers: the one sent, unless it was repeated or too long. */
export function echoedState(draft: Pick<AuthorizationDraft, 'query'>): string | undefined {
  const { params, repeated } = draft.query;
  const state = params['state'];
  if (state === undefined || repeated.has('state') || state.length > MAX_STATE_LENGTH)
    return undefined;
  return state;
}

export function checkState(draft: AuthorizationDraft): void {
  const state = draft.query.params['state'];
  if (state !== undefined && state.length > MAX_STATE_LENGTH)
    throw new InvalidRequestError(`state must be at most ${MAX_STATE_LENGTH} characters`);
}
