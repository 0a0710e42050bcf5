/**
 * The fixture of the request-hint tests (`id_token_hint`, `login_hint`,
 * `ui_locales`, `nonce`): the Passport test app of test/support/authorize-app.ts
 * (and the PAR one) with `openid` on and a pairwise client, and helpers that
 * mint id_token hints with the provider's own keys.
 */
import { expect } from 'chai';
import { signJwt } from '../../lib/tokens/jwt.js';
import type { ClientConfig } from '../../index.js';
import { parApp, PAR_CLIENTS } from '../par/support.js';

/** An id_token hint of this server (one helper for every hint test). */
export { hintFor } from './end-session-fixture.js';
import {
  authorizeApp,
  CB,
  CLIENTS,
  ISSUER,
  spaParams,
  type Agent,
  type AuthorizeApp,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';

export const ISS = encodeURIComponent(ISSUER);
export const PAIRWISE_KEY = 'hints-test-pairwise-key-0123456789abcdef';
/** The redirect URI of the pairwise client `pw`. */
export const PW_CB = 'https://pw.example/cb';

/** The authorization tests' clients, the PAR ones, and a pairwise one. */
export const HINT_CLIENTS: readonly ClientConfig[] = [
  ...CLIENTS,
  ...PAR_CLIENTS,
  {
    id: 'pw',
    tokenEndpointAuthMethods: ['none'],
    name: 'Pairwise Party',
    redirectUris: [PW_CB],
    subjectType: 'pairwise',
  },
];

/** The app with OpenID Connect on (a pairwise key), the hint clients, and `options`. */
export function hintApp(options: AuthorizeAppOptions = {}): AuthorizeApp {
  const { openid, ...provider } = options.provider ?? {};
  return parApp({
    ...options,
    provider: {
      clients: HINT_CLIENTS,
      openid: { claims: () => ({}), pairwiseKey: PAIRWISE_KEY, ...openid },
      ...provider,
    },
  });
}

/** The app of test/support/authorize-app.ts with OpenID Connect on (no pairwise key). */
export function plainOidcApp(options: AuthorizeAppOptions = {}): AuthorizeApp {
  return authorizeApp({
    ...options,
    provider: { openid: { claims: () => ({}) }, ...options.provider },
  });
}

/** spaParams for an OpenID Connect request, with `extra`. */
export function oidc(extra: Record<string, string> = {}): Record<string, string> {
  return spaParams({ scope: 'openid profile', ...extra });
}

/** The exact error Location at `redirectUri` (state `st-123` and iss included). */
export function errorAt(error: string, description: string, redirectUri = CB): string {
  const q = new URLSearchParams({ error, error_description: description });
  return `${redirectUri}?${q.toString()}&state=st-123&iss=${ISS}`;
}

/** `req.session.returnTo`, as the test route reads it. */
export async function returnTo(agent: Agent): Promise<string> {
  return (await agent.get('/test/session')).body.returnTo as string;
}

/** The query parameters of the way back kept in the session. */
export async function wayBack(agent: Agent): Promise<URLSearchParams> {
  const back = await returnTo(agent);
  expect(back, 'returnTo').to.be.a('string');
  return new URL(back, 'http://x').searchParams;
}

/** A JWT signed by the server's active key with these claims and `typ`. */
export function signedByServer(fx: AuthorizeApp, claims: object, typ: 'JWT' | 'at+jwt'): string {
  return signJwt(fx.oauth.provider.config.keys, claims, typ);
}

/** The local subjects of the test users (the Passport adapter's `user.id`). */
export const ALICE = 'user-alice';
export const BOB = 'user-bob';
