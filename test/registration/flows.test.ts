/**
 * A registered client is a client like any other: a confidential one gets
 * tokens with client_credentials, a public one runs the code flow with PKCE and
 * refreshes; an expired secret no longer authenticates (RFC 7591 3.2.1
 * `client_secret_expires_at`). Also through `fetchHandler()`.
 */
import { expect } from 'chai';
import request from 'supertest';
import { fetchHandler } from '../../lib/fetch.js';
import { s256Challenge } from '../../index.js';
import { ISSUER, MCP_CLIENT, register, registrationApp } from './support.js';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('registration: registered clients at work', () => {
  it('a confidential client gets a token with client_credentials', async () => {
    const { app, oauth } = registrationApp();
    const reg = await register(app, {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'read',
    });
    const res = await request(app).post('/token').type('form').send({
      grant_type: 'client_credentials',
      client_id: reg.body.client_id,
      client_secret: reg.body.client_secret,
      scope: 'read',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const info = await oauth.provider.verifyAccessToken(res.body.access_token);
    expect(info.clientId).to.equal(reg.body.client_id);
  });

  it('a public client redeems a code with PKCE, then refreshes', async () => {
    const { app, oauth } = registrationApp();
    const reg = await register(app, MCP_CLIENT);
    const client = await oauth.provider.stores.clients.find(reg.body.client_id);
    const { code } = await oauth.provider.issueAuthorizationCode({
      client: client!,
      subject: 'alice',
      scope: ['profile'],
      redirectUri: MCP_CLIENT.redirect_uris[0]!,
      redirectUriSent: true,
      codeChallenge: s256Challenge(VERIFIER),
    });
    const tokens = await request(app).post('/token').type('form').send({
      grant_type: 'authorization_code',
      client_id: reg.body.client_id,
      code,
      redirect_uri: MCP_CLIENT.redirect_uris[0],
      code_verifier: VERIFIER,
    });
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    const refreshed = await request(app).post('/token').type('form').send({
      grant_type: 'refresh_token',
      client_id: reg.body.client_id,
      refresh_token: tokens.body.refresh_token,
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
  });

  it('PKCE is required for a registered client', async () => {
    const { app, oauth } = registrationApp();
    const reg = await register(app, MCP_CLIENT);
    const client = await oauth.provider.stores.clients.find(reg.body.client_id);
    let error: unknown;
    try {
      await oauth.provider.issueAuthorizationCode({
        client: client!,
        subject: 'alice',
        scope: ['profile'],
        redirectUri: MCP_CLIENT.redirect_uris[0]!,
        redirectUriSent: true,
      });
    } catch (err) {
      error = err;
    }
    expect((error as { error?: string }).error).to.equal('invalid_request');
  });

  it('a secret past client_secret_expires_at no longer authenticates', async () => {
    const { app, clock } = registrationApp({
      registration: { policy: 'open', secretLifetime: 600 },
      rateLimits: { clientAuth: false },
    });
    const reg = await register(app, {
      grant_types: ['client_credentials'],
      response_types: [],
    });
    const token = () =>
      request(app)
        .post('/token')
        .type('form')
        .auth(reg.body.client_id, reg.body.client_secret)
        .send({ grant_type: 'client_credentials' });
    expect((await token()).status).to.equal(200);
    clock.advance(599);
    expect((await token()).status).to.equal(200);
    clock.advance(1);
    const expired = await token();
    expect(expired.status).to.equal(401);
    expect(expired.body.error).to.equal('invalid_client');
  });
});

describe('registration through fetchHandler()', () => {
  it('registers, reads and deletes, as the Express handlers do', async () => {
    const { oauth } = registrationApp();
    const handle = fetchHandler(oauth.provider);
    const json = { 'Content-Type': 'application/json' };
    const created = await handle(
      new Request(`${ISSUER}/register`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(MCP_CLIENT),
      }),
      { ip: '192.0.2.9' },
    );
    expect(created?.status).to.equal(201);
    expect(created?.headers.get('cache-control')).to.equal('no-store');
    const body = (await created!.json()) as Record<string, string>;
    const auth = { Authorization: `Bearer ${body['registration_access_token']}` };
    const uri = body['registration_client_uri'] as string;
    const read = await handle(new Request(uri, { headers: auth }));
    expect(read?.status).to.equal(200);
    expect(((await read!.json()) as Record<string, string>)['client_id']).to.equal(
      body['client_id'],
    );
    const gone = await handle(new Request(uri, { method: 'DELETE', headers: auth }));
    expect(gone?.status).to.equal(204);
    expect(await gone!.text()).to.equal('');
    const again = await handle(new Request(uri, { headers: auth }));
    expect(again?.status).to.equal(401);
    expect(await again!.json()).to.deep.equal({
      error: 'invalid_token',
      error_description: 'the registration access token is missing or invalid',
    });
    const notJson = await handle(
      new Request(`${ISSUER}/register`, { method: 'POST', headers: json, body: '{' }),
    );
    expect(notJson?.status).to.equal(400);
    expect(((await notJson!.json()) as Record<string, string>)['error']).to.equal(
      'invalid_client_metadata',
    );
  });

  it('does not serve registration when it is closed', async () => {
    const { oauth } = registrationApp({ registration: undefined });
    const handle = fetchHandler(oauth.provider);
    expect(await handle(new Request(`${ISSUER}/register`, { method: 'POST' }))).to.equal(undefined);
    expect(await handle(new Request(`${ISSUER}/register/x`))).to.equal(undefined);
  });
});
