/**
 * A pushed request used at the authorization endpoint (RFC 9126 4): the whole
 * flow to a token, the one-time `request_uri` (reused, parallel, expired, another
 * client's), parameters next to it, and the login round trip, where the
 * `request_uri` is used up on the first visit and the request must survive the
 * login in the session.
 */
import { expect } from 'chai';
import request from 'supertest';
import { defineClient } from '../../index.js';
import {
  CB,
  decide,
  expectErrorPage,
  expectErrorRedirect,
  expectRedirect,
  signIn,
  signedIn,
  VERIFIER,
} from '../support/authorize-app.js';
import { parApp, pushed, usePath, webRequest, webSecret } from './support.js';

const UNUSABLE = 'the request_uri is unknown, expired, already used or not for this client';

/** The hidden fields of a consent page's HTML. */
function fields(html: string): { transaction_id: string; csrf_token: string } {
  const tx = /name="transaction_id" value="([^"]*)"/.exec(html);
  const csrf = /name="csrf_token" value="([^"]*)"/.exec(html);
  if (tx === null || csrf === null) throw new Error(`no consent form in:\n${html}`);
  return { transaction_id: tx[1] as string, csrf_token: csrf[1] as string };
}

/** Allows on the consent page `html`; returns the callback's parameters. */
async function allow(agent: request.Agent, html: string): Promise<URLSearchParams> {
  const res = await decide(agent, { ...fields(html), decision: 'allow' });
  return expectRedirect(res, CB, { status: 303 });
}

/** Redeems `code` as `web` (Basic), with the pushed request's redirect_uri. */
function redeemWeb(app: Parameters<typeof request>[0], code: string): request.Test {
  return request(app).post('/token').auth('web', webSecret.secret).type('form').send({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CB,
    code_verifier: VERIFIER,
  });
}

