/**
 * Token exchange (RFC 8693) over HTTP: the form at the token endpoint (headers,
 * repeated and empty parameters), the exchanged token at a `protect()`ed route
 * (`req.oauth2.token.actor`), and openid-client's `genericGrantRequest` against
 * a server listening on a loopback port, its errors included.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import * as client from 'openid-client';
import request from 'supertest';
import { createAuthorizationServer, INVALID_GRANT, type AuthorizationServer } from '../../index.js';
import { frozenClock } from '../support/fixtures.js';
import {
  expectError as expectRegistrationError,
  register,
  registrationApp,
} from '../registration/support.js';
import {
  ACCESS_TOKEN_TYPE,
  CLI,
  exchangeOptions,
  GATEWAY,
  gatewaySecret,
  ORDERS,
  TOKEN_EXCHANGE_GRANT_TYPE,
  WEB,
} from '../support/token-exchange.js';

/** An app with the router and `/api/me`, which answers the token's subject, client and actor. */
function exchangeApp(issuer = 'https://auth.example.test'): {
  app: express.Express;
  oauth: AuthorizationServer;
} {
  const oauth = createAuthorizationServer({ ...exchangeOptions(frozenClock(Date.now())), issuer });
  const app = express();
  app.use(oauth.router());
  app.get('/api/me', oauth.protect({ scope: 'profile' }), (req, res) => {
    const token = req.oauth2?.token;
    res.json({ sub: token?.subject, client_id: token?.clientId, act: token?.actor ?? null });
  });
  return { app, oauth };
}

/** alice's access token (password grant, client `cli`) with `scope`. */
async function aliceToken(app: express.Express, scope = 'read profile'): Promise<string> {
  const res = await request(app)
    .post('/token')
    .set('Authorization', CLI)
    .type('form')
    .send({ grant_type: 'password', username: 'alice', password: 'wonderland', scope });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body.access_token as string;
}

/** The exchange form body for `subjectToken`, with `extra`. */
function form(subjectToken: string, extra = ''): string {
  const params = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
  });
  return extra === '' ? params.toString() : `${params.toString()}&${extra}`;
}

describe('token exchange over HTTP', () => {
  let app: express.Express;
  let alice: string;

  beforeEach(async () => {
    ({ app } = exchangeApp());
    alice = await aliceToken(app);
  });

  const post = (body: string, authorization = GATEWAY) =>
    request(app).post('/token').set('Authorization', authorization).type('form').send(body);

  it('answers the RFC 8693 2.2.1 body with no-store; /api/me sees alice, gateway and the actor', async () => {
    const res = await post(form(alice));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['pragma']).to.equal('no-cache');
    expect(Object.keys(res.body).sort()).to.deep.equal([
      'access_token',
      'expires_in',
      'issued_token_type',
      'scope',
      'token_type',
    ]);
    expect(res.body).to.include({
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      scope: 'read profile',
      expires_in: 3600,
    });
    const me = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.status).to.equal(200);
    expect(me.body).to.deep.equal({
      sub: 'user-alice',
      client_id: 'gateway',
      act: { sub: 'gateway' },
    });
  });

  it('narrows to scope=read: /api/me (profile) then refuses it with insufficient_scope', async () => {
    const res = await post(form(alice, 'scope=read'));
    expect(res.body.scope).to.equal('read');
    const me = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.status).to.equal(403);
    expect(me.headers['www-authenticate']).to.include('error="insufficient_scope"');
  });

  it('lets resource and audience repeat (then refuses two targets), and nothing else', async () => {
    const two = await post(
      form(
        alice,
        `resource=${encodeURIComponent(ORDERS)}&resource=${encodeURIComponent('https://b.example.test/')}`,
      ),
    );
    expect(two.status).to.equal(400);
    expect(two.body.error).to.equal('invalid_target');
    const audiences = await post(form(alice, 'audience=a&audience=b'));
    expect(audiences.status).to.equal(400);
    expect(audiences.body).to.deep.equal({
      error: 'invalid_target',
      error_description: 'one audience per access token: name at most one audience',
    });
    const subjects = await post(`${form(alice)}&subject_token=${alice}`);
    expect(subjects.status).to.equal(400);
    expect(subjects.body.error).to.equal('invalid_request');
  });

  it('takes an empty subject_token as missing (RFC 6749 3.1)', async () => {
    const res = await post(
      `grant_type=${encodeURIComponent(TOKEN_EXCHANGE_GRANT_TYPE)}&subject_token=&subject_token_type=${encodeURIComponent(ACCESS_TOKEN_TYPE)}`,
    );
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({
      error: 'invalid_request',
      error_description: 'subject_token is required',
    });
  });

  it('refuses web (not configured for the grant) with unauthorized_client', async () => {
    const res = await post(form(alice), WEB);
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({
      error: 'unauthorized_client',
      error_description: `the client may not use the ${TOKEN_EXCHANGE_GRANT_TYPE} grant`,
    });
  });

  it('refuses a forged subject token with invalid_grant and the fixed text', async () => {
    const [header, payload] = alice.split('.');
    const res = await post(form(`${header}.${payload}.AAAA`));
    expect(res.status).to.equal(400);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.deep.equal({ error: 'invalid_grant', error_description: INVALID_GRANT });
  });
});

