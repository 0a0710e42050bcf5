/**
 * The runner: passes a request through an endpoint's steps (./steps.ts) and turns
 * the first refusal into the answer to give.
 *
 * Rules:
 * - Steps run in the table's order; the first `OAuthError` ends the run.
 * - A refusal before a step set the redirect target is shown to the user; after,
 *   it is redirected to the client with `state` and `iss` (RFC 6749 4.1.2.1,
 *   RFC 9207).
 * - Anything else a step throws (a store that is down) rejects the run; the
 *   endpoint (./endpoint.ts) turns it into an error page.
 * - A request that passes every step comes out frozen, with every field set.
 */
import { OAuthError } from '../../errors.js';
import type { AuthorizationQuery } from './query.js';
import type { AuthorizationRequest } from './request.js';
import { errorLocation } from './response.js';
import {
  need,
  type AuthorizationContext,
  type AuthorizationDraft,
  type AuthorizationStep,
} from './step.js';

/** What the steps made of a request. */
export type CheckedRequest =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest }
  /** Show an error page: the client or redirect URI cannot be trusted. */
  | { readonly kind: 'show'; readonly error: OAuthError }
  /** Redirect the error to the client. */
  | { readonly kind: 'redirect'; readonly location: string; readonly error: OAuthError };

/** The answer to a refusal, given what the steps trusted so far. */
export function refusal(
  draft: Pick<AuthorizationDraft, 'target'>,
  error: OAuthError,
  issuer: string,
): CheckedRequest {
  if (draft.target === undefined) return { kind: 'show', error };
  return { kind: 'redirect', location: errorLocation(draft.target, error, issuer), error };
}

function checked(draft: AuthorizationDraft): AuthorizationRequest {
  const target = need(draft.target, 'redirect-uri');
  return Object.freeze({
    client: need(draft.client, 'client'),
    responseType: need(draft.responseType, 'response-type'),
    redirectUri: target.redirectUri,
    redirectUriSent: need(draft.redirectUriSent, 'redirect-uri'),
    responseMode: target.responseMode,
    scope: Object.freeze([...need(draft.scope, 'scope')]),
    resources: Object.freeze([...need(draft.resources, 'resource')]),
    state: target.state,
    codeChallenge: draft.codeChallenge,
    codeChallengeMethod: draft.codeChallengeMethod,
    dpopJkt: draft.dpopJkt,
    nonce: draft.nonce,
    prompt: draft.prompt,
    maxAge: draft.maxAge,
    loginAfter: draft.loginAfter,
    claimsLocales: draft.claimsLocales,
    hintSubject: draft.hintSubject,
    hintAfterLogin: draft.hintAfterLogin,
    loginHint: draft.loginHint,
    uiLocales: draft.uiLocales,
  });
}

/**
 * Runs `steps` over `query`. Rejects only when something other than an `OAuthError` is thrown.
 * @param known what the caller resolved before the steps (the PAR endpoint: the
 *   authenticated client).
 */
export async function runSteps(
  steps: readonly AuthorizationStep[],
  query: AuthorizationQuery,
  context: AuthorizationContext,
  known: Pick<AuthorizationDraft, 'client'> = {},
): Promise<CheckedRequest> {
  const draft: AuthorizationDraft = { ...known, query };
  for (const step of steps) {
    try {
      await step(draft, context);
    } catch (err) {
      if (err instanceof OAuthError) return refusal(draft, err, context.issuer);
      throw err;
    }
  }
  return { kind: 'valid', request: checked(draft) };
}
