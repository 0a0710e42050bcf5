/**
 * `protect()`: the RFC 6750 bearer token check in front of an API route, and the
 * RFC 9449 DPoP check for DPoP-bound tokens.
 *
 * Rules:
 * - the token is read from `Authorization: Bearer <token>` or `Authorization:
 *   DPoP <token>` only; a token in the query string or body is ignored (RFC 9700
 *   2.1: no tokens in URLs);
 * - no credentials → 401 with `WWW-Authenticate: Bearer realm="…", DPoP
 *   realm="…", algs="…"` (with `resource`: `resource_metadata="…"`, a realm only
 *   when given) and no error code (RFC 6750 3.1, RFC 9449 7.2);
 * - a DPoP proof's `htu` is compared with the route's configured origin and the
 *   request's path (`req.originalUrl`, as the host app received it), never with
 *   the Host or X-Forwarded-* headers; a DPoP-bound token is refused as a bearer
 *   token (./dpop-resource.ts); with server nonces on, a DPoP request that passes
 *   gets the current nonce in `DPoP-Nonce` (RFC 9449 8.2);
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
import {
  bearerCheck,
  isRefusal,
  readCredentials,
  verifyCredentials,
  type ProtectArgument,
  type ProtectedTokenInfo,
} from './bearer.js';
import { dpopNonceHeader } from '../dpop/verification.js';
import { sendJson } from './respond.js';

export type { DpopMode, ProtectArgument, ProtectOptions, ProtectedTokenInfo } from './bearer.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * Set by `protect()`: what the verified access token says (`jkt` when it is
       * DPoP-bound, `dpop: true` when it came with a verified proof).
       */
      oauth2?: { token: ProtectedTokenInfo };
    }
  }
}

type ProtectRequest = IncomingMessage & { oauth2?: { token: ProtectedTokenInfo } };

/** The `DPoP` header: several are joined with commas by Node, which the verifier refuses. */
export function proofOf(req: IncomingMessage): string | undefined {
  const value = req.headers['dpop'];
  return Array.isArray(value) ? value.join(', ') : value;
}

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
    const credentials = readCredentials(provider, check, req.headers.authorization);
    if (credentials === undefined) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', check.challenge);
      res.end();
      return;
    }
    if (isRefusal(credentials)) {
      sendJson(res, credentials);
      return;
    }
    const request = {
      method: req.method ?? 'GET',
      path: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/',
      proof: proofOf(req),
    };
    verifyCredentials(provider, check, credentials, request).then((result) => {
      if (isRefusal(result)) {
        sendJson(res, result);
        return;
      }
      // RFC 9449 8.2: a success may carry the next nonce, so the client need not be refused for it.
      if (credentials.scheme === 'dpop')
        for (const [name, value] of Object.entries(dpopNonceHeader(provider.dpop)))
          res.setHeader(name, value);
      req.oauth2 = { token: result };
      next();
    });
  };
}
