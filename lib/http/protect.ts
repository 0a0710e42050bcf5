/**
 * `protect()`: the RFC 6750 bearer token check in front of an API route.
 *
 * Rules:
 * - the token is read from `Authorization: Bearer <token>` only; a token in the
 *   query string or body is ignored (RFC 9700 2.1: no tokens in URLs);
 * - no bearer credentials → 401 with `WWW-Authenticate: Bearer realm="…"` (with
 *   `resource`: `Bearer resource_metadata="…"`, a realm only when given) and no
 *   error code (RFC 6750 3.1);
 * - a malformed Authorization header → 400 `invalid_request`;
 * - an unknown, expired or revoked token → 401 `error="invalid_token"`;
 * - a token without every required scope → 403 `error="insufficient_scope"`,
 *   naming the scope needed;
 * - a store that is down → 503 `temporarily_unavailable`;
 * - `protect({ resource })`: only tokens issued for that resource (RFC 8707) pass
 *   (others → 401 `invalid_token`), and every challenge carries
 *   `resource_metadata="…"` (RFC 9728 5.1);
 * - on success the token's data is on `req.oauth2` and the next handler runs;
 * - `protect('write')` is `protect({ scope: 'write' })`; a misspelled option
 *   (`scopes`) is a TypeError, never a route left without its scope.
 *
 * The rules themselves live in ./bearer.ts, shared with the Fetch adapter.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '../engine/provider.js';
import type { AccessTokenInfo } from '../tokens/checker.js';
import {
  bearerCheck,
  bearerToken,
  isRefusal,
  verifyBearerToken,
  type ProtectArgument,
} from './bearer.js';
import { sendJson } from './respond.js';

export type { ProtectArgument, ProtectOptions } from './bearer.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `protect()`: what the verified access token says. */
      oauth2?: { token: AccessTokenInfo };
    }
  }
}

type ProtectRequest = IncomingMessage & { oauth2?: { token: AccessTokenInfo } };

/**
 * The bearer check in front of a route: `options`, or the scope alone
 * (`protect('write')`).
 * @throws TypeError naming a bad option, a misspelled one included.
 */
export function protectHandler(
  provider: Provider,
  options: ProtectArgument = {},
): (req: ProtectRequest, res: ServerResponse, next: (err?: unknown) => void) => void {
  const check = bearerCheck(provider, options);

  return function protect(req, res, next) {
    const token = bearerToken(provider, check, req.headers.authorization);
    if (token === undefined) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', check.challenge);
      res.end();
      return;
    }
    if (typeof token !== 'string') {
      sendJson(res, token);
      return;
    }
    verifyBearerToken(provider, check, token).then((result) => {
      if (isRefusal(result)) {
        sendJson(res, result);
        return;
      }
      req.oauth2 = { token: result };
      next();
    });
  };
}
