/**
 * Step `redirect-uri`: where answers to this request may go.
 *
 * Rules (errors are shown to the user, never redirected — RFC 6749 4.1.2.1):
 * - `redirect_uri` is present at most once → else `invalid_request` (RFC 6749 3.1);
 * - when sent, it is one of the client's registered URIs, compared as exact
 *   strings (RFC 9700 2.1, RFC 6749 3.1.2.3); only for a public client
 *   registered on http://127.0.0.1 or http://[::1], any port is allowed
 *   (RFC 8252 7.3) → else `invalid_request`;
 * - when absent, the client registered exactly one, which is used
 *   (RFC 6749 3.1.2.3) → else `invalid_request`.
 * Once the URI is trusted this step sets `draft.target`, and every later refusal
 * is redirected there: in the fragment when `response_type` was sent as `token`
 * (RFC 6749 4.2.2.1), else in the query; with `state` unless `state` was repeated
 * or refused by ./state.ts (over 2048 characters, or not VSCHAR): such a state is
 * never echoed.
 */
import { InvalidRequestError } from '../../errors.js';
import { isPublicClient, type Client } from '../../types.js';
import { echoedState } from './state.js';
import { need, type AuthorizationDraft } from './step.js';

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

/** Whether `requested` is one of the client's redirect URIs (the rules above). */
export function matchRedirectUri(client: Client, requested: string): boolean {
  if (client.redirectUris.includes(requested)) return true;
  if (!isPublicClient(client)) return false;
  const req = LOOPBACK.exec(requested);
  if (req === null) return false;
  const port = req[2] === undefined ? 80 : Number(req[2]);
  if (port < 1 || port > 65535) return false;
  return client.redirectUris.some((registered) => {
    const reg = LOOPBACK.exec(registered);
    return reg !== null && reg[1] === req[1] && (reg[3] ?? '') === (req[3] ?? '');
  });
}

/** The refusal of a redirect URI the client did not register. */
export function unregisteredRedirectUriError(): InvalidRequestError {
  return new InvalidRequestError('the redirect_uri is not registered for this client');
}

function redirectUriOf(client: Client, sent: string | undefined): string {
  if (sent !== undefined) {
    if (!matchRedirectUri(client, sent)) throw unregisteredRedirectUriError();
    return sent;
  }
  const [only, ...others] = client.redirectUris;
  if (only === undefined || others.length > 0)
    throw new InvalidRequestError(
      'redirect_uri is required: the client has more than one registered',
    );
  return only;
}

export function checkRedirectUri(draft: AuthorizationDraft): void {
  const client = need(draft.client, 'client');
  const { params, repeated } = draft.query;
  if (repeated.has('redirect_uri'))
    throw new InvalidRequestError('redirect_uri must not be repeated');
  const sent = params['redirect_uri'];
  draft.redirectUriSent = sent !== undefined;
  draft.target = {
    redirectUri: redirectUriOf(client, sent),
    responseMode: params['response_type'] === 'token' ? 'fragment' : 'query',
    state: echoedState(draft),
  };
}
