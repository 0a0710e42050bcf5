/**
 * The authorization request's query string, read as the endpoint needs it.
 *
 * Rules:
 * - Parameters are read from the raw query string, never from a parser that
 *   builds arrays or objects (`client_id[]=x` is a parameter named `client_id[]`).
 * - An empty value counts as absent (RFC 6749 3.1: "Parameters sent without a
 *   value MUST be treated as if they were omitted from the request").
 * - A name seen more than once is recorded in `repeated`, so that a step can
 *   refuse it (RFC 6749 3.1: "Request and response parameters MUST NOT be
 *   included more than once"), except the names declared repeatable
 *   ({@link REPEATABLE}: `resource`, RFC 8707 2), whose every non-empty value is
 *   kept in `lists`.
 * - The way back after login is rebuilt from the checked request
 *   ({@link checkedQuery}): only the parameters the steps read, as they resolved
 *   them, so an unknown parameter (junk of any size) is never kept, and its size
 *   is bounded by what the steps allow (registered client and redirect URI,
 *   offered scopes, `state` ≤ 2048 printable ASCII characters, a challenge ≤ 128,
 *   `hint_sub` ≤ 255 and `login_hint` ≤ 256 characters, ≤ 10 `ui_locales` tags).
 */
import type { AuthorizationRequest } from './request.js';

/** Query parameters, with the names that appeared more than once. */
export interface AuthorizationQuery {
  readonly params: Readonly<Record<string, string>>;
  readonly repeated: ReadonlySet<string>;
  /** Every non-empty value of the repeatable parameters that were sent, in order. */
  readonly lists?: Readonly<Record<string, readonly string[]>>;
}

/** Parameters of the authorization request that may appear more than once. */
export const REPEATABLE: ReadonlySet<string> = new Set(['resource']);

/**
 * Parses a query string (with or without the leading `?`).
 *
 * @example
 * parseAuthorizationQuery('?client_id=spa&scope=a&scope=b')
 * // → { params: { client_id: 'spa', scope: 'b' }, repeated: Set { 'scope' } }
 */
export function parseAuthorizationQuery(search: string): AuthorizationQuery {
  const params: Record<string, string> = Object.create(null);
  const lists: Record<string, string[]> = Object.create(null);
  const repeated = new Set<string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(
    search.startsWith('?') ? search.slice(1) : search,
  )) {
    if (seen.has(name) && !REPEATABLE.has(name)) repeated.add(name);
    seen.add(name);
    if (value === '') continue;
    if (!REPEATABLE.has(name)) params[name] = value;
    else {
      (lists[name] ??= []).push(value);
      params[name] ??= value;
    }
  }
  return { params, repeated, lists };
}

/**
 * The query string (without `?`) of a checked request: `response_type`,
 * `client_id`, `redirect_uri` (when it was sent), `scope` (as resolved), each
 * `resource`, `state`, `code_challenge`, `code_challenge_method`, `dpop_jkt`,
 * `nonce`, `prompt`, `max_age`, `login_after`, `hint_sub` (an `id_token_hint`'s
 * subject once the user went to log in for it, ./id-token-hint.ts), `login_hint`
 * `ui_locales` (the tags kept) and `claims_locales`, in that order. Checking it again gives the
 * same request.
 * @param scope the resolved scope, formatted with the server's separator.
 */
export function checkedQuery(request: AuthorizationRequest, scope: string): string {
  const out = new URLSearchParams();
  out.append('response_type', request.responseType);
  out.append('client_id', request.client.id);
  if (request.redirectUriSent) out.append('redirect_uri', request.redirectUri);
  if (scope !== '') out.append('scope', scope);
  for (const resource of request.resources) out.append('resource', resource);
  if (request.state !== undefined) out.append('state', request.state);
  if (request.codeChallenge !== undefined) out.append('code_challenge', request.codeChallenge);
  if (request.codeChallengeMethod !== undefined)
    out.append('code_challenge_method', request.codeChallengeMethod);
  if (request.dpopJkt !== undefined) out.append('dpop_jkt', request.dpopJkt);
  if (request.nonce !== undefined) out.append('nonce', request.nonce);
  if (request.prompt !== undefined && request.prompt.length > 0)
    out.append('prompt', request.prompt.join(' '));
  if (request.maxAge !== undefined) out.append('max_age', String(request.maxAge));
  if (request.loginAfter !== undefined) out.append('login_after', String(request.loginAfter));
  if (request.hintAfterLogin === true && request.hintSubject !== undefined)
    out.append('hint_sub', request.hintSubject);
  if (request.loginHint !== undefined) out.append('login_hint', request.loginHint);
  if (request.uiLocales !== undefined) out.append('ui_locales', request.uiLocales.join(' '));
  if (request.claimsLocales !== undefined)
    out.append('claims_locales', request.claimsLocales.join(' '));
  return out.toString();
}
