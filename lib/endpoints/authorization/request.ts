/**
 * What the authorization endpoint's steps produce: the checked request, and the
 * JSON-safe form of it that waits in a consent transaction.
 *
 * Rules:
 * - An {@link AuthorizationRequest} exists only once every step of the endpoint
 *   passed; it is frozen.
 * - A {@link PendingAuthorization} holds only JSON values (the client's id, never
 *   the client), so a session store can keep it; it is checked again against the
 *   client as it is when the user answers (see ./resume.ts).
 */
import type { CodeChallengeMethod } from '../../helpers/pkce.js';
import type { Client } from '../../types.js';
import type { Prompt } from './prompt.js';

/** Response types of the authorization endpoint. */
export type ResponseType = 'code' | 'token';

/** Where an authorization response goes: `query` for `code`, `fragment` for `token`. */
export type ResponseMode = 'query' | 'fragment';

/** The parts of a request that an answer (success or error) is addressed with. */
export interface RedirectTarget {
  /** The redirect URI to answer at: the one sent, or the client's only one. */
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  /** Echoed in every answer when the request carried it once. */
  readonly state: string | undefined;
}

/** A checked authorization request. */
export interface AuthorizationRequest extends RedirectTarget {
  readonly client: Client;
  readonly responseType: ResponseType;
  /** Whether `redirect_uri` was in the request (then the token request must repeat it). */
  readonly redirectUriSent: boolean;
  /** The scope to grant, resolved against the client (defaults applied). */
  readonly scope: readonly string[];
  /** The resources (RFC 8707 indicators) the authorization is for; `[]`: the default audience. */
  readonly resources: readonly string[];
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: CodeChallengeMethod | undefined;
  /** RFC 9449 10 `dpop_jkt`: the thumbprint of the DPoP key the code is bound to. */
  readonly dpopJkt?: string | undefined;
  /** OpenID Connect `nonce`, echoed in the id_token; only for an `openid` request. */
  readonly nonce?: string | undefined;
  /** OpenID Connect `prompt` values, distinct; only for an `openid` request (./prompt.ts). */
  readonly prompt?: readonly Prompt[] | undefined;
  /** OpenID Connect `max_age`, seconds; only for an `openid` request. */
  readonly maxAge?: number | undefined;
  /** Epoch seconds: the user's login must be no older (after a forced login, ./prompt.ts). */
  readonly loginAfter?: number | undefined;
  /**
   * The `sub` of the request's `id_token_hint`, as the client knows the user
   * (pairwise or public); only for an `openid` request (./id-token-hint.ts).
   */
  readonly hintSubject?: string | undefined;
  /** Whether the user already went to log in for the hint: another user is then refused. */
  readonly hintAfterLogin?: boolean | undefined;
  /** OpenID Connect `login_hint`, for the host's login page; only for an `openid` request. */
  readonly loginHint?: string | undefined;
  /** The `ui_locales` tags kept (./ui-locales.ts), most wanted first; undefined when none. */
  readonly uiLocales?: readonly string[] | undefined;
  /** OpenID Connect `claims_locales`, BCP 47 tags; only for an `openid` request (./claims-locales.ts). */
  readonly claimsLocales?: readonly string[] | undefined;
}

/**
 * A checked request waiting for the user's answer, in a JSON-safe form: what a
 * session keeps between the consent page and the decision. Absent optional
 * values are left out (JSON has no `undefined`).
 */
export interface PendingAuthorization {
  readonly clientId: string;
  readonly responseType: ResponseType;
  readonly redirectUri: string;
  readonly redirectUriSent: boolean;
  readonly responseMode: ResponseMode;
  readonly scope: readonly string[];
  /** The resources (RFC 8707) granted; absent when none were named. */
  readonly resources?: readonly string[];
  readonly state?: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: CodeChallengeMethod;
  /** RFC 9449 10 `dpop_jkt`; absent when not sent. */
  readonly dpopJkt?: string;
  /** OpenID Connect `nonce`; absent when not sent. */
  readonly nonce?: string;
  /** OpenID Connect `prompt` values; absent when not sent. */
  readonly prompt?: readonly Prompt[];
  /** OpenID Connect `max_age`, seconds; absent when not sent. */
  readonly maxAge?: number;
  /** Epoch seconds (./prompt.ts); absent unless a login was forced. */
  readonly loginAfter?: number;
  /** The `id_token_hint`'s subject (./id-token-hint.ts); absent when not sent. */
  readonly hintSubject?: string;
  /** `true` once the user went to log in for the hint; absent before. */
  readonly hintAfterLogin?: true;
  /** OpenID Connect `login_hint`; absent when not sent. */
  readonly loginHint?: string;
  /** The `ui_locales` tags kept; absent when none. */
  readonly uiLocales?: readonly string[];
  /** OpenID Connect `claims_locales`; absent when not sent. */
  readonly claimsLocales?: readonly string[];
}

/** The JSON-safe form of a checked request. */
export function pendingAuthorization(request: AuthorizationRequest): PendingAuthorization {
  return {
    clientId: request.client.id,
    responseType: request.responseType,
    redirectUri: request.redirectUri,
    redirectUriSent: request.redirectUriSent,
    responseMode: request.responseMode,
    scope: [...request.scope],
    ...(request.resources.length === 0 ? {} : { resources: [...request.resources] }),
    ...(request.state === undefined ? {} : { state: request.state }),
    ...(request.codeChallenge === undefined ? {} : { codeChallenge: request.codeChallenge }),
    ...(request.codeChallengeMethod === undefined
      ? {}
      : { codeChallengeMethod: request.codeChallengeMethod }),
    ...(request.dpopJkt === undefined ? {} : { dpopJkt: request.dpopJkt }),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    ...(request.prompt === undefined ? {} : { prompt: [...request.prompt] }),
    ...(request.maxAge === undefined ? {} : { maxAge: request.maxAge }),
    ...(request.loginAfter === undefined ? {} : { loginAfter: request.loginAfter }),
    ...(request.claimsLocales === undefined ? {} : { claimsLocales: [...request.claimsLocales] }),
    ...(request.hintSubject === undefined ? {} : { hintSubject: request.hintSubject }),
    ...(request.hintAfterLogin === true ? { hintAfterLogin: true as const } : {}),
    ...(request.loginHint === undefined ? {} : { loginHint: request.loginHint }),
    ...(request.uiLocales === undefined ? {} : { uiLocales: [...request.uiLocales] }),
  };
}
