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
  };
}
