/**
 * The UserInfo endpoint (OpenID Connect Core 5.3) for every adapter: the one
 * function that answers a UserInfo request, so the Express/Connect handler
 * (./userinfo.ts) and `fetchHandler()` (./fetch.ts) only translate their
 * request in and the answer out. It knows no request or response type.
 *
 * Rules:
 * - GET and POST only; any other method → 405 `invalid_request` with
 *   `Allow: GET, POST` (OPTIONS preflights are answered by the CORS wrapper
 *   first, when the row says `cors`);
 * - the access token is checked as `protect({ scope: 'openid' })` checks it
 *   (./bearer.ts: Bearer or DPoP, from the Authorization header only; a token
 *   in a POST body or the query is ignored, RFC 9700 2.1; a DPoP proof's `htu`
 *   is the issuer's origin + the request's path, never the Host header): no
 *   credentials → 401 with the bare challenge and no body; a bad, expired or
 *   revoked token → 401 `invalid_token`; a token without `openid` → 403
 *   `insufficient_scope` (RFC 6750 3.1, OIDC Core 5.3.3);
 * - what the engine refuses after the check (a `client_credentials` token, a
 *   token of a deleted client: 401 `invalid_token`) carries the challenge of
 *   the scheme the request used; a DPoP request that passed the check gets the
 *   current server nonce in `DPoP-Nonce` (RFC 9449 8.2), as at `protect()`;
 * - every answer carries `Cache-Control: no-store` (the claims are personal
 *   data, and no refusal should be cached either); it never rejects.
 */
import { dpopNonceHeader } from '../dpop/verification.js';
import { OPENID_SCOPE } from '../endpoints/openid/options.js';
import { NO_STORE, type Provider } from '../engine/provider.js';
import { InvalidRequestError } from '../errors.js';
import type { EngineResponse } from '../types.js';
import {
  bearerCheck,
  bearerErrorResponse,
  isRefusal,
  readCredentials,
  verifyCredentials,
  type BearerCheck,
  type Credentials,
} from './bearer.js';
import type { ResourceRequest } from './dpop-resource.js';

/** What an adapter hands over of a UserInfo request. */
export interface UserInfoRequest extends ResourceRequest {
  /** The `Authorization` header, if any. */
  readonly authorization: string | null | undefined;
}

/**
 * The answer to a UserInfo request: JSON with the status and headers given, or
 * no body at all when `body` is `undefined` (the bare 401 challenge).
 */
export type UserInfoAnswer = (request: UserInfoRequest) => Promise<EngineResponse>;

/** The methods UserInfo takes (OIDC Core 5.3: "MUST support the use of the HTTP GET and HTTP POST methods"). */
const USERINFO_METHODS = 'GET, POST';

function notAllowed(): EngineResponse {
  const error = new InvalidRequestError('this endpoint accepts GET and POST only');
  return { status: 405, headers: { ...NO_STORE, Allow: USERINFO_METHODS }, body: error.toJSON() };
}

function noStore(response: EngineResponse, extra: Record<string, string> = {}): EngineResponse {
  return { ...response, headers: { ...NO_STORE, ...extra, ...response.headers } };
}

/** The claims for a request whose token passed the check, or the refusal in its scheme. */
async function claimsFor(
  provider: Provider,
  check: BearerCheck,
  credentials: Credentials,
  request: UserInfoRequest,
): Promise<EngineResponse> {
  const token = await verifyCredentials(provider, check, credentials, request);
  if (isRefusal(token)) return noStore(token);
  const nonce = credentials.scheme === 'dpop' ? dpopNonceHeader(provider.dpop) : {};
  try {
    return {
      status: 200,
      headers: { ...NO_STORE, ...nonce },
      body: await provider.userInfo(token),
    };
  } catch (err) {
    return noStore(bearerErrorResponse(provider, check, err, credentials.scheme), nonce);
  }
}

/** The UserInfo answerer of `provider` (rules above); the token check is built once, here. */
export function userInfoAnswer(provider: Provider): UserInfoAnswer {
  const check = bearerCheck(provider, { scope: OPENID_SCOPE }, 'userinfo');
  return async function userinfo(request) {
    if (request.method !== 'GET' && request.method !== 'POST') return notAllowed();
    try {
      const credentials = readCredentials(provider, check, request.authorization);
      if (credentials === undefined)
        return {
          status: 401,
          headers: { ...NO_STORE, 'WWW-Authenticate': check.challenge },
          body: undefined,
        };
      if (isRefusal(credentials)) return noStore(credentials);
      return await claimsFor(provider, check, credentials, request);
    } catch (err) {
      return provider.errorResponse(err, NO_STORE);
    }
  };
}
