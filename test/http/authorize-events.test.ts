/**
 * authorize(): the events of the authorization endpoint, through a real Express
 * app (express-session + Passport), with a frozen clock.
 *
 * Rules checked:
 * - `code.issued` comes once per code (clientId, subject, scope, grantId — the
 *   grant id of the saved code), `consent.granted` once per approval with
 *   `automatic: false` after the page and `true` when first-party trust or a
 *   remembered consent answered; `consent.denied` on deny; `consent.remembered`
 *   only when the user ticked remember and `consent.remember` is on;
 *   `token.issued` (grantType `implicit`, no refresh token) for the implicit grant;
 * - each carries `time`, the provider's clock;
 * - none carries the code or the access token (not as a field, not anywhere in
 *   its JSON);
 * - a refused request, a login redirect and a consent page emit nothing.
 */
import { expect } from 'chai';
import request from 'supertest';
import type { OAuthEvent, OAuthEventType } from '../../lib/engine/events.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectErrorPage,
  expectErrorRedirect,
  expectRedirect,
  signedIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';

const TYPES: readonly OAuthEventType[] = [
  'code.issued',
  'token.issued',
  'consent.granted',
  'consent.denied',
  'consent.remembered',
];

/** Lets every queued event delivery (microtasks) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An app whose authorization events are recorded. */
function recorded(options: AuthorizeAppOptions = {}): AuthorizeApp & { events: OAuthEvent[] } {
  const fixture = authorizeApp(options);
  const events: OAuthEvent[] = [];
  for (const type of TYPES)
    fixture.oauth.provider.events.on(type, (event) => {
      events.push(event as OAuthEvent);
    });
  return { ...fixture, events };
}

/** The events seen so far (after delivery), emptied; checks none carries `secrets`. */
async function take(events: OAuthEvent[], ...secrets: string[]): Promise<OAuthEvent[]> {
  await settle();
  const taken = events.splice(0);
  const json = JSON.stringify(taken);
  for (const secret of secrets)
    expect(json.includes(secret), 'an event carries a code or a token').to.equal(false);
  for (const event of taken) {
    expect(event).not.to.have.any.keys('code', 'access_token', 'token', 'refresh_token');
  }
  return taken;
}

/** The one event of `type`; fails unless there is exactly one. */
function only<K extends OAuthEventType>(
  events: readonly OAuthEvent[],
  type: K,
): Extract<OAuthEvent, { type: K }> {
  const found = events.filter((e) => e.type === type);
  expect(found, `${type} events`).to.have.length(1);
  return found[0] as Extract<OAuthEvent, { type: K }>;
}

function typesOf(events: readonly OAuthEvent[]): string[] {
  return events.map((e) => e.type).sort();
}

/** Allows the consent page of `params`; returns the redirect's parameters. */
async function allow(
  agent: Agent,
  params: Record<string, string>,
  extra: Record<string, string> = {},
  mode: 'query' | 'fragment' = 'query',
): Promise<URLSearchParams> {
  const { form } = await consentPage(agent, params);
  const res = await decide(agent, { ...form, decision: 'allow', ...extra });
  return expectRedirect(res, CB, { status: 303, mode });
}

