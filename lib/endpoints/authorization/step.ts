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
import type { KeyObject } from 'node:crypto';
import type { CodeChallengeMethod } from '../../helpers/pkce.js';
import type { Resources } from '../../helpers/resources.js';
import type { ScopePolicy } from '../../helpers/scope.js';
import type { ClientStore } from '../../stores/types.js';
import type { KeySet } from '../../tokens/keys.js';
import type { Client, Clock } from '../../types.js';
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
  /** The server's keys: an `id_token_hint` must verify with one of them (./id-token-hint.ts). */
  readonly keys: KeySet;
  /** The provider's clock, epoch milliseconds. */
  readonly clock: Clock;
  /** Whether an OpenID Connect request must carry a `nonce` (`openid.requireNonce`; ./nonce.ts). */
  readonly requireNonce: boolean;
  /** The key of pairwise subjects (`options.openid`), to compare an `id_token_hint`'s; undefined: none. */
  readonly pairwiseKey: KeyObject | undefined;
  /**
   * The locales the host offers for claims (`options.openid.claimsLocales`, in
   * their written form); undefined: every well-formed one (./claims-locales.ts).
   */
  readonly claimsLocales?: ReadonlySet<string> | undefined;
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
  /** The `sub` of the `id_token_hint` (or of the way back's `hint_sub`), as the client knows the user. */
  hintSubject?: string | undefined;
  /** Whether the hint came back from a login it asked for (`hint_sub`, ./id-token-hint.ts). */
  hintAfterLogin?: boolean | undefined;
  /** OpenID Connect `login_hint` (./login-hint.ts); only for an `openid` request. */
  loginHint?: string | undefined;
  /** The `ui_locales` tags kept (./ui-locales.ts), most wanted first; undefined when none. */
  uiLocales?: readonly string[] | undefined;
  /** OpenID Connect `claims_locales` (OIDC Core 5.2), kept only for an `openid` request. */
  claimsLocales?: readonly string[] | undefined;
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
