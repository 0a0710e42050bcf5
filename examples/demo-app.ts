/**
 * The demo authorization server: memory stores, four demo clients, a demo user
 * and two protected API routes. `npm start` runs it (see demo.ts).
 *
 * Clients:
 * - demo-web: confidential (secret demo-web-secret), authorization_code + refresh_token
 * - demo-spa: public, PKCE, authorization_code + refresh_token
 * - demo-service: confidential (secret demo-service-secret), client_credentials
 * - demo-cli: confidential (secret demo-cli-secret), password + refresh_token
 *   (the password grant is deprecated; it is on here only to show it)
 *
 * The demo user is alice, password wonderland.
 */
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import { createAuthorizationServer, type AuthorizationServer } from '../index.js';

export interface DemoOptions {
  /** The issuer URL. Default http://localhost:3000. */
  issuer?: string;
  /** Default 'jwt'. */
  accessTokenFormat?: 'jwt' | 'opaque';
}

/** The demo's users: name → password and stable subject. */
const USERS: Record<string, { password: string; sub: string }> = {
  alice: { password: 'wonderland', sub: 'user-7a1ce' },
};

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createDemoApp(options: DemoOptions = {}): { app: express.Express; oauth: AuthorizationServer } {
  const issuer = options.issuer ?? 'http://localhost:3000';
  const callback = `${issuer.replace(/\/$/, '')}/callback`;
  const oauth = createAuthorizationServer({
    issuer,
    accessToken: { format: options.accessTokenFormat ?? 'jwt' },
    scopes: {
      available: ['profile', 'read', 'write'],
      default: ['profile'],
      descriptions: { profile: 'See your user id', read: 'Read your data', write: 'Change your data' },
    },
    clients: [
      {
        id: 'demo-web',
        name: 'Demo web app',
        secret: 'demo-web-secret',
        redirectUris: ['http://127.0.0.1:8080/callback', 'http://localhost:8080/callback', callback],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['profile', 'read', 'write'],
        tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
      },
      {
        id: 'demo-spa',
        name: 'Demo single-page app',
        redirectUris: ['http://127.0.0.1:8080/callback', callback],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['profile', 'read'],
        tokenEndpointAuthMethods: ['none'],
      },
      {
        id: 'demo-service',
        name: 'Demo service',
        secret: 'demo-service-secret',
        grantTypes: ['client_credentials'],
        scopes: ['read', 'write'],
        defaultScopes: ['read'],
      },
      {
        id: 'demo-cli',
        name: 'Demo command-line tool',
        secret: 'demo-cli-secret',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['profile', 'read'],
      },
    ],
    grants: {
      password: {
        async verify({ username, password }) {
          const user = USERS[username];
          return user !== undefined && sameText(password, user.password) ? { subject: user.sub } : undefined;
        },
      },
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(oauth.router());
  app.get('/api/me', oauth.protect({ scope: 'profile' }), (req, res) => {
    const token = req.oauth2!.token;
    res.json({ sub: token.subject, client_id: token.clientId, scope: token.scope.join(' ') });
  });
  app.get('/api/data', oauth.protect({ scope: 'read' }), (req, res) => {
    res.json({ items: ['apple', 'banana', 'cherry'], for: req.oauth2!.token.subject });
  });
  return { app, oauth };
}
