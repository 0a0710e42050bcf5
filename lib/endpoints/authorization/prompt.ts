/**
 * Step `prompt` (OpenID Connect Core 3.1.2.1): `prompt` and `max_age`, read for
 * an `openid` request, and the rule that uses them once the request is checked:
 * whether the user must (re-)authenticate before consent.
 *
 * Rules:
 * - Only an OpenID Connect request (its scope has `openid`) reads `prompt`,
 *   `max_age` and `login_after`; a plain OAuth request ignores them, as any
 *   unknown parameter.
 * - `prompt` is a space-delimited list of `none`, `login`, `consent`,
 *   `select_account` (case-sensitive) → an unknown value is `invalid_request`;
 *   `none` with any other value is `invalid_request` ("If this parameter contains
 *   none with any other value, an error is returned"). Both redirected.
 * - `max_age` is a whole number of seconds (at most 10 digits) → else
 *   `invalid_request`, redirected.
 * - Without `max_age`, the client's registered `default_max_age` applies as if
 *   sent (OpenID Connect Dynamic Client Registration 1.0 2); a request's own
 *   `max_age` wins, whether longer or shorter.
 * - Who must sign in ({@link loginDecision}, OIDC Core 3.1.2.3): nobody signed
 *   in; `prompt=login` or `select_account` (this server has no account chooser:
 *   the host's login page is where a user picks an account, so
 *   `account_selection_required` is never sent); `max_age=0`; or a login older
 *   than `max_age` (now − `auth_time` > `max_age`). With `prompt=none` each of
 *   these is `login_required`, redirected, and no page is shown.
 * - A forced login comes back once: the way back (the checked query, or the
 *   pushed request kept in the session) drops `login`, `select_account` and
 *   `max_age` and carries `login_after` (epoch seconds, the time the login was
 *   asked for); back with a login older than that (the host's login page let a
 *   signed-in user through without a new login) is `login_required`, redirected,
 *   never another round to the login page. `login_after` in a request a client
 *   or user writes can only weaken that request's own re-authentication, as
 *   leaving out `prompt=login` would; the id_token's `auth_time` tells the client
 *   (OIDC Core 3.1.2.1: the client checks `auth_time` against its `max_age`).
 * - A user whose site adapter reports no `authTime` counts as signed in now
 *   (SiteUser's documented default), so `max_age` cannot force their login.
 * - An `id_token_hint` naming another user than the signed-in one
 *   (./id-token-hint.ts) is a login too: `login_required` with `prompt=none` or
 *   on the way back from a login, else the login page. Every way back of a
 *   hinted request carries the hint's subject, not the JWT.
 */
import { InvalidRequestError, LoginRequiredError, quoteValue } from '../../errors.js';
import { OPENID_SCOPE } from '../openid/options.js';
import { HINTED_USER_NOT_SIGNED_IN, hintWayBack, otherThanHinted } from './id-token-hint.js';
import type { AuthorizationRequest } from './request.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

/** The `prompt` values of OpenID Connect Core 3.1.2.1. */
export type Prompt = 'none' | 'login' | 'consent' | 'select_account';

const PROMPTS: ReadonlySet<string> = new Set<Prompt>([
  'none',
  'login',
  'consent',
  'select_account',
]);

/** The prompt values that force a login. */
const LOGIN_PROMPTS: ReadonlySet<Prompt> = new Set<Prompt>(['login', 'select_account']);

const SECONDS = /^[0-9]{1,10}$/;

function parsePrompt(value: string): readonly Prompt[] {
  const values = [...new Set(value.split(' ').filter((v) => v !== ''))];
  const unknown = values.find((v) => !PROMPTS.has(v));
  if (unknown !== undefined)
    throw new InvalidRequestError(`prompt ${quoteValue(unknown)} is not supported`);
  if (values.includes('none') && values.length > 1)
    throw new InvalidRequestError(
      'prompt=none must not be combined with other values (OpenID Connect Core 3.1.2.1)',
    );
  return values as Prompt[];
}

function parseSeconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!SECONDS.test(value))
    throw new InvalidRequestError(`${name} must be a whole number of seconds`);
  return Number(value);
}

export function checkPrompt(draft: AuthorizationDraft): void {
  if (!need(draft.scope, 'scope').includes(OPENID_SCOPE)) return;
  const { params } = draft.query;
  const prompt = params['prompt'];
  if (prompt !== undefined) draft.prompt = parsePrompt(prompt);
  draft.maxAge = parseSeconds('max_age', params['max_age']) ?? draft.client?.defaultMaxAge;
  draft.loginAfter = parseSeconds('login_after', params['login_after']);
}

/** Whether the request carries the prompt value `value`. */
export function prompts(request: AuthorizationRequest, value: Prompt): boolean {
  return request.prompt?.includes(value) === true;
}

/** What to do about the user's login, given the request (see the rules). */
export type LoginDecision<U> =
  | { readonly kind: 'signed-in'; readonly user: U }
  /** Send the user to log in, then back to `request` (the way back, see the rules). */
  | { readonly kind: 'login'; readonly request: AuthorizationRequest }
  | { readonly kind: 'refused'; readonly error: LoginRequiredError };

/** Whether the request asks for a login newer than the one the user has. */
function loginRequested(request: AuthorizationRequest, authTime: number, now: number): boolean {
  if (request.loginAfter !== undefined) return false;
  if (request.prompt?.some((p) => LOGIN_PROMPTS.has(p)) === true) return true;
  const { maxAge } = request;
  return maxAge !== undefined && (maxAge === 0 || now - authTime > maxAge);
}

/** The request to come back to after a forced login: once, with `loginAfter` (the rules). */
function wayBack(request: AuthorizationRequest, now: number): AuthorizationRequest {
  const back = hintWayBack(request);
  const forced = request.maxAge !== undefined || request.prompt?.some((p) => LOGIN_PROMPTS.has(p));
  if (forced !== true) return back;
  return Object.freeze({
    ...back,
    prompt: request.prompt?.filter((p) => !LOGIN_PROMPTS.has(p)),
    maxAge: undefined,
    loginAfter: now,
  });
}

/**
 * Whether `user` may go on to consent, must log in first, or the request is
 * refused with `login_required` (the rules above).
 * @param now epoch seconds.
 * @param pairwiseKey the server's pairwise key, to compare an `id_token_hint`'s subject.
 */
export function loginDecision<
  U extends { readonly subject: string; readonly authTime?: number | undefined },
>(
  request: AuthorizationRequest,
  user: U | undefined,
  now: number,
  pairwiseKey?: AuthorizationContext['pairwiseKey'],
): LoginDecision<U> {
  const none = prompts(request, 'none');
  if (user === undefined) {
    if (none)
      return { kind: 'refused', error: new LoginRequiredError('the user is not signed in') };
    return { kind: 'login', request: wayBack(request, now) };
  }
  if (otherThanHinted(request, user.subject, pairwiseKey)) {
    if (none || request.hintAfterLogin === true)
      return { kind: 'refused', error: new LoginRequiredError(HINTED_USER_NOT_SIGNED_IN) };
    return { kind: 'login', request: wayBack(request, now) };
  }
  const authTime = user.authTime ?? now;
  if (request.loginAfter !== undefined && authTime < request.loginAfter)
    return { kind: 'refused', error: new LoginRequiredError('the user did not sign in again') };
  if (!loginRequested(request, authTime, now)) return { kind: 'signed-in', user };
  if (none)
    return { kind: 'refused', error: new LoginRequiredError('the user must sign in again') };
  return { kind: 'login', request: wayBack(request, now) };
}
