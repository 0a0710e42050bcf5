/**
 * The fixture of the resource indicator tests (RFC 8707): the shared test
 * provider (test/support/fixtures.ts) with three configured resources, a frozen
 * clock, and helpers to post token requests whose `resource` repeats.
 */
import { decodeJwt } from 'jose';
import request from 'supertest';
import express from 'express';
import {
  createAuthorizationServer,
  s256Challenge,
  type AuthorizationServer,
  type ProviderOptions,
  type ResourceConfig,
} from '../../index.js';
import {
  frozenClock,
  providerOptions,
  REDIRECT,
  secrets,
  type FrozenClock,
} from '../support/fixtures.js';
import { basic } from '../support/engine.js';

/** A resource for read and profile tokens (an MCP server, say). */
export const MCP = 'https://api.example.test/mcp';
/** A resource for write tokens, with 10-minute opaque tokens. */
export const FILES = 'https://files.example.test/v1';
/** A resource that accepts every scope, with 2-minute JWTs. */
export const ALL = 'urn:example:resource:all';
/** A well-formed URI no one configured. */
export const UNKNOWN = 'https://unknown.example.test/api';

export const RESOURCES: readonly ResourceConfig[] = [
  { resource: MCP, scopes: ['read', 'profile'] },
  { resource: FILES, scopes: ['write'], accessTokenFormat: 'opaque', accessTokenLifetime: 600 },
  { resource: ALL, accessTokenLifetime: 120 },
];

export const WEB = basic('web', secrets.web.secret);
export const SERVICE = basic('service', secrets.service.secret);
export const RS = basic('rs', secrets.rs.secret);
export const VERIFIER = 'resource-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';

/** The server and an app serving its token and introspection endpoints. */
export interface ResourceApp {
  oauth: AuthorizationServer;
  app: express.Express;
  clock: FrozenClock;
}

/** The fixture provider with {@link RESOURCES} and a frozen clock, token and introspection mounted. */
export function resourceApp(overrides: Partial<ProviderOptions> = {}): ResourceApp {
  const clock = frozenClock();
  const oauth = createAuthorizationServer(
    providerOptions({ resources: RESOURCES, clock, ...overrides }),
  );
  const app = express();
  app.post('/token', oauth.token());
  app.post('/introspect', oauth.introspect());
  return { oauth, app, clock };
}

/** A urlencoded form body; a value given as an array is sent once per element. */
export function formBody(params: Record<string, string | readonly string[]>): string {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    for (const v of typeof value === 'string' ? [value] : value) out.append(name, v);
  return out.toString();
}

/** POSTs a token request as `auth` (a Basic header value). */
export function postToken(
  app: Parameters<typeof request>[0],
  auth: string,
  params: Record<string, string | readonly string[]>,
): request.Test {
  return request(app).post('/token').set('Authorization', auth).type('form').send(formBody(params));
}

/** A code for the client `web` granted for `resources`, with a PKCE challenge for {@link VERIFIER}. */
export async function codeFor(
  oauth: AuthorizationServer,
  resources: readonly string[] | undefined,
  scope: readonly string[] = ['read', 'write', 'profile'],
): Promise<string> {
  const client = await oauth.provider.stores.clients.find('web');
  if (client === undefined) throw new Error('no client web');
  const { code } = await oauth.provider.issueAuthorizationCode({
    client,
    subject: 'user-alice',
    scope,
    redirectUri: REDIRECT,
    resources,
    codeChallenge: s256Challenge(VERIFIER),
  });
  return code;
}

/** The form of a code redemption by `web`, plus `extra`. */
export function redemption(
  code: string,
  extra: Record<string, string | readonly string[]> = {},
): Record<string, string | readonly string[]> {
  return {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
    ...extra,
  };
}

/** The `aud` claim of a JWT (read, not verified). */
export function audOf(jwt: string): unknown {
  return decodeJwt(jwt).aud;
}
