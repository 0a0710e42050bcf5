/**
 * The UserInfo endpoint for Express/Connect (OpenID Connect Core 5.3), GET and
 * POST: the access token is checked as `protect({ scope: 'openid' })` checks it
 * (./protect.ts: Bearer or DPoP, RFC 6750 3 challenges), then the engine answers
 * the claims (lib/endpoints/openid/userinfo.ts).
 *
 * Rules:
 * - No credentials → 401 with a Bearer challenge; a bad, expired or revoked
 *   token → 401 `invalid_token`; a token without `openid` → 403
 *   `insufficient_scope` (RFC 6750 3.1, OIDC Core 5.3.3).
 * - What the engine refuses after the check (a token of a deleted client, a
 *   `client_credentials` token: 401 `invalid_token`) carries the same
 *   challenge, in the token's scheme.
 * - Any other method → 405 with `Allow: GET, POST`.
 * - The answer is JSON with `Cache-Control: no-store` (it is personal data).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointDefinition } from '../endpoints/registry.js';
import { NO_STORE, type Provider } from '../engine/provider.js';
import { InvalidRequestError } from '../errors.js';
import type { EngineResponse } from '../types.js';
import { bearerCheck, bearerErrorResponse, type ProtectedTokenInfo } from './bearer.js';
import { corsMethods, withCors } from './cors.js';
import { protectHandler } from './protect.js';
import { sendJson } from './respond.js';

type UserInfoRequest = IncomingMessage & { oauth2?: { token: ProtectedTokenInfo } };

function notAllowed(res: ServerResponse): void {
  const error = new InvalidRequestError('this endpoint accepts GET and POST only');
  sendJson(res, {
    status: 405,
    headers: { ...NO_STORE, Allow: 'GET, POST' },
    body: error.toJSON(),
  });
}

/** The `(req, res, next)` handler of the UserInfo endpoint. */
export function userInfoHandler(provider: Provider) {
  const protect = protectHandler(provider, { scope: 'openid' });
  const check = bearerCheck(provider, { scope: 'openid' });
  /** The engine's refusal with the challenge of the token's scheme (RFC 6750 3), or a 5xx. */
  const refused = (token: ProtectedTokenInfo, err: unknown): EngineResponse => {
    const scheme = 'dpop' in token && token.dpop === true ? 'dpop' : 'bearer';
    const response = bearerErrorResponse(provider, check, err, scheme);
    return { ...response, headers: { ...NO_STORE, ...response.headers } };
  };
  const answer = (req: UserInfoRequest, res: ServerResponse): void => {
    const token = req.oauth2?.token;
    if (token === undefined) throw new TypeError('userinfo: the token check did not run');
    provider.userInfo(token).then(
      (claims) => sendJson(res, { status: 200, headers: NO_STORE, body: claims }),
      (err: unknown) => sendJson(res, refused(token, err)),
    );
  };
  return function userinfo(
    req: UserInfoRequest,
    res: ServerResponse,
    next?: (err?: unknown) => void,
  ): void {
    if (req.method !== 'GET' && req.method !== 'POST') return notAllowed(res);
    protect(req, res, (err?: unknown) => (err === undefined ? answer(req, res) : next?.(err)));
  };
}

/** The UserInfo row's handler, answering browsers under the CORS policy when the row says `cors`. */
export function userInfoEndpoint(provider: Provider, endpoint: EndpointDefinition) {
  const policy = endpoint.cors === true ? provider.config.cors : undefined;
  return withCors(policy, corsMethods(endpoint.kind), userInfoHandler(provider));
}
