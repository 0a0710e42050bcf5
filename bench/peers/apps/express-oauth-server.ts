/**
 * @node-oauth/express-oauth-server (over @node-oauth/oauth2-server 5), configured as
 * its docs say: body parsed by the host (`express.urlencoded`), `token()` on the
 * token route, `authenticate({ scope })` on the API route, and a model holding the
 * client and the tokens in memory.
 *
 * Rules:
 * - the model implements what the docs list for client_credentials (`getClient`,
 *   `saveToken`, `getUserFromClient`, optional `validateScope`) and for request
 *   authentication (`getAccessToken`, `verifyScope`);
 * - `getUserFromClient` must return a truthy "user" even though client_credentials
 *   has none (the grant refuses otherwise): the model returns the client's id as one;
 * - opaque: the library's default token (32 random bytes, hex), kept in a Map;
 * - JWT: the model's documented hooks, `generateAccessToken` signs (jose) and
 *   `getAccessToken` verifies it (jose); `saveToken` stores nothing then.
 */
import type { RequestListener } from 'node:http';
import OAuthServer from '@node-oauth/express-oauth-server';
import type OAuth2Server from '@node-oauth/oauth2-server';
import express from 'express';
import type { Format } from '../scenarios.js';
import {
  API_SCOPE,
  TOKEN_TTL,
  allowedScopes,
  apiAnswer,
  clientMatcher,
  type AppFactory,
  type BenchClient,
} from './common.js';
import { jwtCodec } from './jwt.js';

type Model = OAuth2Server.ClientCredentialsModel;

async function model(format: Format, bench: BenchClient): Promise<Model> {
  const matches = clientMatcher(bench);
  const client: OAuth2Server.Client = { id: bench.id, grants: ['client_credentials'] };
  const user = { id: bench.id };
  const tokens = new Map<string, OAuth2Server.Token>();
  const common = {
    getClient: async (id: string, secret: string) =>
      typeof secret === 'string' && matches(id, secret) ? client : null,
    getUserFromClient: async () => user,
    validateScope: async (
      _user: OAuth2Server.User,
      _client: OAuth2Server.Client,
      scope?: string[],
    ) => allowedScopes(scope ?? [API_SCOPE]) ?? false,
    verifyScope: async (token: OAuth2Server.Token, scope: string[]) =>
      scope.every((s) => token.scope?.includes(s) === true),
  };
  if (format === 'opaque') {
    return {
      ...common,
      saveToken: async (token: OAuth2Server.Token) => {
        const saved = { ...token, client, user };
        tokens.set(token.accessToken, saved);
        return saved;
      },
      getAccessToken: async (accessToken: string) => tokens.get(accessToken) ?? null,
    };
  }
  const jwt = await jwtCodec();
  return {
    ...common,
    generateAccessToken: (
      _client: OAuth2Server.Client,
      _user: OAuth2Server.User,
      scope: string[],
    ) => jwt.sign(bench.id, scope.join(' ')),
    saveToken: async (token: OAuth2Server.Token) => ({ ...token, client, user }),
    getAccessToken: async (accessToken: string) => {
      const payload = await jwt.verify(accessToken).catch(() => undefined);
      if (payload?.client_id !== bench.id || typeof payload.exp !== 'number') return null;
      return {
        accessToken,
        accessTokenExpiresAt: new Date(payload.exp * 1000),
        scope: String(payload['scope']).split(' '),
        client,
        user,
      };
    },
  };
}

export const expressOAuthServerApp: AppFactory = async (format, bench) => {
  const oauth = new OAuthServer({
    model: await model(format, bench),
    accessTokenLifetime: TOKEN_TTL,
  });
  const app = express();
  app.get('/api/read', oauth.authenticate({ scope: [API_SCOPE] }), (_req, res) => {
    const token = res.locals['oauth'] as { token: OAuth2Server.Token };
    apiAnswer(res, token.token.client.id);
  });
  app.post('/token', express.urlencoded({ extended: false }), oauth.token());
  return app as RequestListener;
};
