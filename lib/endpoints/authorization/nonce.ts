/**
 * Step `nonce` (OpenID Connect Core 3.1.2.1): the client's value that binds its
 * session to the id_token, kept with the code and echoed in the id_token.
 *
 * Rules:
 * - Only an OpenID Connect request (its scope has `openid`) keeps a `nonce`; a
 *   plain OAuth request ignores the parameter, as any unknown one.
 * - For `response_type=code` the nonce is optional (OIDC Core 3.1.2.1); when
 *   sent it is 1 to {@link MAX_NONCE_LENGTH} characters of %x20-7E → else
 *   `invalid_request`, redirected. The bound exists for the reason `state` has
 *   one (./state.ts): it is kept across the login round trip and in the code.
 * - With `openid.requireNonce` on, an OpenID Connect request without `nonce` is
 *   `invalid_request` "nonce is required", redirected (a server may ask more of
 *   its clients than the code flow's minimum; OIDC Core 3.2.2.1 requires it of
 *   the implicit flow). Off by default.
 */
import { InvalidRequestError } from '../../errors.js';
import { OPENID_SCOPE } from '../openid/options.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

/** The longest `nonce` accepted, in characters. */
export const MAX_NONCE_LENGTH = 2048;

const VSCHARS = /^[\x20-\x7e]+$/;

export function checkNonce(draft: AuthorizationDraft, context: AuthorizationContext): void {
  const nonce = draft.query.params['nonce'];
  if (!need(draft.scope, 'scope').includes(OPENID_SCOPE)) return;
  if (nonce === undefined && context.requireNonce)
    throw new InvalidRequestError('nonce is required');
  if (nonce === undefined) return;
  if (nonce.length > MAX_NONCE_LENGTH || !VSCHARS.test(nonce))
    throw new InvalidRequestError(
      `nonce must be 1 to ${MAX_NONCE_LENGTH} characters of %x20-7E (OpenID Connect Core 3.1.2.1)`,
    );
  draft.nonce = nonce;
}
