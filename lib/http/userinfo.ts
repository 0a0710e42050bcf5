/**
 * The UserInfo endpoint for Express/Connect/node:http (OpenID Connect Core 5.3),
 * GET and POST. It only translates: the request's method, path (`originalUrl`,
 * for a DPoP proof's `htu`), Authorization and DPoP headers go to the one
 * answerer every adapter shares (./userinfo-answer.ts, where the rules are:
 * the bearer/DPoP check of `protect({ scope: 'openid' })`, its RFC 6750
 * challenges, 405 for other methods, no-store), and its answer is written back.
 * The claims come from the engine (lib/endpoints/openid/userinfo.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointDefinition } from '../endpoints/registry.js';
import type { Provider } from '../engine/provider.js';
import type { EngineResponse } from '../types.js';
import { corsMethods, withCors } from './cors.js';
import { proofOf } from './protect.js';
import { sendJson } from './respond.js';
import { userInfoAnswer } from './userinfo-answer.js';

/** Writes a UserInfo answer: JSON, or headers alone for the bare 401 challenge. */
function send(res: ServerResponse, response: EngineResponse): void {
  if (response.body !== undefined) return sendJson(res, response);
  res.writeHead(response.status, response.headers);
  res.end();
}

/** The `(req, res, next)` handler of the UserInfo endpoint. */
export function userInfoHandler(provider: Provider) {
  const answer = userInfoAnswer(provider);
  return function userinfo(
    req: IncomingMessage,
    res: ServerResponse,
    next?: (err?: unknown) => void,
  ): void {
    const request = {
      method: req.method ?? 'GET',
      path: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/',
      authorization: req.headers.authorization,
      proof: proofOf(req),
    };
    answer(request).then(
      (response) => send(res, response),
      (err: unknown) => next?.(err),
    );
  };
}

/** The UserInfo row's handler, answering browsers under the CORS policy when the row says `cors`. */
export function userInfoEndpoint(provider: Provider, endpoint: EndpointDefinition) {
  const policy = endpoint.cors === true ? provider.config.cors : undefined;
  return withCors(policy, corsMethods(endpoint.kind), userInfoHandler(provider));
}
