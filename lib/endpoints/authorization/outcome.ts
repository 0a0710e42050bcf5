/**
 * What the authorization endpoint's engine (./endpoint.ts) takes from and gives
 * to its HTTP adapter: the signed-in user, the user's answer on the consent page,
 * and the outcomes (an error page, a redirect, a login, a consent page).
 *
 * Rules:
 * - An outcome is plain data: the adapter renders or redirects it, and keeps
 *   only the JSON-safe parts (`PendingAuthorization`) in the session.
 * - A login outcome carries the checked request as a bounded query string, never
 *   the URL as it came; a pushed request's login carries the request taken for
 *   its `request_uri` (RFC 9126 4), for the way back.
 * - The consent page shows where the client comes from and where the user goes
 *   (./provenance.ts), and offers "remember" only with `consent.remember` on.
 */
import type { OAuthError } from '../../errors.js';
import type { ConsentProvenance } from './provenance.js';
import type { PendingAuthorization } from './request.js';
import type { CheckedRequest } from './run.js';

/** The signed-in user, as the engine needs them. */
export interface AuthorizationUser {
  /** The user's stable identifier (the token's `sub`). */
  readonly subject: string;
  /**
   * When the user authenticated, epoch seconds (OIDC Core 2 `auth_time`), as the
   * site adapter reports it. Default: now (the provider's clock).
   */
  readonly authTime?: number | undefined;
  /** OIDC Core 2 `acr`, as the site adapter reports it (../openid/authentication.ts). Default: unknown. */
  readonly acr?: string | undefined;
  /** OIDC Core 2 `amr` (RFC 8176 values), as the site adapter reports it. Default: unknown. */
  readonly amr?: readonly string[] | undefined;
}

/**
 * What the host's login page is told of the request (OIDC Core 3.1.2.1), to
 * prefill or localize it; hints, never instructions (./login-hint.ts).
 */
export interface LoginHints {
  /** `login_hint`: the login identifier the user might use, as the client sent it. */
  readonly loginHint?: string;
  /** `ui_locales`: language tags, space-separated, most wanted first (checked tags only). */
  readonly uiLocales?: string;
}

/** The user's answer on the consent page. */
export interface AuthorizationAnswer {
  /** `'allow'` or `'deny'`, as sent; anything else (or nothing) is an error page. */
  readonly decision: string | undefined;
  /** Whether the user ticked "remember"; ignored unless `consent.remember` is on. Default false. */
  readonly remember?: boolean;
}

/**
 * What the adapter shows on the consent page; with where the client comes from
 * and where the user goes (./provenance.ts).
 */
export interface ConsentPrompt extends ConsentProvenance {
  readonly kind: 'consent';
  /** The checked request, JSON-safe: keep it (in the session) until the user answers. */
  readonly request: PendingAuthorization;
  readonly client: { readonly id: string; readonly name: string };
  /** The scope to grant, each with its description (its name when it has none). */
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  /** Whether to offer a "remember" checkbox (`consent.remember` is on). */
  readonly rememberable: boolean;
}

/** The answer to a decision: an error page, or a redirect (success or error). */
export type AuthorizationResult =
  /** Show an error page: the client or redirect URI cannot be trusted, or the answer is malformed. */
  | { readonly kind: 'show'; readonly error: OAuthError }
  /** Send the user agent to the client: with a code, a token or an error (`error` set). */
  | { readonly kind: 'redirect'; readonly location: string; readonly error?: OAuthError };

/** What to do with an authorization request. */
export type AuthorizationOutcome =
  | AuthorizationResult
  /**
   * Nobody is signed in: send the user to log in, then back to the same request.
   * `query` is that request, checked, as a query string without `?` (known
   * parameters only, so its size is bounded): keep it, not the URL as it came.
   */
  | {
      readonly kind: 'login';
      readonly query: string;
      /** For the login page: the request's `login_hint` and `ui_locales`. */
      readonly hints: LoginHints;
      /**
       * For a pushed request (RFC 9126): its `request_uri` (`query` repeats it)
       * and the request taken for it. Keep it for the way back, which cannot
       * take it from the store again: pass it to `start` as `kept`.
       */
      readonly pushed?: { readonly requestUri: string; readonly request: PendingAuthorization };
    }
  | ConsentPrompt;

/** A refusal: what both the checks and the endpoint answer with. */
export type Refusal = Exclude<CheckedRequest, { readonly kind: 'valid' }>;
