/**
 * The device authorization endpoint (RFC 8628 3.1, 3.2): the answer's shape,
 * the user code's alphabet, every refusal with its exact body, the metadata,
 * the options and their checks, and the grant being off by default.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAuthorizationServer, DEVICE_CODE_GRANT_TYPE, type OAuthEvent } from '../../index.js';
import { basic } from '../support/engine.js';
import { authorizeApp, ISSUER } from '../support/authorize-app.js';
import { deviceApp, deviceAuthorization, expectOAuthError, start, tvSecret } from './support.js';

const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describe('device authorization endpoint (RFC 8628 3.1, 3.2)', () => {
  it('answers device_code, user_code, verification_uri(_complete), expires_in and interval, no-store', async () => {
    const { app } = deviceApp();
    const res = await deviceAuthorization(app, { client_id: 'tv', scope: 'profile read' });
    expect(res.status).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(Object.keys(res.body).sort()).to.deep.equal([
      'device_code',
      'expires_in',
      'interval',
      'user_code',
      'verification_uri',
      'verification_uri_complete',
    ]);
    // RFC 8628 6.1: the device code has high entropy: 32 random bytes.
    expect(res.body.device_code).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.user_code).to.match(USER_CODE);
    expect(res.body.verification_uri).to.equal(`${ISSUER}/device`);
    expect(res.body.verification_uri_complete).to.equal(
      `${ISSUER}/device?user_code=${res.body.user_code}`,
    );
    expect(res.body.expires_in).to.equal(600);
    expect(res.body.interval).to.equal(5);
  });

  it('makes a different device code and user code for every request', async () => {
    const { app } = deviceApp();
    const started = await Promise.all(Array.from({ length: 20 }, () => start(app)));
    expect(new Set(started.map((s) => s.device_code)).size).to.equal(20);
    expect(new Set(started.map((s) => s.user_code)).size).to.equal(20);
  });

  it('authenticates a confidential client as the token endpoint does', async () => {
    const { app } = deviceApp();
    const ok = await request(app)
      .post('/device_authorization')
      .set('Authorization', basic('tv-confidential', tvSecret.secret))
      .type('form')
      .send({ scope: 'profile' });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    const wrong = await request(app)
      .post('/device_authorization')
      .set('Authorization', basic('tv-confidential', 'wrong'))
      .type('form')
      .send({ scope: 'profile' });
    expectOAuthError(wrong, 401, 'invalid_client', 'client authentication failed');
    expect(wrong.headers['www-authenticate']).to.match(/^Basic realm=/);
  });

  it('refuses an unknown client: invalid_client', async () => {
    const { app } = deviceApp();
    const res = await deviceAuthorization(app, { client_id: 'nobody', scope: 'profile' });
    expectOAuthError(res, 400, 'invalid_client', 'client authentication failed');
  });

  it('refuses a client without the device_code grant: unauthorized_client', async () => {
    const { app } = deviceApp();
    const res = await deviceAuthorization(app, { client_id: 'spa', scope: 'profile' });
    expectOAuthError(
      res,
      400,
      'unauthorized_client',
      'the client may not use the device_code grant',
    );
  });

  it('refuses an unknown scope and one the client may not have: invalid_scope', async () => {
    const { app } = deviceApp();
    expectOAuthError(
      await deviceAuthorization(app, { client_id: 'tv', scope: 'profile admin' }),
      400,
      'invalid_scope',
      "unknown scope: 'admin'",
    );
    expectOAuthError(
      await deviceAuthorization(app, { client_id: 'console', scope: 'write' }),
      400,
      'invalid_scope',
      "the client may not request the scope: 'write'",
    );
  });

  it('gives the default scope when none is asked for', async () => {
    const { app } = deviceApp();
    const started = await start(app, { scope: '' });
    expect(started.user_code).to.match(USER_CODE);
  });

  it('refuses an unknown or malformed resource: invalid_target (RFC 8707 2)', async () => {
    const { app } = deviceApp();
    expectOAuthError(
      await deviceAuthorization(app, { client_id: 'tv', resource: 'https://unknown.example/api' }),
      400,
      'invalid_target',
      "the resource 'https://unknown.example/api' is unknown",
    );
    expectOAuthError(
      await deviceAuthorization(app, { client_id: 'tv', resource: 'https://api.example/#x' }),
      400,
      'invalid_target',
      "the resource 'https://api.example/#x' has a fragment",
    );
  });

  it('refuses a repeated scope (only resource may repeat)', async () => {
    const { app } = deviceApp();
    const res = await request(app)
      .post('/device_authorization')
      .type('form')
      .send('client_id=tv&scope=profile&scope=read');
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('invalid_request');
  });

  it('accepts POST only', async () => {
    const { app } = deviceApp();
    const res = await request(app).get('/device_authorization?client_id=tv');
    expectOAuthError(res, 405, 'invalid_request', 'this endpoint accepts POST only');
  });

  it('answers browsers cross-origin (CORS), without credentials', async () => {
    const { app } = deviceApp();
    const res = await deviceAuthorization(app, { client_id: 'tv' }).set(
      'Origin',
      'https://tv.example',
    );
    expect(res.status).to.equal(200);
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    expect(res.headers['access-control-allow-credentials']).to.equal(undefined);
  });

  it('publishes device_authorization_endpoint and the grant type in metadata (RFC 8628 4)', async () => {
    const { app } = deviceApp();
    const res = await request(app).get('/.well-known/oauth-authorization-server');
    expect(res.body.device_authorization_endpoint).to.equal(`${ISSUER}/device_authorization`);
    expect(res.body.grant_types_supported).to.include(DEVICE_CODE_GRANT_TYPE);
  });

  it('follows the options: lifetime, interval, the user code, the page path', async () => {
    const { app } = deviceApp({
      device: { lifetime: 300, interval: 10, userCode: { alphabet: '0123456789', length: 9 } },
      provider: { endpoints: { device: '/activate' } },
    });
    const started = await start(app);
    expect(started.expires_in).to.equal(300);
    expect(started.interval).to.equal(10);
    expect(started.user_code).to.match(/^\d{4}-\d{4}-\d$/);
    expect(started.verification_uri).to.equal(`${ISSUER}/activate`);
    expect((await request(app).get('/activate')).status).to.equal(200);
  });

  it('emits device.authorization_started with the client and scope, never a code', async () => {
    const { app, oauth } = deviceApp();
    const seen: OAuthEvent[] = [];
    oauth.provider.events.on('device.authorization_started', (e) => void seen.push(e));
    const started = await start(app);
    await new Promise((r) => setImmediate(r));
    expect(seen).to.have.length(1);
    const event = seen[0] as OAuthEvent & { clientId: string; scope: string[] };
    expect(event.clientId).to.equal('tv');
    expect(event.scope).to.deep.equal(['profile', 'read']);
    const text = JSON.stringify(event);
    expect(text).to.not.include(started.device_code);
    expect(text).to.not.include(started.user_code.replace('-', ''));
  });
});

describe('device authorization grant: off by default', () => {
  it('mounts no endpoint and no page, and metadata says nothing of it', async () => {
    const { app, oauth } = authorizeApp();
    expect(
      (await request(app).post('/device_authorization').send('client_id=spa')).status,
    ).to.equal(404);
    expect((await request(app).get('/device')).status).to.equal(404);
    const metadata = (await request(app).get('/.well-known/oauth-authorization-server')).body;
    expect(metadata).to.not.have.property('device_authorization_endpoint');
    expect(metadata.grant_types_supported).to.not.include(DEVICE_CODE_GRANT_TYPE);
    expect(() => oauth.device()).to.throw(TypeError, /grants\.deviceCode/);
    expect(oauth.provider.device).to.equal(undefined);
  });

  it('router({ device: false }) leaves the page out; router() mounts it', async () => {
    const oauth = createAuthorizationServer({ issuer: ISSUER, grants: { deviceCode: true } });
    expect(
      oauth
        .router({ device: false })
        .stack.map((l) => (l as { route?: { path: string } }).route?.path),
    ).to.not.include('/device');
    expect(
      oauth.router().stack.map((l) => (l as { route?: { path: string } }).route?.path),
    ).to.include('/device');
  });
});

describe('grants.deviceCode options', () => {
  const make = (deviceCode: unknown) => () =>
    createAuthorizationServer({
      issuer: ISSUER,
      grants: { deviceCode: deviceCode as true },
    });

  it('refuses bad values with a TypeError naming the option', () => {
    expect(make({ lifetime: 0 })).to.throw(
      TypeError,
      'options.grants.deviceCode.lifetime must be a positive whole number of seconds',
    );
    expect(make({ interval: 1.5 })).to.throw(
      TypeError,
      'options.grants.deviceCode.interval must be a positive whole number of seconds',
    );
    expect(make({ lifetime: 10, interval: 10 })).to.throw(
      TypeError,
      'options.grants.deviceCode.interval must be shorter than its lifetime',
    );
    expect(make({ userCode: { alphabet: 'abcdefghjk' } })).to.throw(
      TypeError,
      'options.grants.deviceCode.userCode.alphabet must be upper-case characters without "-" or spaces',
    );
    expect(make({ userCode: { alphabet: 'AABCDEFGH' } })).to.throw(
      TypeError,
      'options.grants.deviceCode.userCode.alphabet must have at least 2 characters, each once',
    );
    expect(make({ userCode: { length: 4 } })).to.throw(
      TypeError,
      'options.grants.deviceCode.userCode.length must be a whole number from 6 to 20',
    );
    expect(make({ userCode: { alphabet: 'AB', length: 8 } })).to.throw(
      TypeError,
      'the alphabet and length give fewer than 2^20 codes',
    );
  });

  it('refuses an unknown key, naming the nearest', () => {
    expect(make({ intervall: 5 })).to.throw(
      TypeError,
      /options\.grants\.deviceCode.*intervall.*interval/,
    );
    expect(make({ userCode: { size: 8 } })).to.throw(
      TypeError,
      /options\.grants\.deviceCode\.userCode/,
    );
  });
});

describe('device clients by dynamic registration (RFC 7591)', () => {
  it('a public client registers for the device grant with no redirect URI and starts a device flow', async () => {
    const { app } = deviceApp({ provider: { registration: { policy: 'open' } } });
    const registered = await request(app)
      .post('/register')
      .send({
        client_name: 'Registered TV',
        grant_types: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
        token_endpoint_auth_method: 'none',
        scope: 'profile',
      });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(registered.body.grant_types).to.deep.equal([DEVICE_CODE_GRANT_TYPE, 'refresh_token']);
    expect(registered.body.response_types).to.deep.equal([]);
    const started = await deviceAuthorization(app, {
      client_id: registered.body.client_id,
      scope: 'profile',
    });
    expect(started.status, JSON.stringify(started.body)).to.equal(200);
  });
});
