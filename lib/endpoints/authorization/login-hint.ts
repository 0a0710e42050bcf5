/**
 * Step `login-hint` (OpenID Connect Core 1.0 3.1.2.1): `login_hint`, "Hint to
 * the Authorization Server about the login identifier the End-User might use
 * to log in", handed to the host's login page with the request's `ui_locales`
 * ({@link loginHints}, the site adapter's `login(req, res, returnTo, hints)`).
 *
 * Rules:
 * - Only an OpenID Connect request (its scope has `openid`) keeps a
 *   `login_hint`; a plain OAuth request ignores it, as any unknown parameter.
 * - It is 1 to {@link MAX_LOGIN_HINT} characters (code points), none of Unicode
 *   category C: no control character (CR, LF, NUL…), no format character (bidi
 *   overrides that would dress up what a login page shows), no private-use,
 *   unassigned or lone surrogate code point → else `invalid_request`,
 *   redirected. Letters of any script pass (`jürgen@example.de`).
 * - It is a hint: nothing is decided on it. It rides the way back from the
 *   login (./query.ts) and the pushed request, bounded as `state` is, and the
 *   site adapter gets it as given; the Passport adapter percent-encodes it into
 *   `loginUrl`'s query (lib/http/login-url.ts), and a login page must escape
 *   what it shows of it.
 */
import { InvalidRequestError } from '../../errors.js';
import { OPENID_SCOPE } from '../openid/options.js';
import type { LoginHints } from './outcome.js';
import type { AuthorizationRequest } from './request.js';
import { need, type AuthorizationDraft } from './step.js';

/** The longest `login_hint` kept, in characters (code points). */
export const MAX_LOGIN_HINT = 256;

const UNPRINTABLE = /\p{C}/u;

export function checkLoginHint(draft: AuthorizationDraft): void {
  const hint = draft.query.params['login_hint'];
  if (hint === undefined || !need(draft.scope, 'scope').includes(OPENID_SCOPE)) return;
  if ([...hint].length > MAX_LOGIN_HINT || UNPRINTABLE.test(hint))
    throw new InvalidRequestError(
      `login_hint must be 1 to ${MAX_LOGIN_HINT} printable characters (OpenID Connect Core 3.1.2.1)`,
    );
  draft.loginHint = hint;
}

/** What the host's login page is told of a checked request: `login_hint` and `ui_locales`. */
export function loginHints(request: AuthorizationRequest): LoginHints {
  return {
    ...(request.loginHint === undefined ? {} : { loginHint: request.loginHint }),
    ...(request.uiLocales === undefined ? {} : { uiLocales: request.uiLocales.join(' ') }),
  };
}
