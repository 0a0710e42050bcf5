/**
 * authorize(): the consent transaction keeps the checked request (JSON-safe, the
 * client's id and not the client), and the answer is checked again against the
 * client as it is then — it may have been deleted or changed while the page was
 * open. The split of RFC 6749 4.1.2.1 holds on the answer too: a client or
 * redirect URI that can no longer be trusted is an error page; anything else is
 * redirected with `state` and `iss`.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  defineClient,
  StoreUnavailableError,
  type Client,
  type ClientConfig,
  type ClientStore,
} from '../../index.js';
import {
  authorizeApp,
  CB,
  CB2,
  CLIENTS,
  consentPage,
  decide,
  expectErrorPage,
  expectErrorRedirect,
  expectRedirect,
  signedIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
  type ConsentForm,
  VERIFIER,
} from '../support/authorize-app.js';

/** A client store the test changes while a consent page is open. */
class ChangingClients implements ClientStore {
  readonly clients = new Map<string, Client>(CLIENTS.map((c) => [c.id, defineClient(c)]));
  down = false;

  async find(clientId: string): Promise<Client | undefined> {
    if (this.down) throw new StoreUnavailableError('the client store is down');
    return this.clients.get(clientId);
  }

  /** Replaces client `id` with its configuration changed by `change`. */
  change(id: string, change: Partial<ClientConfig>): void {
    const config = CLIENTS.find((c) => c.id === id);
    if (config === undefined) throw new Error(`no client ${id}`);
    this.clients.set(id, defineClient({ ...config, ...change }));
  }
}

describe('authorize(): the answer is checked against the client as it is now', () => {
  let clients: ChangingClients;
  let fixture: AuthorizeApp;
  let alice: Agent;
  let form: ConsentForm;

  beforeEach(async () => {
    clients = new ChangingClients();
    fixture = authorizeApp({ provider: { clients } });
    alice = await signedIn(fixture.app);
    form = (await consentPage(alice, spaParams())).form;
  });

  const allow = () => decide(alice, { ...form, decision: 'allow' });

  it('unchanged: allow issues the code of the request shown', async () => {
    const params = expectRedirect(await allow(), CB, { status: 303 });
    expect(params.get('state')).to.equal('st-123');
    expect(fixture.codes.saved).to.have.length(1);
    expect(fixture.codes.saved[0]).to.include({ clientId: 'spa', redirectUri: CB });
    expect(fixture.codes.saved[0]?.scope).to.deep.equal(['profile', 'read']);
  });

  it('the client was deleted → 400 invalid_client page, nothing issued', async () => {
    clients.clients.delete('spa');
    const res = await allow();
    expectErrorPage(res, 'invalid_client');
    expect(res.text).to.include('the client_id is unknown');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('the redirect URI is no longer registered → 400 page, not sent there', async () => {
    clients.change('spa', { redirectUris: [CB2] });
    const res = await allow();
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('redirect_uri is not registered');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('the client may no longer use a requested scope → invalid_scope redirected with state', async () => {
    clients.change('spa', { scopes: ['profile'] });
    expectErrorRedirect(await allow(), 'invalid_scope', { status: 303 });
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('the client may no longer use the response type → unauthorized_client redirected', async () => {
    clients.change('spa', { responseTypes: [] });
    expectErrorRedirect(await allow(), 'unauthorized_client', { status: 303 });
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('the client store is down on the answer → 503 temporarily_unavailable page, nothing issued', async () => {
    clients.down = true;
    expectErrorPage(await allow(), 'temporarily_unavailable', 503);
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('a deny is checked too: a deleted client gets an error page, not a redirect', async () => {
    clients.clients.delete('spa');
    expectErrorPage(await decide(alice, { ...form, decision: 'deny' }), 'invalid_client');
  });
});

describe('authorize(): the transaction keeps the resolved request, not the query', () => {
  it('no redirect_uri sent (the only one used); a second URI registered meanwhile: the answer still goes to the first, and the code redeems without redirect_uri', async () => {
    // RFC 6749 4.1.3: redirect_uri is "REQUIRED, if the "redirect_uri" parameter was
    // included in the authorization request" — it was not, and that is remembered.
    const clients = new ChangingClients();
    const { app, codes } = authorizeApp({ provider: { clients } });
    const alice = await signedIn(app);
    const { redirect_uri: _omitted, ...params } = spaParams();
    const { form } = await consentPage(alice, params);
    clients.change('spa', { redirectUris: [CB, CB2] });
    const code = expectRedirect(await decide(alice, { ...form, decision: 'allow' }), CB, {
      status: 303,
    }).get('code') as string;
    expect(codes.saved[0]).to.include({ redirectUri: CB, redirectUriSent: false });
    const token = await request(app).post('/token').type('form').send({
      grant_type: 'authorization_code',
      client_id: 'spa',
      code_verifier: VERIFIER,
      code,
    });
    expect(token.status, token.text).to.equal(200);
  });

  it('the default scope is resolved when the page is shown: a changed default afterwards does not change the grant', async () => {
    const clients = new ChangingClients();
    const { app, codes } = authorizeApp({ provider: { clients } });
    const alice = await signedIn(app);
    const { scope: _omitted, ...params } = spaParams();
    const { form } = await consentPage(alice, params);
    clients.change('spa', { defaultScopes: ['read'] });
    expectRedirect(await decide(alice, { ...form, decision: 'allow' }), CB, { status: 303 });
    expect(codes.saved[0]?.scope).to.deep.equal(['profile']);
  });
});
