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
 *   3. repeated-parameters  no other parameter repeated         → invalid_request
 *   4. state                at most 2048 VSCHARs (another one is not
 *                           echoed)                             → invalid_request
 *   5. response-type        present, offered, allowed to the client
 *                           → invalid_request / unsupported_response_type / unauthorized_client
 *   6. scope                known and allowed                   → invalid_scope
 *   7. resource             each an absolute URI without fragment, configured,
 *                           accepting the scope (RFC 8707)      → invalid_target
 *   8. pkce                 for `code`: a challenge unless the client opted out, S256
 *                           (plain only when enabled)           → invalid_request
 *
 * The pushed authorization request endpoint (PAR, RFC 9126) and device
 * authorization (RFC 8628) will list their own steps here, reusing these modules
 * (PAR: client authentication first, then the same list; device authorization:
 * client and scope only).
 */
import { checkClient } from './client.js';
import { checkPkce } from './pkce.js';
import { checkRedirectUri } from './redirect-uri.js';
import { rejectRepeatedParameters } from './repeated-parameters.js';
import { checkResponseType } from './response-type.js';
import { checkResources } from './resource.js';
import { checkScope } from './scope.js';
import { checkState } from './state.js';
import type { AuthorizationStep } from './step.js';

/** The endpoints that check authorization requests with steps. */
export type StepEndpoint = 'authorization';

/** Each endpoint's steps, in the order they run. */
export const STEPS: Readonly<Record<StepEndpoint, readonly AuthorizationStep[]>> = Object.freeze({
  authorization: Object.freeze([
    checkClient,
    checkRedirectUri,
    rejectRepeatedParameters,
    checkState,
    checkResponseType,
    checkScope,
    checkResources,
    checkPkce,
  ]),
});
