/**
 * RFC 7592: reading, updating and deleting a registration with its
 * registration access token, and what nobody else can do with it.
 */
import { expect } from 'chai';
import request from 'supertest';
import type { OAuthEvent } from '../../index.js';
import {
  configuredSecret,
  expectError,
  MCP_CLIENT,
  pathOf,
  register,
  registrationApp,
  WEB_CB,
  WEB_CLIENT,
} from './support.js';

const INVALID = 'the registration access token is missing or invalid';

async function registered(overrides: Record<string, unknown> = {}) {
  const fixture = registrationApp();
  const res = await register(fixture.app, { ...WEB_CLIENT, ...overrides });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  const body = res.body as Record<string, string>;
  const path = pathOf(body['registration_client_uri'] as string);
  const auth = `Bearer ${body['registration_access_token']}`;
  return { ...fixture, body, path, auth };
}

describe('registration management: read (RFC 7592 2.1)', () => {
  it('answers 200 with the registration, the token, and no secret', async () => {
    const { app, body, path, auth } = await registered();
    const res = await request(app).get(path).set('Authorization', auth);
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    const { client_secret, ...withoutSecret } = body;
    expect(client_secret).to.be.a('string');
    expect(res.body).to.deep.equal(withoutSecret);
  });

  it('a wrong token, a missing one, and an unknown client id get the same 401 (no enumeration)', async () => {
    const { app, path, auth } = await registered();
    const answers = await Promise.all([
      request(app).get(path).set('Authorization', `${auth}x`),
      request(app).get(path),
      request(app).get('/register/00000000-0000-4000-8000-000000000000').set('Authorization', auth),
      request(app).get('/register/configured').set('Authorization', auth),
      request(app).get(`${path}%2Fx`).set('Authorization', auth),
    ]);
    for (const res of answers) {
      expectError(res, 401, 'invalid_token', INVALID);
      expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_token"');
    }
  });

  it("one client's token does not open another's registration", async () => {
    const { app, path } = await registered();
    const other = await register(app, MCP_CLIENT);
    const res = await request(app)
      .get(path)
      .set('Authorization', `Bearer ${other.body.registration_access_token}`);
    expectError(res, 401, 'invalid_token', INVALID);
  });

  it('configured clients can never be read, changed or deleted through it', async () => {
    const { app, oauth } = registrationApp();
    for (const method of ['get', 'put', 'delete'] as const) {
      const res = await request(app)
        [method]('/register/configured')
        .set('Content-Type', 'application/json')
        .set('Authorization', `Bearer ${configuredSecret.secret}`)
        .send(method === 'put' ? JSON.stringify({ ...WEB_CLIENT, client_id: 'configured' }) : '');
      expectError(res, 401, 'invalid_token', INVALID);
    }
    expect(await oauth.provider.stores.clients.find('configured')).to.not.equal(undefined);
  });

  it('other methods: 405 with Allow, before any credential is looked at', async () => {
    const { app, path } = await registered();
    const post = await request(app).post(path).set('Content-Type', 'application/json').send('{}');
    expectError(post, 405, 'invalid_request', 'this endpoint accepts GET, PUT, DELETE only');
    expect(post.headers['allow']).to.equal('GET, PUT, DELETE');
    const get = await request(app).get('/register');
    expectError(get, 405, 'invalid_request', 'this endpoint accepts POST only');
    expect(get.headers['allow']).to.equal('POST');
  });
});

