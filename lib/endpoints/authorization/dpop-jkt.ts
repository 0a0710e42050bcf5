/**
 * Step `dpop-jkt`: the DPoP key an authorization code is bound to (RFC 9449 10:
 * "the dpop_jkt authorization request parameter ... the JWK Thumbprint of the
 * proof-of-possession public key"), so only the holder of that key can redeem
 * the code (lib/grants/authorization-code.ts checks the proof).
 *
 * Rules (redirected as `invalid_request`; `token` requests skip this step):
 * - `dpop_jkt` is optional; when sent it is a base64url SHA-256 thumbprint
 *   (RFC 7638 3: 43 characters of [A-Za-z0-9_-]); anything else is refused;
 * - the code remembers it (`dpopJkt` of the code record).
 */
import { InvalidRequestError } from '../../errors.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/** The checked `dpop_jkt` value (undefined when not sent); throws `invalid_request`. */
export function checkDpopJktValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!THUMBPRINT.test(value))
    throw new InvalidRequestError('dpop_jkt must be a base64url SHA-256 JWK thumbprint');
  return value;
}

export function checkDpopJkt(draft: AuthorizationDraft, _context: AuthorizationContext): void {
  if (need(draft.responseType, 'response-type') !== 'code') return;
  draft.dpopJkt = checkDpopJktValue(draft.query.params['dpop_jkt']);
}