describe('token exchange and dynamic registration', () => {
  it('a client registering itself cannot ask for the grant (invalid_client_metadata)', async () => {
    const { app } = registrationApp({ grants: { tokenExchange: true } });
    const res = await register(app, {
      client_name: 'Would-be gateway',
      grant_types: [TOKEN_EXCHANGE_GRANT_TYPE],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expectRegistrationError(
      res,
      400,
      'invalid_client_metadata',
      "grant_types has 'urn:ietf:params:oauth:grant-type:token-e...', which this server does not offer",
    );
  });
});

describe('token exchange with openid-client (genericGrantRequest)', function () {
  this.timeout(20_000);
  let server: Server;
  let app: express.Express;
  let issuer: string;
  let config: client.Configuration;

  before(async () => {
    server = createServer((req, res) => app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ app } = exchangeApp(issuer));
    config = await client.discovery(new URL(issuer), 'gateway', gatewaySecret.secret, undefined, {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('discovers the grant type in metadata', () => {
    expect(config.serverMetadata().grant_types_supported).to.include(TOKEN_EXCHANGE_GRANT_TYPE);
  });

  it("exchanges alice's token, narrowed to profile; the API says alice and gateway", async () => {
    const tokens = await client.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT_TYPE, {
      subject_token: await aliceToken(app),
      subject_token_type: ACCESS_TOKEN_TYPE,
      scope: 'profile',
    });
    expect(tokens.token_type.toLowerCase()).to.equal('bearer');
    expect(tokens.scope).to.equal('profile');
    expect(tokens['issued_token_type']).to.equal(ACCESS_TOKEN_TYPE);
    expect(tokens.refresh_token).to.equal(undefined);
    const me = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL('/api/me', issuer),
      'GET',
    );
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.equal({
      sub: 'user-alice',
      client_id: 'gateway',
      act: { sub: 'gateway' },
    });
  });

  it('gets invalid_grant for a revoked subject token, invalid_scope for a wider scope', async () => {
    const token = await aliceToken(app, 'read');
    // Revoked by the client it was issued to (another client's revocation leaves it alone).
    const revocation = await request(app)
      .post('/revoke')
      .set('Authorization', CLI)
      .type('form')
      .send({ token });
    expect(revocation.status).to.equal(200);
    const revoked = await client
      .genericGrantRequest(config, TOKEN_EXCHANGE_GRANT_TYPE, {
        subject_token: token,
        subject_token_type: ACCESS_TOKEN_TYPE,
      })
      .catch((e: unknown) => e);
    expect(revoked).to.be.instanceOf(client.ResponseBodyError);
    expect(revoked).to.include({
      error: 'invalid_grant',
      error_description: INVALID_GRANT,
      status: 400,
    });
    const wider = await client
      .genericGrantRequest(config, TOKEN_EXCHANGE_GRANT_TYPE, {
        subject_token: await aliceToken(app, 'read'),
        subject_token_type: ACCESS_TOKEN_TYPE,
        scope: 'read profile',
      })
      .catch((e: unknown) => e);
    expect(wider).to.include({ error: 'invalid_scope', status: 400 });
  });
});
