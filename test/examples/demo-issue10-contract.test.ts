/**
 * The demo's contract as issue 10 extends it ("Devices, signed client
 * assertions and delegation"), driven the way a test outside this repository
 * would: the metadata lists the device authorization endpoint, private_key_jwt
 * and the device-code and token-exchange grant types; `demo-device` (public)
 * runs the device flow through `ISSUER/device`, the login and the usual consent
 * form; demo-service may exchange alice's token (demo-web may not); open
 * registration takes a confidential private_key_jwt client with an inline JWK
 * Set, for client_credentials and for authorization_code + refresh_token.
 * (openid-client drives the same flows in test/e2e/openid-client-devices.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import request from 'supertest';
import { createDemoApp } from '../../examples/demo-app.js';

const ISSUER = 'http://localhost:3000';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type App = ReturnType<typeof createDemoApp>['app'];

/** The value of a hidden input of an HTML page. */
const hidden = (html: string, name: string): string =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

describe('demo contract, issue 10: devices, signed client assertions and delegation', function () {
  this.timeout(20_000);
  let app: App;
  before(() => {
    ({ app } = createDemoApp({ issuer: ISSUER }));
  });

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  /** alice's access token for demo-cli (password grant), scope `profile read`. */
  async function aliceToken(): Promise<string> {
    const res = await request(app)
      .post('/token')
      .set('authorization', basic('demo-cli', 'demo-cli-secret'))
      .type('form')
      .send({
        grant_type: 'password',
        username: 'alice',
        password: 'wonderland',
        scope: 'profile read',
      });
    expect(res.status).to.equal(200);
    return res.body.access_token as string;
  }

  it('metadata lists the device authorization endpoint, private_key_jwt and both grant types', async () => {
    const { body } = await request(app).get('/.well-known/oauth-authorization-server');
    expect(body.device_authorization_endpoint).to.equal(`${ISSUER}/device_authorization`);
    expect(body.token_endpoint_auth_methods_supported).to.include('private_key_jwt');
    expect(body.grant_types_supported).to.include.members([DEVICE_CODE, TOKEN_EXCHANGE]);
  });

  describe('demo-device and the device page', () => {
    /** Starts the flow as demo-device; returns the endpoint's answer. */
    async function startDevice(): Promise<Record<string, string>> {
      const res = await request(app)
        .post('/device_authorization')
        .type('form')
        .send({ client_id: 'demo-device', scope: 'profile read' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.verification_uri).to.equal(`${ISSUER}/device`);
      return res.body as Record<string, string>;
    }

    const pollOnce = (deviceCode: string) =>
      request(app)
        .post('/token')
        .type('form')
        .send({ grant_type: DEVICE_CODE, device_code: deviceCode, client_id: 'demo-device' });

    /** Enters the code at /device, signs alice in, answers the consent form. */
    async function answer(userCode: string, decision: 'allow' | 'deny'): Promise<string> {
      const agent = request.agent(app);
      const page = await agent.get('/device');
      expect(page.status).to.equal(200);
      expect(page.text).to.match(/<input[^>]*name="user_code"/);
      const entered = await agent
        .post('/device')
        .type('form')
        .send({ csrf_token: hidden(page.text, 'csrf_token'), user_code: userCode });
      expect(entered.status).to.be.oneOf([302, 303]);
      expect(entered.headers['location']).to.equal('/login');
      const login = await agent
        .post('/login')
        .type('form')
        .send({ username: 'alice', password: 'wonderland' });
      const consent = await agent.get(login.headers['location'] as string);
      expect(consent.status).to.equal(200);
      expect(consent.text).to.include('Demo device');
      const done = await agent
        .post('/device')
        .type('form')
        .send({
          transaction_id: hidden(consent.text, 'transaction_id'),
          csrf_token: hidden(consent.text, 'csrf_token'),
          decision,
        });
      expect(done.status).to.equal(200);
      return done.text;
    }

    it('pending, then allowed: tokens once for alice, with a refresh token', async () => {
      const started = await startDevice();
      const pending = await pollOnce(started['device_code']!);
      expect(pending.status).to.equal(400);
      expect(pending.body.error).to.equal('authorization_pending');
      await answer(started['user_code']!, 'allow');
      const tokens = await pollOnce(started['device_code']!);
      expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
      expect(tokens.body.refresh_token).to.be.a('string');
      const me = await request(app)
        .get('/api/me')
        .set('authorization', `Bearer ${tokens.body.access_token}`);
      expect(me.body).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-device',
        scope: 'profile read',
      });
      expect((await pollOnce(started['device_code']!)).body.error).to.equal('invalid_grant');
    });

    it('denied: access_denied', async () => {
      const started = await startDevice();
      await answer(started['user_code']!, 'deny');
      const res = await pollOnce(started['device_code']!);
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('access_denied');
    });
  });

  describe('token exchange', () => {
    it("demo-service exchanges alice's token: /api/me says alice's sub and demo-service; scope=profile narrows", async () => {
      const subject = await aliceToken();
      const exchange = (extra: Record<string, string> = {}) =>
        request(app)
          .post('/token')
          .set('authorization', basic('demo-service', 'demo-service-secret'))
          .type('form')
          .send({
            grant_type: TOKEN_EXCHANGE,
            subject_token: subject,
            subject_token_type: ACCESS_TOKEN_TYPE,
            ...extra,
          });
      const res = await exchange();
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.issued_token_type).to.equal(ACCESS_TOKEN_TYPE);
      const me = await request(app)
        .get('/api/me')
        .set('authorization', `Bearer ${res.body.access_token}`);
      expect(me.body).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-service',
        scope: 'profile read',
      });
      const narrowed = await exchange({ scope: 'profile' });
      expect(narrowed.status).to.equal(200);
      expect(narrowed.body.scope).to.equal('profile');
    });

    it('demo-web may not: unauthorized_client', async () => {
      const res = await request(app)
        .post('/token')
        .set('authorization', basic('demo-web', 'demo-web-secret'))
        .type('form')
        .send({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await aliceToken(),
          subject_token_type: ACCESS_TOKEN_TYPE,
        });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('unauthorized_client');
    });
  });

  describe('registration with private_key_jwt and an inline JWK Set', () => {
    let privateKey: CryptoKey;
    let jwks: { keys: object[] };
    before(async () => {
      const pair = await generateKeyPair('ES256');
      privateKey = pair.privateKey;
      jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
    });

    const assertion = (clientId: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(ISSUER)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);

    async function register(metadata: Record<string, unknown>): Promise<string> {
      const res = await request(app)
        .post('/register')
        .set('content-type', 'application/json')
        .send({ token_endpoint_auth_method: 'private_key_jwt', jwks, ...metadata });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.client_secret).to.equal(undefined);
      return res.body.client_id as string;
    }

    it('for client_credentials: a signed assertion gets a token', async () => {
      const clientId = await register({
        client_name: 'Signed service',
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'read',
      });
      const res = await request(app)
        .post('/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          scope: 'read',
          client_assertion_type: JWT_BEARER,
          client_assertion: await assertion(clientId),
        });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.scope).to.equal('read');
    });

    it('for authorization_code + refresh_token', async () => {
      const res = await request(app)
        .post('/register')
        .set('content-type', 'application/json')
        .send({
          client_name: 'Signed web app',
          redirect_uris: ['https://app.example.com/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks,
        });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.grant_types).to.deep.equal(['authorization_code', 'refresh_token']);
      expect(res.body.jwks).to.deep.equal(jwks);
    });
  });
});
