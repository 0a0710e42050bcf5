/**
 * The fixture of the end-session tests (OpenID Connect RP-Initiated Logout):
 * the Passport test app of test/support/authorize-app.ts with `openid` on, a
 * pairwise key, and clients that registered post-logout redirect URIs; helpers
 * that mint id_token hints with the provider's own keys and drive the endpoint.
 */
import { expect } from 'chai';
import type request from 'supertest';
import type { ClientConfig, OAuthEvent } from '../../index.js';
import { clientSubject } from '../../lib/endpoints/openid/subject.js';
import { signIdToken } from '../../lib/tokens/id-token.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  CLIENTS,
  ISSUER,
  spaParams,
  type Agent,
  type AuthorizeApp,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';

export { ISSUER };

/** The post-logout redirect URIs of the client `rp`. */
export const LO = 'https://app.example/logged-out';
/** One registered with a query of its own. */
export const LO_TENANT = 'https://app.example/bye?tenant=a';
/** The post-logout redirect URI of the client `rp2`. */
export const LO_OTHER = 'https://other.example/bye';
/** The pairwise client's post-logout redirect URI. */
export const LO_PAIRWISE = 'https://pw.example/bye';

export const PAIRWISE_KEY = 'end-session-test-pairwise-key-0123456789';

/** The clients of the authorization tests, plus three that registered post-logout redirect URIs. */
export const LOGOUT_CLIENTS: readonly ClientConfig[] = [
  ...CLIENTS,
  {
    id: 'rp',
    tokenEndpointAuthMethods: ['none'],
    name: 'Relying Party',
    redirectUris: [CB],
    postLogoutRedirectUris: [LO, LO_TENANT],
  },
  {
    id: 'rp2',
    tokenEndpointAuthMethods: ['none'],
    name: 'Other Party',
    redirectUris: ['https://other.example/cb'],
    postLogoutRedirectUris: [LO_OTHER],
  },
  {
    id: 'pw',
    tokenEndpointAuthMethods: ['none'],
    name: 'Pairwise Party',
    redirectUris: ['https://pw.example/cb'],
    postLogoutRedirectUris: [LO_PAIRWISE],
    subjectType: 'pairwise',
  },
];

/** The test app with OpenID Connect on and the logout clients; `events` collects `session.ended`. */
export function logoutApp(
  options: AuthorizeAppOptions = {},
): AuthorizeApp & { events: OAuthEvent[] } {
  const fx = authorizeApp({
    ...options,
    provider: {
      openid: { claims: () => ({}), pairwiseKey: PAIRWISE_KEY },
      clients: LOGOUT_CLIENTS,
      ...options.provider,
    },
  });
  const events: OAuthEvent[] = [];
  fx.oauth.provider.events.on('session.ended', (e) => {
    events.push(e);
  });
  return { ...fx, events };
}

/**
 * An id_token of this server for `subject` (the local subject; turned into the
 * client's pairwise one for a pairwise client unless `raw`), issued to `clientId`.
 * @param ageSeconds how long ago it was issued; its lifetime is 3600 s.
 */
export async function hintFor(
  fx: AuthorizeApp,
  subject: string,
  clientId: string,
  options: { ageSeconds?: number; raw?: boolean } = {},
): Promise<string> {
  const { provider } = fx.oauth;
  const client = await provider.stores.clients.find(clientId);
  if (client === undefined) throw new Error(`no client ${clientId}`);
  const sub =
    options.raw === true
      ? subject
      : clientSubject(client, subject, provider.config.openid?.pairwiseKey);
  return signIdToken(provider.config.keys, {
    issuer: ISSUER,
    subject: sub,
    clientId,
    accessToken: 'unused',
    now: Math.floor(fx.clock() / 1000) - (options.ageSeconds ?? 0),
    lifetime: 3600,
    context: {},
  });
}

/** `/end_session?` + the parameters. */
export function endSessionPath(
  params: Record<string, string> | readonly (readonly [string, string])[],
): string {
  const query = new URLSearchParams(params as Record<string, string> | [string, string][]);
  return `/end_session?${query.toString()}`;
}

/** The id of the signed-in user, per the host's session (`null`: nobody). */
export async function sessionUser(agent: Agent): Promise<string | null> {
  return (await agent.get('/test/session')).body.user as string | null;
}

/**
 * Asserts the user's login session really ended: the host sees nobody, and the
 * next authorization request goes to the login page.
 */
export async function expectLoggedOut(agent: Agent): Promise<void> {
  expect(await sessionUser(agent), 'the host sees nobody signed in').to.equal(null);
  const next = await agent.get(authorizePath(spaParams()));
  expect(next.status).to.equal(302);
  expect(next.headers['location'], 'the next /authorize asks for a login').to.equal('/login');
}

/** Asserts the user is still signed in: the host sees them, /authorize shows the consent page. */
export async function expectStillSignedIn(agent: Agent, userId = 'user-alice'): Promise<void> {
  expect(await sessionUser(agent), 'still signed in').to.equal(userId);
  const next = await agent.get(authorizePath(spaParams()));
  expect(next.status, 'the consent page, no login').to.equal(200);
}

/** Asserts the pages' headers: no-store, anti-framing, HTML. */
export function expectPageHeaders(res: request.Response, status = 200): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['location']).to.equal(undefined);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['x-frame-options']).to.equal('DENY');
  expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
}

/** Pulls the hidden CSRF token out of the question page. */
export function csrfOf(html: string): string {
  const found = /<input type="hidden" name="csrf_token" value="([^"]*)">/.exec(html);
  if (found === null) throw new Error(`no question form in:\n${html}`);
  return found[1] as string;
}

/** GETs the question page (200) for `params` and returns its CSRF token. */
export async function askedToLogOut(agent: Agent, params: Record<string, string>): Promise<string> {
  const res = await agent.get(endSessionPath(params));
  expectPageHeaders(res);
  expect(res.text).to.include('name="decision" value="yes"');
  return csrfOf(res.text);
}

/** POSTs an answer to the question. */
export function answer(agent: Agent, fields: Record<string, string>): request.Test {
  return agent.post('/end_session').type('form').send(fields);
}

/** Waits until the microtasks that deliver events have run. */
export function eventsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
