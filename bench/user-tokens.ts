/**
 * The runner's side of the `user` scenarios (bench/scenarios.ts): the user's
 * tokens fetched before the load, what each scenario sends with them, and what a
 * right answer looks like in the sanity check.
 *
 * Rules:
 * - the tokens come from the scenario's own `/token` (password grant, scope
 *   `openid profile email`), so they are the provider's it is loaded against;
 * - a GET scenario (UserInfo) sends the access token as `Bearer`; a POST one
 *   (the token endpoint) sends the refresh token in the form body;
 * - a right UserInfo answer names the bench user's `sub` and the claims of the
 *   granted scope; a right token answer carries a JWT access token and an
 *   id_token.
 */
import { USER_CLAIMS } from './openid.js';
import { BENCH_USER, USER_TOKEN_BODY } from './scenarios.js';

/** The user's tokens, as the password grant answered them. */
export interface UserTokens {
  readonly access: string;
  readonly refresh: string;
}

/**
 * The bench user's tokens from the token endpoint on `port`.
 * @param basic the client's `Authorization: Basic …` header value.
 * @throws Error when the answer is not a 200 with both tokens.
 */
export async function fetchUserTokens(port: number, basic: string): Promise<UserTokens> {
  const res = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: USER_TOKEN_BODY,
  });
  const body = (await res.json()) as { access_token?: unknown; refresh_token?: unknown };
  if (
    res.status !== 200 ||
    typeof body.access_token !== 'string' ||
    typeof body.refresh_token !== 'string'
  )
    throw new Error(`the password grant got ${res.status} ${JSON.stringify(body)}`);
  return { access: body.access_token, refresh: body.refresh_token };
}

/** The form body of a refresh with `refresh` (its scope kept: `openid` brings an id_token). */
export function refreshBody(refresh: string): string {
  return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh }).toString();
}

const isJwt = (value: unknown): boolean =>
  typeof value === 'string' && value.split('.').length === 3;

/** Whether `body` is what a `user` scenario of `method` must answer (rules above). */
export function userAnswerOk(method: 'GET' | 'POST', body: Record<string, unknown>): boolean {
  if (method === 'POST')
    return (
      isJwt(body['access_token']) && isJwt(body['id_token']) && body['token_type'] === 'Bearer'
    );
  return (
    body['sub'] === BENCH_USER.subject &&
    body['name'] === USER_CLAIMS.name &&
    body['email'] === USER_CLAIMS.email
  );
}
