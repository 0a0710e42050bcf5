/**
 * The hand-written route: what an app would write with jose and Express alone.
 *
 * Rules:
 * - `POST /token`: `express.urlencoded`, client_secret_basic (the id and secret are
 *   form-urlencoded inside Basic, RFC 6749 2.3.1), `grant_type=client_credentials`
 *   only, scopes within the client's; an ES256 JWT signed with jose (RFC 9068
 *   claims), `Cache-Control: no-store`; RFC 6749 5.2 errors otherwise;
 * - `GET /api/read`: `Authorization: Bearer`, `jwtVerify` with the public key (ES256
 *   only, issuer, audience, typ `at+jwt`), scope `read`; 401/403 with a Bearer
 *   challenge otherwise (RFC 6750 3);
 * - JWT only: an opaque token needs storage, which jose is not.
 */
import express from 'express';
import type { Format } from '../scenarios.js';
import {
  API_SCOPE,
  TOKEN_TTL,
  allowedScopes,
  apiAnswer,
  clientMatcher,
  hasApiScope,
  type AppFactory,
} from './common.js';
import { jwtCodec } from './jwt.js';

/** The id and secret of an `Authorization: Basic` header, or undefined. */
export function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return [
      decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    ];
  } catch {
    return undefined;
  }
}

function oauthError(res: express.Response, status: number, error: string): void {
  if (status === 401) res.set('WWW-Authenticate', 'Basic realm="token"');
  res.status(status).set('Cache-Control', 'no-store').json({ error });
}

export const joseApp: AppFactory = async (format: Format, client) => {
  if (format !== 'jwt') throw new TypeError('the jose route issues JWTs only');
  const jwt = await jwtCodec();
  const matches = clientMatcher(client);
  const app = express();

  app.get('/api/read', async (req, res) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(req.headers.authorization ?? '');
    if (match === null) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="api"').end();
      return;
    }
    try {
      const payload = await jwt.verify(match[1] as string);
      if (!hasApiScope(payload['scope'])) {
        res
          .status(403)
          .set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${API_SCOPE}"`)
          .end();
        return;
      }
      apiAnswer(res, payload['client_id']);
    } catch {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').end();
    }
  });

  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials === undefined || !matches(...credentials)) {
      oauthError(res, 401, 'invalid_client');
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body['grant_type'] !== 'client_credentials') {
      oauthError(res, 400, 'unsupported_grant_type');
      return;
    }
    const scopes =
      typeof body['scope'] === 'string' ? allowedScopes(body['scope'].split(' ')) : [API_SCOPE];
    if (scopes === undefined) {
      oauthError(res, 400, 'invalid_scope');
      return;
    }
    const scope = scopes.join(' ');
    const accessToken = await jwt.sign(client.id, scope);
    res
      .set('Cache-Control', 'no-store')
      .json({ access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL, scope });
  });
  return app;
};
