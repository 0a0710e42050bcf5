/**
 * Step `id-token-hint` (OpenID Connect Core 1.0 3.1.2.1): `id_token_hint`, an
 * id_token this server issued to the client, naming the user the client
 * believes is signed in; and the rule that compares it with the signed-in user.
 *
 * Rules:
 * - Only an OpenID Connect request (its scope has `openid`) reads
 *   `id_token_hint` and `hint_sub`; a plain OAuth request ignores them, as any
 *   unknown parameter.
 * - The hint is read by lib/tokens/id-token-hint.ts: signed by a key of the
 *   server's set (a foreign key or an altered payload fails), `typ` `JWT` (an
 *   access token, `at+jwt`, is no hint), at most 16 KiB, this issuer, one
 *   audience; an expired one is accepted (a hint grants nothing) → else
 *   `invalid_request` "id_token_hint is invalid", redirected.
 * - Its audience is the request's client → else `invalid_request`
 *   {@link ID_TOKEN_HINT_OTHER_CLIENT}, redirected: a hint never crosses clients.
 * - Only its subject is kept, at most {@link MAX_HINT_SUBJECT} characters with
 *   no control character (OIDC Core 2: a `sub` "MUST NOT exceed 255 ASCII
 *   characters") → else "id_token_hint is invalid".
 * - Once a user is signed in ({@link otherThanHinted}): the subject this client
 *   knows them by (`clientSubject`: pairwise or public, never the raw subject)
 *   must be the hint's. Else, with `prompt=none` → `login_required`; otherwise
 *   the user is sent to log in (./prompt.ts `loginDecision`).
 * - The way back from any login of a hinted request ({@link hintWayBack}: the
 *   checked query, or the pushed request kept in the session) carries the
 *   subject as `hint_sub`, never the JWT; back with another user →
 *   `login_required`, redirected, never another login.
 * - `hint_sub` in a request is the way back's: 1 to {@link MAX_HINT_SUBJECT}
 *   characters, no control character → else `invalid_request`. Whoever writes
 *   one only makes that request stricter (refused for any other user), as an
 *   id_token they hold would; it grants nothing. Beside `id_token_hint` it is
 *   ignored.
 */
import { InvalidRequestError } from '../../errors.js';
import { ID_TOKEN_HINT_OTHER_CLIENT, readIdTokenHint } from '../../tokens/id-token-hint.js';
import { clientSubject } from '../openid/subject.js';
import { OPENID_SCOPE } from '../openid/options.js';
import type { AuthorizationRequest } from './request.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

/** The longest hint subject kept, in characters (OIDC Core 2 `sub`). */
export const MAX_HINT_SUBJECT = 255;

/** The public text of a signed-in user who is not the hint's. */
export const HINTED_USER_NOT_SIGNED_IN = 'the signed-in user is not the one id_token_hint names';

function keepable(subject: string): boolean {
  return subject.length <= MAX_HINT_SUBJECT && !/\p{Cc}/u.test(subject);
}

/** The subject of a valid `id_token_hint` issued to `clientId` (rules above). */
function hintedSubject(token: string, clientId: string, context: AuthorizationContext): string {
  const hint = readIdTokenHint(context.keys, token, {
    issuer: context.issuer,
    now: context.clock(),
  });
  if (hint.clientId !== clientId)
    throw new InvalidRequestError(ID_TOKEN_HINT_OTHER_CLIENT, { detail: `aud ${hint.clientId}` });
  if (!keepable(hint.subject))
    throw new InvalidRequestError('id_token_hint is invalid', { detail: 'sub too long to keep' });
  return hint.subject;
}

export function checkIdTokenHint(draft: AuthorizationDraft, context: AuthorizationContext): void {
  if (!need(draft.scope, 'scope').includes(OPENID_SCOPE)) return;
  const { params } = draft.query;
  const token = params['id_token_hint'];
  if (token !== undefined) {
    draft.hintSubject = hintedSubject(token, need(draft.client, 'client').id, context);
    return;
  }
  const back = params['hint_sub'];
  if (back === undefined) return;
  if (!keepable(back))
    throw new InvalidRequestError(
      `hint_sub must be 1 to ${MAX_HINT_SUBJECT} characters without control characters`,
    );
  draft.hintSubject = back;
  draft.hintAfterLogin = true;
}

/**
 * Whether the request's hint names another user than `subject` (the signed-in
 * user's own subject); false without a hint.
 * @param pairwiseKey the server's pairwise key, if any (../openid/subject.ts).
 */
export function otherThanHinted(
  request: AuthorizationRequest,
  subject: string,
  pairwiseKey: AuthorizationContext['pairwiseKey'],
): boolean {
  if (request.hintSubject === undefined) return false;
  return clientSubject(request.client, subject, pairwiseKey) !== request.hintSubject;
}

/** The request to come back to after a login: a hint comes back as `hint_sub` (rules above). */
export function hintWayBack(request: AuthorizationRequest): AuthorizationRequest {
  if (request.hintSubject === undefined || request.hintAfterLogin === true) return request;
  return Object.freeze({ ...request, hintAfterLogin: true });
}
