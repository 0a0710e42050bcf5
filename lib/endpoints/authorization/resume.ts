/**
 * A pending request comes back with the user's answer: it is checked again
 * against the client as it is now, since the client may have been deleted or
 * changed while the consent page was open. The rules are the steps' own
 * (./steps.ts), with the same split between shown and redirected errors:
 * - the client still exists → else `invalid_client`, shown;
 * - the redirect URI is still registered for it → else `invalid_request`, shown;
 * - the response type is still offered and allowed → else redirected;
 * - the scope is still allowed → else `invalid_scope`, redirected;
 * - each resource is still configured and accepts the scope (RFC 8707) → else
 *   `invalid_target` (or `invalid_scope`), redirected;
 * - for `code`, the challenge still satisfies the PKCE rules → else redirected;
 * - for `code`, `dpop_jkt` (RFC 9449 10) is still a thumbprint → else redirected;
 * - an `openid` request keeps its `nonce`, `prompt`, `max_age`, the forced
 *   login's time (./prompt.ts), its `id_token_hint`'s subject and `login_hint`;
 *   another request drops them. Every request keeps its `ui_locales` tags.
 */
import { OAuthError } from '../../errors.js';
import { namedResources, scopeForResources } from '../../helpers/resources.js';
import { unknownClientError } from './client.js';
import { checkCodeChallenge } from './pkce.js';
import { checkDpopJktValue } from './dpop-jkt.js';
import { matchRedirectUri, unregisteredRedirectUriError } from './redirect-uri.js';
import type { AuthorizationRequest, PendingAuthorization, RedirectTarget } from './request.js';
import { allowedResponseType } from './response-type.js';
import { refusal, type CheckedRequest } from './run.js';
import type { AuthorizationContext } from './step.js';

/** The OpenID Connect parts of a pending `openid` request, as they were checked. */
function openIdParts(pending: PendingAuthorization): Partial<AuthorizationRequest> {
  const { nonce, prompt, maxAge, loginAfter, hintSubject, hintAfterLogin, loginHint } = pending;
  const { claimsLocales } = pending;
  return {
    nonce,
    prompt,
    maxAge,
    loginAfter,
    hintSubject,
    hintAfterLogin,
    loginHint,
    claimsLocales,
  };
}

/** Checks `pending` again; rejects only when the client store fails. */
export async function resumeAuthorization(
  pending: PendingAuthorization,
  context: AuthorizationContext,
): Promise<CheckedRequest> {
  const client = await context.clients.find(pending.clientId);
  if (client === undefined) return { kind: 'show', error: unknownClientError() };
  if (!matchRedirectUri(client, pending.redirectUri))
    return { kind: 'show', error: unregisteredRedirectUriError() };
  const target: RedirectTarget = {
    redirectUri: pending.redirectUri,
    responseMode: pending.responseMode,
    state: pending.state,
  };
  try {
    const responseType = allowedResponseType(pending.responseType, client, context.responseTypes);
    const named = namedResources(context.resources, pending.resources ?? []);
    const scope = scopeForResources(named, context.scopes.resolve(client, pending.scope), true);
    const pkce =
      responseType === 'code'
        ? checkCodeChallenge(
            client,
            pending.codeChallenge,
            pending.codeChallengeMethod,
            context.allowPlainPkce,
          )
        : { codeChallenge: undefined, codeChallengeMethod: undefined };
    const request: AuthorizationRequest = Object.freeze({
      ...target,
      client,
      responseType,
      redirectUriSent: pending.redirectUriSent,
      scope: Object.freeze(scope),
      resources: Object.freeze(named.map((r) => r.resource)),
      ...pkce,
      dpopJkt: responseType === 'code' ? checkDpopJktValue(pending.dpopJkt) : undefined,
      ...(scope.includes('openid') ? openIdParts(pending) : {}),
      uiLocales: pending.uiLocales,
    });
    return { kind: 'valid', request };
  } catch (err) {
    if (err instanceof OAuthError) return refusal({ target }, err, context.issuer);
    throw err;
  }
}