describe('authorization endpoint: pushed requests (RFC 9126 4)', () => {
  it('client_id + request_uri: consent, code, token — the pushed request as it was checked', async () => {
    const { app } = parApp();
    const uri = await pushed(app);
    const agent = await signedIn(app);
    const page = await agent.get(usePath(uri));
    expect(page.status, page.text).to.equal(200);
    expect(page.text).to.include('Web App');
    const params = await allow(agent, page.text);
    expect(params.get('state')).to.equal('st-123');
    const token = await redeemWeb(app, params.get('code') as string);
    expect(token.status, JSON.stringify(token.body)).to.equal(200);
    expect(token.body.scope).to.equal('profile read');
  });

  // RFC 9126 4: "Authorization servers SHOULD treat request_uri values as one-time use".
  it('a used request_uri is refused on the error page, never redirected', async () => {
    const { app } = parApp();
    const uri = await pushed(app);
    const agent = await signedIn(app);
    expect((await agent.get(usePath(uri))).status).to.equal(200);
    const again = await agent.get(usePath(uri));
    expectErrorPage(again, 'invalid_request_uri');
    expect(again.text).to.include(UNUSABLE);
  });

  it(`of 10 parallel uses of one request_uri, exactly one gets the consent page`, async () => {
    const { app } = parApp();
    const uri = await pushed(app);
    const agent = await signedIn(app);
    const results = await Promise.all(Array.from({ length: 10 }, () => agent.get(usePath(uri))));
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, ...Array(9).fill(400)]);
  });

  // RFC 9126 4: "An expired request_uri MUST be rejected as invalid."
  it('an expired request_uri is refused (the lifetime is 60 s by default)', async () => {
    const { app, clock } = parApp();
    const uri = await pushed(app);
    const agent = await signedIn(app);
    clock.advance(60);
    expectErrorPage(await agent.get(usePath(uri)), 'invalid_request_uri');
  });

  it('a request_uri used just before it expires still works', async () => {
    const { app, clock } = parApp();
    const uri = await pushed(app);
    const agent = await signedIn(app);
    clock.advance(59);
    expect((await agent.get(usePath(uri))).status).to.equal(200);
  });

  // RFC 9126 2.2: "The request_uri value MUST be bound to the client that posted the
  // authorization request."
  it("another client's request_uri is refused, and not used up by the attempt", async () => {
    const { app } = parApp();
    const uri = await pushed(app);
    const agent = await signedIn(app);
    const foreign = await agent.get(usePath(uri, 'spa'));
    expectErrorPage(foreign, 'invalid_request_uri');
    expect(foreign.text).to.include(UNUSABLE);
    expect((await agent.get(usePath(uri))).status, 'the owner can still use it').to.equal(200);
  });

  it('an unknown request_uri, or one of another shape, is the same error page', async () => {
    const { app } = parApp();
    const agent = await signedIn(app);
    for (const uri of [
      `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}`,
      'urn:ietf:params:oauth:request_uri:short',
      'https://evil.example/request.jwt',
    ]) {
      const res = await agent.get(usePath(uri));
      expectErrorPage(res, 'invalid_request_uri');
      expect(res.text).to.include(UNUSABLE);
    }
  });

  describe('parameters next to request_uri', () => {
    for (const [name, value] of [
      ['scope', 'write'],
      ['redirect_uri', 'https://evil.example/cb'],
      ['state', 'other'],
      ['response_type', 'code'],
      ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
      ['resource', 'https://api.example.test'],
      ['junk', 'x'],
    ] as const) {
      it(`${name} next to request_uri: invalid_request, shown, the request_uri not used up`, async () => {
        const { app } = parApp();
        const uri = await pushed(app);
        const agent = await signedIn(app);
        const path = `${usePath(uri)}&${new URLSearchParams({ [name]: value }).toString()}`;
        const res = await agent.get(path);
        expectErrorPage(res, 'invalid_request');
        expect(res.text).to.include(
          'a pushed request (request_uri) takes no other parameter than client_id',
        );
        expect((await agent.get(usePath(uri))).status).to.equal(200);
      });
    }

    it('a repeated request_uri: invalid_request', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const agent = await signedIn(app);
      const res = await agent.get(`${usePath(uri)}&request_uri=${encodeURIComponent(uri)}`);
      expectErrorPage(res, 'invalid_request');
      expect(res.text).to.include('the parameter &#39;request_uri&#39; must not be repeated');
    });

    it('no client_id: invalid_request; an unknown one: invalid_client', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const agent = await signedIn(app);
      const none = await agent.get(`/authorize?request_uri=${encodeURIComponent(uri)}`);
      expectErrorPage(none, 'invalid_request');
      expect(none.text).to.include('client_id is required');
      expectErrorPage(await agent.get(usePath(uri, 'ghost')), 'invalid_client');
    });
  });

  // RFC 9126 4: "The authorization server MUST validate authorization requests arising from
  // a pushed request as it would any other authorization request."
  it('a pushed request is checked again on use: a scope withdrawn since is redirected', async () => {
    const { app, oauth } = parApp();
    const clients = oauth.provider.stores.clients as Required<typeof oauth.provider.stores.clients>;
    const registered = (scopes: string[]) =>
      defineClient({
        id: 'reg',
        tokenEndpointAuthMethods: ['none'],
        redirectUris: [CB],
        scopes,
      });
    await clients.save(registered(['profile', 'read']));
    const res = await request(app)
      .post('/par')
      .type('form')
      .send(webRequest({ client_id: 'reg', scope: 'read' }));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    await clients.save(registered(['profile']));
    const agent = await signedIn(app);
    const used = await agent.get(usePath(res.body.request_uri as string, 'reg'));
    const params = expectErrorRedirect(used, 'invalid_scope');
    expect(params.get('error_description')).to.equal(
      "the client may not request the scope: 'read'",
    );
  });

  describe('the login round trip (the request_uri is used up on the first visit)', () => {
    it('anonymous: to the login; back with client_id + request_uri; consent; code', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const agent = request.agent(app);
      const first = await agent.get(usePath(uri));
      expect(first.status).to.equal(302);
      expect(first.headers['location']).to.equal('/login');
      const back = await signIn(agent);
      expect(back).to.equal(usePath(uri));
      const page = await agent.get(back);
      expect(page.status, page.text).to.equal(200);
      const params = await allow(agent, page.text);
      expect(params.get('state')).to.equal('st-123');
      const token = await redeemWeb(app, params.get('code') as string);
      expect(token.status, JSON.stringify(token.body)).to.equal(200);
    });

    it('the request kept for the login outlives the request_uri (a slow login)', async () => {
      const { app, clock } = parApp();
      const uri = await pushed(app);
      const agent = request.agent(app);
      expect((await agent.get(usePath(uri))).status).to.equal(302);
      clock.advance(300);
      const back = await signIn(agent);
      expect((await agent.get(back)).status).to.equal(200);
    });

    it('the way back answers once: used again, the request_uri is refused', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const agent = request.agent(app);
      await agent.get(usePath(uri));
      const back = await signIn(agent);
      expect((await agent.get(back)).status).to.equal(200);
      expectErrorPage(await agent.get(back), 'invalid_request_uri');
    });

    it('a reload before the login is the same request (kept again)', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const agent = request.agent(app);
      expect((await agent.get(usePath(uri))).status).to.equal(302);
      expect((await agent.get(usePath(uri))).status).to.equal(302);
      const back = await signIn(agent);
      expect((await agent.get(back)).status).to.equal(200);
    });

    it('another browser with the same URL finds nothing: used up in the store, not in its session', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const victim = request.agent(app);
      expect((await victim.get(usePath(uri))).status).to.equal(302);
      const thief = await signedIn(app, 'bob');
      expectErrorPage(await thief.get(usePath(uri)), 'invalid_request_uri');
    });

    it('the kept request answers only its own client_id', async () => {
      const { app } = parApp();
      const uri = await pushed(app);
      const agent = request.agent(app);
      expect((await agent.get(usePath(uri))).status).to.equal(302);
      await signIn(agent);
      expectErrorPage(await agent.get(usePath(uri, 'spa')), 'invalid_request_uri');
    });

    it('the kept request expires with the consent transactions (transactionLifetime)', async () => {
      const { app, clock } = parApp({
        authorize: { loginUrl: '/login', transactionLifetime: 120 },
      });
      const uri = await pushed(app);
      const agent = request.agent(app);
      expect((await agent.get(usePath(uri))).status).to.equal(302);
      clock.advance(120);
      const back = await signIn(agent);
      expectErrorPage(await agent.get(back), 'invalid_request_uri');
    });
  });
});
