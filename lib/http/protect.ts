/**
 * `protect()`: the RFC 6750 bearer token check in front of an API route.
 *
 * Rules:
 * - the token is read from `Authorization: Bearer <token>` only; a token in the
 *   query string or body is ignored (RFC 9700 2.1: no tokens in URLs);
 * - no bearer credentials → 401 with `WWW-Authenticate: Bearer realm="…"` and no
 *   error code (RFC 6750 3.1);
 * - a malformed Authorization header → 400 `invalid_request`;
 * - an unknown, expired or revoked token → 401 `error="invalid_token"`;
 * - a token without every required scope → 403 `error="insufficient_scope"`,
 *   naming the scope needed;
 * - a store that is down → 503 `temporarily_unavailable`;
 * - on success the token's data is on `req.oauth2` and the next handler runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InsufficientScopeError, InvalidRequestError, toOAuthError, type OAuthError } from '../errors.js';
import type { Provider } from '../provider.js';
import { hasScopes } from '../scope.js';
import type { AccessTokenInfo } from '../verifier.js';
import { sendJson } from './respond.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `protect()`: what the verified access token says. */
      oauth2?: { token: AccessTokenInfo };
    }
  }
}

export interface ProtectOptions {
  /** Scopes the route needs, all of them; a string is split on spaces. Default none. */
  scope?: string | readonly string[];
  /** The `realm` of the challenge. Default `"api"`. */
  realm?: string;
  /**
   * Ask the token store whether a JWT access token was revoked. Default true.
   * False gives purely local checks: a revoked JWT then works until it expires.
   */
  checkRevocation?: boolean;
  /** The audience tokens must carry. Default: the provider's. */
  audience?: string;
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

type ProtectRequest = IncomingMessage & { oauth2?: { token: AccessTokenInfo } };

export function protectHandler(provider: Provider, options: ProtectOptions = {}): (req: ProtectRequest, res: ServerResponse, next: (err?: unknown) => void) => void {
  const required = typeof options.scope === 'string' ? options.scope.split(' ').filter(Boolean) : [...(options.scope ?? [])];
  for (const scope of required) {
    if (!provider.scopes.available.has(scope)) throw new TypeError(`protect(): options.scope names ${JSON.stringify(scope)}, which the provider does not offer`);
  }
  const realm = options.realm ?? 'api';
  if (!QUOTABLE.test(realm)) throw new TypeError('protect(): options.realm may not contain quotes or backslashes');
  const verifyOptions = { checkRevocation: options.checkRevocation !== false, ...(options.audience === undefined ? {} : { audience: options.audience }) };
  const basic = `Bearer realm="${realm}"`;

  const fail = (res: ServerResponse, err: unknown): void => {
    const error: OAuthError = toOAuthError(err);
    const response = provider.errorResponse(error);
    let challenge = `${basic}, error="${error.error}"`;
    if (error instanceof InsufficientScopeError) challenge += `, scope="${error.requiredScope.join(' ')}"`;
    else if (QUOTABLE.test(error.description)) challenge += `, error_description="${error.description}"`;
    const headers = error.status === 400 || error.status === 401 || error.status === 403 ? { ...response.headers, 'WWW-Authenticate': challenge } : response.headers;
    sendJson(res, { ...response, headers });
  };

  return function protect(req, res, next) {
    const header = req.headers.authorization;
    const space = header === undefined ? -1 : header.indexOf(' ');
    const scheme = header === undefined ? '' : space === -1 ? header : header.slice(0, space);
    if (scheme.toLowerCase() !== 'bearer') {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', basic);
      res.end();
      return;
    }
    const token = space === -1 ? '' : (header as string).slice(space + 1).trim();
    if (!B64TOKEN.test(token)) {
      fail(res, new InvalidRequestError('the Authorization header does not hold a well-formed bearer token'));
      return;
    }
    provider.verifyAccessToken(token, verifyOptions).then(
      (info) => {
        if (!hasScopes(info.scope, required)) {
          fail(res, new InsufficientScopeError(required));
          return;
        }
        req.oauth2 = { token: info };
        next();
      },
      (err: unknown) => fail(res, err),
    );
  };
}
