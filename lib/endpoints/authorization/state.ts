/**
 * Step `state`: the client's opaque value, echoed in every answer.
 *
 * Rules:
 * - `state` is 1 to {@link MAX_STATE_LENGTH} characters of VSCHAR (%x20-7E,
 *   RFC 6749 Appendix A.5) → else `invalid_request`, redirected without `state`
 *   (a state that cannot be echoed as it came is not echoed at all, as a repeated
 *   one). RFC 6749 sets no length; one is needed because `state` is kept for the
 *   login round trip and echoed in the Location, so its size is what an
 *   anonymous request can make the server store and send (at most about 6 KB
 *   once URL-encoded).
 * - A repeated `state` is never echoed (the repeated-parameters step refuses it).
 */
import { InvalidRequestError } from '../../errors.js';
import type { AuthorizationDraft } from './step.js';

/** The longest `state` accepted, in characters. */
export const MAX_STATE_LENGTH = 2048;

const VSCHARS = /^[\x20-\x7e]+$/;

function acceptable(state: string): boolean {
  return state.length <= MAX_STATE_LENGTH && VSCHARS.test(state);
}

/** The `state` to echo in answers: the one sent, unless it was repeated or is refused here. */
export function echoedState(draft: Pick<AuthorizationDraft, 'query'>): string | undefined {
  const { params, repeated } = draft.query;
  const state = params['state'];
  if (state === undefined || repeated.has('state') || !acceptable(state)) return undefined;
  return state;
}

export function checkState(draft: AuthorizationDraft): void {
  const state = draft.query.params['state'];
  if (state !== undefined && !acceptable(state))
    throw new InvalidRequestError(
      `state must be 1 to ${MAX_STATE_LENGTH} characters of %x20-7E (RFC 6749 Appendix A.5)`,
    );
}
