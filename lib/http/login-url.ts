/**
 * The host's login URL with the request's hints for the login page (OpenID
 * Connect Core 3.1.2.1 `login_hint` and `ui_locales`), as the Passport site
 * adapter sends a user there.
 *
 * Rules:
 * - the hints are appended as query parameters `login_hint` and `ui_locales`,
 *   percent-encoded as a form (`URLSearchParams`), after the login URL's own
 *   query and before its fragment; nothing of the login URL is changed or
 *   re-encoded, whether it is a path (`/login`, `/login?next=1`) or an
 *   absolute URL (`https://id.example/login`);
 * - a hint's `&`, `=`, `#`, quotes, spaces, line breaks and non-ASCII letters
 *   end up encoded, so a hint can add no parameter and no header line;
 * - no hint, no change.
 */
import type { LoginHints } from '../endpoints/authorization/outcome.js';

/** The query parameters of `hints`, encoded; `''` when there is none. */
function hintQuery(hints: LoginHints): string {
  const params = new URLSearchParams();
  if (hints.loginHint !== undefined) params.append('login_hint', hints.loginHint);
  if (hints.uiLocales !== undefined) params.append('ui_locales', hints.uiLocales);
  return params.toString();
}

/**
 * `loginUrl` with `hints` in its query (rules above).
 * @example loginUrlWithHints('/login?next=1', { loginHint: 'a&b' }) // → '/login?next=1&login_hint=a%26b'
 */
export function loginUrlWithHints(loginUrl: string, hints: LoginHints = {}): string {
  const added = hintQuery(hints);
  if (added === '') return loginUrl;
  const hash = loginUrl.indexOf('#');
  const base = hash === -1 ? loginUrl : loginUrl.slice(0, hash);
  const fragment = hash === -1 ? '' : loginUrl.slice(hash);
  const joiner = !base.includes('?') ? '?' : /[?&]$/.test(base) ? '' : '&';
  return `${base}${joiner}${added}${fragment}`;
}
