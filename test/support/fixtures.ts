/**
 * Shared test fixtures: a frozen clock, a provider with one client of each kind,
 * and an Express app with every endpoint mounted.
 */
import express from 'express';
import {
  createAuthorizationServer,
  generateClientSecret,
  type AuthorizationServer,
  type ProviderOptions,
} from '../../index.js';

/** A clock that stands still until told to move. */
export interface FrozenClock {
  (): number;
  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void;
}

export function frozenClock(start = Date.UTC(2026, 0, 1)): FrozenClock {
  let now = start;
  const clock = (() => now) as FrozenClock;
  clock.advance = (seconds: number) => {
    now += seconds * 1000;
  };
  return clock;
}

/** Plain secrets of the fixture clients (the provider only has their hashes). */
export const secrets = {
  service: generateClientSecret(),
  web: generateClientSecret(),
  other: generateClientSecret(),
  rs: generateClientSecret(),
  cli: generateClientSecret(),
} as const;

export const ISSUER = 'https://auth.example.test';
export const REDIRECT = 'https://app.example.test/callback';

/**
 * Options for a provider with these clients:
 * - `service`: confidential, client_credentials, scopes read write;
 * - `web`: confidential, authorization_code + refresh_token, redirect {@link REDIRECT};
 * - `other`: like `web`, another client;
 * - `spa`: public (auth method none), authorization_code + refresh_token;
 * - `rs`: a resource server (may introspect any token), client_credentials;
 * - `cli`: confidential, password + refresh_token.
 */
export function providerOptions(overrides: Partial<ProviderOptions> = {}): ProviderOptions {
  return {
    issuer: ISSUER,
    scopes: { available: ['read', 'write', 'profile'], default: ['read'] },
    clients: [
      {
        id: 'service',
        secretHash: secrets.service.secretHash,
        grantTypes: ['client_credentials'],
        scopes: ['read', 'write'],
      },
      {
        id: 'web',
        secretHash: secrets.web.secretHash,
        redirectUris: [REDIRECT],
        grantTypes: ['authorization_code', 'refresh_token'],
      },
      {
        id: 'other',
        secretHash: secrets.other.secretHash,
        redirectUris: [REDIRECT],
        grantTypes: ['authorization_code', 'refresh_token'],
      },
      {
        id: 'spa',
        redirectUris: [REDIRECT],
        grantTypes: ['authorization_code', 'refresh_token'],
        tokenEndpointAuthMethods: ['none'],
      },
      {
        id: 'rs',
        secretHash: secrets.rs.secretHash,
        grantTypes: ['client_credentials'],
        resourceServer: true,
      },
      { id: 'cli', secretHash: secrets.cli.secretHash, grantTypes: ['password', 'refresh_token'] },
    ],
    grants: {
      password: {
        async verify({ username, password }) {
          return username === 'alice' && password === 'wonderland'
            ? { subject: 'user-alice' }
            : undefined;
        },
      },
    },
    ...overrides,
  };
}

/** An Express app with `oauth.router()` mounted and two protected routes. */
export function testApp(overrides: Partial<ProviderOptions> = {}): {
  oauth: AuthorizationServer;
  app: express.Express;
} {
  const oauth = createAuthorizationServer(providerOptions(overrides));
  const app = express();
  app.use(oauth.router());
  app.get('/api/read', oauth.protect({ scope: 'read' }), (req, res) => {
    res.json({
      sub: req.oauth2?.token.subject,
      client_id: req.oauth2?.token.clientId,
      scope: req.oauth2?.token.scope,
    });
  });
  app.get('/api/write', oauth.protect({ scope: ['read', 'write'] }), (_req, res) => {
    res.json({ ok: true });
  });
  return { oauth, app };
}

/** A code for `client` made the way the authorization endpoint will make it. */
export async function issueCode(
  oauth: AuthorizationServer,
  clientId: string,
  options: {
    scope?: string[];
    verifier?: string;
    redirectUriSent?: boolean;
    subject?: string;
  } = {},
): Promise<string> {
  const client = await oauth.provider.stores.clients.find(clientId);
  if (client === undefined) throw new Error(`no client ${clientId}`);
  const { s256Challenge } = await import('../../index.js');
  const { code } = await oauth.provider.issueAuthorizationCode({
    client,
    subject: options.subject ?? 'user-alice',
    scope: options.scope ?? ['read'],
    redirectUri: REDIRECT,
    redirectUriSent: options.redirectUriSent ?? true,
    codeChallenge: options.verifier === undefined ? undefined : s256Challenge(options.verifier),
  });
  return code;
}

/** A well-formed PKCE verifier (43 characters). */
export const VERIFIER = 'verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