describe('registration management: update (RFC 7592 2.2)', () => {
  const put = (app: Parameters<typeof request>[0], path: string, auth: string, body: unknown) =>
    request(app)
      .put(path)
      .set('Content-Type', 'application/json')
      .set('Authorization', auth)
      .send(JSON.stringify(body));

  it('replaces the metadata, keeps the secret, answers 200 and emits client.updated once', async () => {
    const { app, oauth, body, path, auth } = await registered();
    const events: OAuthEvent[] = [];
    oauth.provider.events.on('client.updated', (e) => void events.push(e));
    oauth.provider.events.on('client.registered', (e) => void events.push(e));
    const res = await put(app, path, auth, {
      client_id: body['client_id'],
      client_secret: body['client_secret'],
      redirect_uris: ['https://app.example.test/new'],
      client_name: 'Renamed',
      registration_access_token: 'ignored',
      client_id_issued_at: 1,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.equal({
      client_id: body['client_id'],
      client_id_issued_at: body['client_id_issued_at'],
      client_secret_expires_at: 0,
      redirect_uris: ['https://app.example.test/new'],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'web',
      client_name: 'Renamed',
      registration_access_token: body['registration_access_token'],
      registration_client_uri: body['registration_client_uri'],
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => e.type)).to.deep.equal(['client.updated']);
    const client = await oauth.provider.stores.clients.find(body['client_id'] as string);
    expect(client?.name).to.equal('Renamed');
    expect(client?.scopes).to.equal(undefined);
  });

  it('refuses a client_id other than its own', async () => {
    const { app, path, auth } = await registered();
    const res = await put(app, path, auth, { ...WEB_CLIENT, client_id: 'configured' });
    expectError(res, 400, 'invalid_client_metadata', 'client_id must be the registered client id');
    const missing = await put(app, path, auth, WEB_CLIENT);
    expectError(
      missing,
      400,
      'invalid_client_metadata',
      'client_id must be the registered client id',
    );
  });

  it('refuses a client_secret that is not the current one (a client cannot choose its secret)', async () => {
    const { app, body, path, auth } = await registered();
    const res = await put(app, path, auth, {
      ...WEB_CLIENT,
      client_id: body['client_id'],
      client_secret: 'my-own-chosen-secret',
    });
    expectError(
      res,
      400,
      'invalid_client_metadata',
      'client_secret is not the current client secret',
    );
  });

  it('checks the new metadata by the registration rules', async () => {
    const { app, body, path, auth } = await registered();
    const res = await put(app, path, auth, {
      ...WEB_CLIENT,
      client_id: body['client_id'],
      redirect_uris: ['http://evil.example/cb'],
    });
    expectError(
      res,
      400,
      'invalid_redirect_uri',
      "redirect_uris has 'http://evil.example/cb': a web client's redirect URIs must be https",
    );
    const read = await request(app).get(path).set('Authorization', auth);
    expect(read.body.redirect_uris).to.deep.equal([WEB_CB]);
  });

  it('moving to a public client drops the secret; moving back makes a new one', async () => {
    const { app, oauth, body, path, auth } = await registered();
    const id = body['client_id'] as string;
    const pub = await put(app, path, auth, { ...MCP_CLIENT, client_id: id });
    expect(pub.status, JSON.stringify(pub.body)).to.equal(200);
    expect(pub.body).to.not.have.property('client_secret_expires_at');
    expect((await oauth.provider.stores.clients.find(id))?.secretHash).to.equal(undefined);
    const back = await put(app, path, auth, { ...WEB_CLIENT, client_id: id });
    expect(back.body.client_secret).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(back.body.client_secret).to.not.equal(body['client_secret']);
  });
});

describe('registration management: delete (RFC 7592 2.3)', () => {
  it('answers 204, emits client.deleted once, and the token is dead afterwards (no replay)', async () => {
    const { app, oauth, body, path, auth } = await registered();
    const events: OAuthEvent[] = [];
    oauth.provider.events.on('client.deleted', (e) => void events.push(e));
    const res = await request(app).delete(path).set('Authorization', auth);
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(await oauth.provider.stores.clients.find(body['client_id'] as string)).to.equal(
      undefined,
    );
    for (const method of ['get', 'delete'] as const) {
      const replay = await request(app)[method](path).set('Authorization', auth);
      expectError(replay, 401, 'invalid_token', INVALID);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => e.type)).to.deep.equal(['client.deleted']);
  });

  it('a deleted client can no longer get tokens', async () => {
    const { app, body, path, auth } = await registered({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    });
    await request(app).delete(path).set('Authorization', auth);
    const res = await request(app)
      .post('/token')
      .type('form')
      .auth(body['client_id'] as string, body['client_secret'] as string)
      .send({ grant_type: 'client_credentials' });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_client');
  });
});
