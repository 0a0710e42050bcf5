/**
 * This library, loaded from its build (dist/, as users run it; the runner builds it
 * and sets BENCH_LIB), configured as bench/server.ts does: memory stores, the
 * default lifetimes and a fresh ES256 key.
 *
 * Rules:
 * - `token()` on `POST /token`, `protect({ scope: 'read' })` on `GET /api/read`;
 * - the client is the bench client with the library's `sha256:` secret hash;
 * - `accessToken.format` is the scenario's format.
 */
import type { RequestListener } from 'node:http';
import express from 'express';
import type * as Library from '../../../index.js';
import { API_SCOPE, CLIENT_SCOPES, ISSUER, apiAnswer, type AppFactory } from './common.js';

const { createAuthorizationServer } = (await import(
  process.env['BENCH_LIB'] ?? '../../../index.js'
)) as typeof Library;

export const oauth2StatelessApp: AppFactory = async (format, client) => {
  const oauth = createAuthorizationServer({
    issuer: ISSUER,
    clients: [
      {
        id: client.id,
        secretHash: client.secretHash,
        grantTypes: ['client_credentials'],
        scopes: [...CLIENT_SCOPES],
      },
    ],
    scopes: { available: [...CLIENT_SCOPES], default: [API_SCOPE] },
    accessToken: { format },
  });
  const app = express();
  app.get('/api/read', oauth.protect({ scope: API_SCOPE }), (req, res) => {
    apiAnswer(res, req.oauth2?.token.clientId);
  });
  app.post('/token', oauth.token());
  return app as RequestListener;
};
