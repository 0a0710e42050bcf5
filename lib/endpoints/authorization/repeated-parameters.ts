/**
 * Step `repeated-parameters`: no parameter appears twice.
 *
 * Rule (RFC 6749 3.1: "Request and response parameters MUST NOT be included more
 * than once"): any repeated parameter → `invalid_request`, redirected. The
 * client and redirect-uri steps refuse their own repeated parameters first (shown,
 * since nothing is trusted yet); this step catches every other one. The
 * parameters declared repeatable (`resource`, RFC 8707 2) are not in
 * `repeated`: ./query.ts keeps their every value.
 */
import { InvalidRequestError, quoteValue } from '../../errors.js';
import type { AuthorizationDraft } from './step.js';

export function rejectRepeatedParameters(draft: AuthorizationDraft): void {
  const [first] = draft.query.repeated;
  if (first !== undefined)
    throw new InvalidRequestError(`the parameter ${quoteValue(first)} must not be repeated`);
}