describe('authorize(): events', () => {
  it('allow on the page → consent.granted (automatic: false) and code.issued, once each, with the clock as time', async () => {
    const { app, clock, codes, events } = recorded();
    const alice = await signedIn(app);
    clock.advance(42);
    const code = (await allow(alice, spaParams())).get('code') as string;
    const taken = await take(events, code);
    expect(typesOf(taken)).to.deep.equal(['code.issued', 'consent.granted']);
    expect(only(taken, 'consent.granted')).to.deep.equal({
      type: 'consent.granted',
      time: clock(),
      clientId: 'spa',
      subject: 'user-alice',
      scope: ['profile', 'read'],
      automatic: false,
    });
    expect(codes.saved).to.have.length(1);
    expect(only(taken, 'code.issued')).to.deep.equal({
      type: 'code.issued',
      time: clock(),
      clientId: 'spa',
      subject: 'user-alice',
      scope: ['profile', 'read'],
      grantId: codes.saved[0]?.grantId,
    });
  });

  it('deny → consent.denied only; nothing issued', async () => {
    const { app, clock, events } = recorded();
    const alice = await signedIn(app);
    const { form } = await consentPage(alice, spaParams());
    expectErrorRedirect(await decide(alice, { ...form, decision: 'deny' }), 'access_denied', {
      status: 303,
    });
    const taken = await take(events);
    expect(typesOf(taken)).to.deep.equal(['consent.denied']);
    expect(only(taken, 'consent.denied')).to.deep.equal({
      type: 'consent.denied',
      time: clock(),
      clientId: 'spa',
      subject: 'user-alice',
    });
  });

  it('allow with remember (consent.remember on) → consent.remembered; the next request → consent.granted automatic: true', async () => {
    const { app, clock, events } = recorded({ provider: { consent: { remember: true } } });
    const alice = await signedIn(app);
    const first = (await allow(alice, spaParams(), { remember: '1' })).get('code') as string;
    const taken = await take(events, first);
    expect(typesOf(taken)).to.deep.equal(['code.issued', 'consent.granted', 'consent.remembered']);
    expect(only(taken, 'consent.remembered')).to.deep.equal({
      type: 'consent.remembered',
      time: clock(),
      clientId: 'spa',
      subject: 'user-alice',
      scope: ['profile', 'read'],
    });
    expect(only(taken, 'consent.granted').automatic).to.equal(false);

    clock.advance(5);
    const res = await alice.get(authorizePath(spaParams({ scope: 'read' })));
    const second = expectRedirect(res, CB).get('code') as string;
    const skipped = await take(events, first, second);
    expect(typesOf(skipped)).to.deep.equal(['code.issued', 'consent.granted']);
    expect(only(skipped, 'consent.granted')).to.deep.equal({
      type: 'consent.granted',
      time: clock(),
      clientId: 'spa',
      subject: 'user-alice',
      scope: ['read'],
      automatic: true,
    });
  });

  it('no consent.remembered without the remember box, nor when consent.remember is off', async () => {
    const on = recorded({ provider: { consent: { remember: true } } });
    await allow(await signedIn(on.app), spaParams());
    expect(typesOf(await take(on.events))).to.deep.equal(['code.issued', 'consent.granted']);

    const off = recorded();
    await allow(await signedIn(off.app), spaParams(), { remember: '1' });
    expect(typesOf(await take(off.events))).to.deep.equal(['code.issued', 'consent.granted']);
  });

  it('a first-party client skipping the page → consent.granted automatic: true, and code.issued', async () => {
    const { app, events } = recorded({ provider: { consent: { skipForFirstParty: true } } });
    const res = await (await signedIn(app)).get(authorizePath(spaParams({ client_id: 'first' })));
    const code = expectRedirect(res, CB).get('code') as string;
    const taken = await take(events, code);
    expect(typesOf(taken)).to.deep.equal(['code.issued', 'consent.granted']);
    expect(only(taken, 'consent.granted')).to.include({ clientId: 'first', automatic: true });
    expect(only(taken, 'code.issued')).to.include({ clientId: 'first', subject: 'user-alice' });
  });

  it('implicit allow → token.issued (grantType implicit, no refresh token) and consent.granted; no code.issued; the token is in no event', async () => {
    const { app, events } = recorded({ provider: { grants: { implicit: true } } });
    const agent = await signedIn(app);
    const params = { response_type: 'token', client_id: 'implicit-app', scope: 'profile' };
    const fragment = await allow(agent, params, {}, 'fragment');
    const token = fragment.get('access_token') as string;
    const taken = await take(events, token);
    expect(typesOf(taken)).to.deep.equal(['consent.granted', 'token.issued']);
    const issued = only(taken, 'token.issued');
    expect(issued).to.include({
      grantType: 'implicit',
      clientId: 'implicit-app',
      subject: 'user-alice',
      refreshToken: false,
    });
    expect(issued.scope).to.deep.equal(['profile']);
    expect(issued.tokenId).to.be.a('string').and.not.equal(token);
    expect(issued.time).to.be.a('number');
  });

  it('a refused request, a login redirect and a consent page emit nothing', async () => {
    const { app, events } = recorded();
    expectErrorPage(
      await request(app).get(authorizePath(spaParams({ client_id: 'nobody' }))),
      'invalid_client',
    );
    expect((await request(app).get(authorizePath(spaParams()))).headers['location']).to.equal(
      '/login',
    );
    const alice = await signedIn(app);
    expectErrorRedirect(
      await alice.get(authorizePath(spaParams({ scope: 'unknown' }))),
      'invalid_scope',
    );
    await consentPage(alice, spaParams());
    expect(await take(events)).to.deep.equal([]);
  });

  it('provider.issueAuthorizationCode → code.issued once, without the code', async () => {
    const { oauth, clock, events } = recorded();
    const client = await oauth.provider.stores.clients.find('legacy');
    if (client === undefined) throw new Error('no legacy client');
    const { code, grantId } = await oauth.provider.issueAuthorizationCode({
      client,
      subject: 'user-bob',
      scope: ['read'],
      redirectUri: CB,
    });
    const taken = await take(events, code);
    expect(taken).to.deep.equal([
      {
        type: 'code.issued',
        time: clock(),
        clientId: 'legacy',
        subject: 'user-bob',
        scope: ['read'],
        grantId,
      },
    ]);
  });
});
