/**
 * The shape of one step of the authorization endpoint, and what it works on.
 *
 * Rules:
 * - A step reads the query and what earlier steps resolved (the draft), checks
 *   one thing, and either records its result on the draft or throws an
 *   `OAuthError`. It never builds a response: the runner (./run.ts) does.
 * - Until a step has set `draft.target` (the redirect-uri step), a refusal is
 *   shown to the user; from then on it is redirected to the client
 *   (RFC 6749 4.1.2.1).
 * - A step that needs an earlier step's result and does not find it is a
 *   programming error in the step table: a TypeError, never an OAuth error.
 * - Anything else thrown (a store that is down) leaves the runner untouched.
 */
import type { CodeChallengeMethod } from '../../helpers/pkce.js';
import type { Resources } from '../../helpers/resources.js';
import type { ScopePolicy } from '../../helpers/scope.js';
import type { ClientStore } from '../../stores/types.js';
import type { Client } from '../../types.js';
import type { Prompt } from './prompt.js';
import type { AuthorizationQuery } from './query.js';
import type { RedirectTarget, ResponseType } from './request.js';

/** What the steps read besides the request: the server's configuration. */
export interface AuthorizationContext {
  /** The `iss` URL, sent with every answer (RFC 9207). */
  readonly issuer: string;
  readonly clients: ClientStore;
  readonly scopes: ScopePolicy;
  /** The response types the server offers (`token` only with the implicit grant on). */
  readonly responseTypes: ReadonlySet<ResponseType>;
  /** Whether PKCE's `plain` method is accepted (`pkce.allowPlain`). */
  readonly allowPlainPkce: boolean;
  /** The configured resources (RFC 8707) by indicator. */
  readonly resources: Resources;
  /** Whether every client must push its authorization requests (`par.required`, RFC 9126 4). */
  readonly parRequired: boolean;
}

/** A request being checked: the query, and what the steps so far resolved. */
export interface AuthorizationDraft {
  readonly query: AuthorizationQuery;
  client?: Client;
  /** Where answers go; once set, refusals are redirected there. */
  target?: RedirectTarget;
  redirectUriSent?: boolean;
  responseType?: ResponseType;
  scope?: readonly string[];
  /** The resource indicators granted (RFC 8707), distinct; `[]` for the default audience. */
  resources?: readonly string[];
  codeChallenge?: string | undefined;
  codeChallengeMethod?: CodeChallengeMethod | undefined;
  /** RFC 9449 10 `dpop_jkt`: the thumbprint of the key the code is bound to. */
  dpopJkt?: string | undefined;
  /** OpenID Connect `nonce` (OIDC Core 3.1.2.1), kept only for an `openid` request. */
  nonce?: string | undefined;
  /** OpenID Connect `prompt` values (OIDC Core 3.1.2.1), distinct; only for an `openid` request. */
  prompt?: readonly Prompt[] | undefined;
  /** OpenID Connect `max_age`, seconds; only for an `openid` request. */
  maxAge?: number | undefined;
  /** Epoch seconds: the login must be no older (set on the way back from a forced login, ./prompt.ts). */
  loginAfter?: number | undefined;
}

/** One step: checks the draft, records its result on it, or throws an `OAuthError`. */
export type AuthorizationStep = (
  draft: AuthorizationDraft,
  context: AuthorizationContext,
) => void | Promise<void>;

/**
 * An earlier step's result, or a TypeError naming the step that must come first.
 * @example const client = need(draft.client, 'client');
 */
export function need<T>(value: T | undefined, step: string): T {
  if (value === undefined)
    throw new TypeError(`authorization steps: the ${step} step must run before this one`);
  return value;
}
