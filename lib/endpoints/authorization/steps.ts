/**
 * The steps of each endpoint that checks an authorization request, in order: one
 * rule lives in one step module, and an endpoint is a list of steps (the idea of
 * node-oidc-provider's lib/actions/authorization/index.js).
 *
 * `authorization` (RFC 6749 3.1, 4.1.1, 4.2.1). Errors about the client or the
 * redirect URI are shown to the user and never redirected (RFC 6749 4.1.2.1);
 * once both are trusted, every other error is redirected with `state` and `iss`:
 *   1. client               `client_id` once and known         → shown
 *   2. redirect-uri         `redirect_uri` at most once and registered, or the
 *                           client's only one                   → shown
 *   3. pushed-required      not for a client that must push its requests
 *                           (RFC 9126 4)                        → invalid_request
 *   4. repeated-parameters  no other parameter repeated         → invalid_request
 *   5. state                at most 2048 VSCHARs (another one is not
 *                           echoed)                             → invalid_request
 *   6. response-type        present, offered, allowed to the client
 *                           → invalid_request / unsupported_response_type / unauthorized_client
 *   7. scope                known and allowed                   → invalid_scope
 *   8. resource             each an absolute URI without fragment, configured,
 *                           accepting the scope (RFC 8707)      → invalid_target
 *   9. pkce                 for `code`: a challenge unless the client opted out, S256
 *                           (plain only when enabled)           → invalid_request
 *  10. dpop-jkt             for `code`: `dpop_jkt`, if sent, a JWK thumbprint
 *                           (RFC 9449 10)                       → invalid_request
 *  11. nonce                for an `openid` scope: `nonce`, if sent, ≤ 2048
 *                           VSCHARs; required with `openid.requireNonce`
 *                           (OIDC Core 3.1.2.1)                 → invalid_request
 *      id-token-hint        for an `openid` scope: `id_token_hint`, if sent, an
 *                           id_token of this server for this client (or the
 *                           way back's `hint_sub`)              → invalid_request
 *      login-hint           for an `openid` scope: `login_hint`, if sent, ≤ 256
 *                           printable characters                → invalid_request
 *      ui-locales           `ui_locales`: up to 10 language tags kept, the
 *                           rest dropped (a hint, never an error)
 *      claims-locales       for an `openid` scope: `claims_locales`, if sent,
 *                           ≤ 10 BCP 47 tags (OIDC Core 5.2); tags
 *                           not offered dropped                 → invalid_request
 *  12. prompt               for an `openid` scope: `prompt` known values, `none`
 *                           alone; `max_age` whole seconds (OIDC Core 3.1.2.1)
 *                                                               → invalid_request
 * A request with `request_uri` (a pushed one, RFC 9126 4) does not run these
 * steps: ./pushed.ts takes the pushed request and checks it again as a consent
 * answer is (./resume.ts).
 *
 * `par` (the pushed authorization request endpoint, RFC 9126 2.1): the client has
 * authenticated (lib/endpoints/par/push.ts puts it on the draft); then the same
 * list, with `pushing-client` (client_id names that client, no request_uri) in
 * place of `client` and without `pushed-required`. Every refusal is a JSON error
 * there, never a redirect (RFC 9126 2.3). The list is derived from
 * `authorization`, so a step added there is checked at the push too.
 *
 * Device authorization (RFC 8628) checks client and scope only
 * (lib/endpoints/device/authorization.ts).
 */
import { checkClaimsLocales } from './claims-locales.js';
import { checkClient } from './client.js';
import { checkDpopJkt } from './dpop-jkt.js';
import { checkIdTokenHint } from './id-token-hint.js';
import { checkLoginHint } from './login-hint.js';
import { checkNonce } from './nonce.js';
import { checkPkce } from './pkce.js';
import { checkPrompt } from './prompt.js';
import { checkPushedRequired } from './pushed-required.js';
import { checkPushingClient } from './pushing-client.js';
import { checkRedirectUri } from './redirect-uri.js';
import { rejectRepeatedParameters } from './repeated-parameters.js';
import { checkResponseType } from './response-type.js';
import { checkResources } from './resource.js';
import { checkScope } from './scope.js';
import { checkState } from './state.js';
import type { AuthorizationStep } from './step.js';
import { checkUiLocales } from './ui-locales.js';

/** The endpoints that check authorization requests with steps. */
export type StepEndpoint = 'authorization' | 'par';

const AUTHORIZATION: readonly AuthorizationStep[] = Object.freeze([
  checkClient,
  checkRedirectUri,
  checkPushedRequired,
  rejectRepeatedParameters,
  checkState,
  checkResponseType,
  checkScope,
  checkResources,
  checkPkce,
  checkDpopJkt,
  checkNonce,
  checkIdTokenHint,
  checkLoginHint,
  checkUiLocales,
  checkClaimsLocales,
  checkPrompt,
]);

/** `authorization`'s steps, as the PAR endpoint runs them (see above). */
function parSteps(steps: readonly AuthorizationStep[]): readonly AuthorizationStep[] {
  return Object.freeze(
    steps
      .filter((step) => step !== checkPushedRequired)
      .map((step) => (step === checkClient ? checkPushingClient : step)),
  );
}

/** Each endpoint's steps, in the order they run. */
export const STEPS: Readonly<Record<StepEndpoint, readonly AuthorizationStep[]>> = Object.freeze({
  authorization: AUTHORIZATION,
  par: parSteps(AUTHORIZATION),
});
