/**
 * Issue 10's flows driven by openid-client (v6) against the demo: the device
 * authorization grant (RFC 8628) with `initiateDeviceAuthorization` and
 * `pollDeviceAuthorizationGrant` while a browser (plain HTTP with a cookie jar)
 * enters the user code, signs alice in and allows or denies; `private_key_jwt`
 * client authentication (RFC 7523) for a client that registered itself with an
 * inline JWK Set, and a replayed assertion refused; token exchange (RFC 8693)
 * with `genericGrantRequest` as demo-service.
 */
import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { startDemo, type RunningDemo } from './demo-server.js';
import { decodeHtml, HttpBrowser, location, parseConsentForm } from './http-browser.js';

const OAUTH2 = { algorithm: 'oauth2', execute: [client.allowInsecureRequests] } as const;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

describe('e2e: openid-client drives the demo (issue 10)', function () {
  this.timeout(60_000);
  let demo: RunningDemo;

  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  const discover = (
    clientId: string,
    metadata?: Partial<client.ClientMetadata> | string,
    auth?: client.ClientAuth,
  ) =>
    client.discovery(new URL(demo.issuer), clientId, metadata, auth, {
      algorithm: OAUTH2.algorithm,
      execute: [...OAUTH2.execute],
    });

  /** The browser's part of the device flow: enter the code, sign in, answer the consent page. */
  async function approveOnDevicePage(
    verificationUri: string,
    userCode: string,
    decision: 'allow' | 'deny',
  ): Promise<string> {
    const browser = new HttpBrowser();
    const pageUrl = new URL(verificationUri);
    const page = await browser.get(pageUrl);
    expect(page.status).to.equal(200);
    const html = await page.text();
    expect(html).to.match(/<input[^>]*name="user_code"/);
    const { action, hidden } = parseConsentForm(html, pageUrl);
    hidden.set('user_code', userCode.toLowerCase().replace('-', ' '));
    let res = await browser.postForm(action, hidden);
    // Not signed in: the host's login, then back.
    expect(res.status).to.be.oneOf([302, 303]);
    let next = location(res, action);
    expect(next.pathname).to.equal('/login');
    res = await browser.postForm(
      new URL('/login', demo.issuer),
      new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    );
    next = location(res, demo.issuer);
    let consent = await browser.get(next);
    while (consent.status === 302 || consent.status === 303) {
      next = location(consent, next);
      consent = await browser.get(next);
    }
    expect(consent.status).to.equal(200);
    const consentHtml = await consent.text();
    expect(consentHtml).to.include('name="decision"');
    const form = parseConsentForm(consentHtml, next);
    form.hidden.set('decision', decision);
    let done = await browser.postForm(form.action, form.hidden);
    let doneUrl = form.action;
    while (done.status === 302 || done.status === 303) {
      doneUrl = location(done, doneUrl);
      done = await browser.get(doneUrl);
    }
    expect(done.status).to.equal(200);
    return decodeHtml(await done.text());
  }

  describe('device authorization grant (RFC 8628)', () => {
    it('demo-device: the user allows on the device page; polling gets tokens that open /api/me', async () => {
      const config = await discover(
        'demo-device',
        { token_endpoint_auth_method: 'none' },
        client.None(),
      );
      const started = await client.initiateDeviceAuthorization(config, { scope: 'profile read' });
      expect(started.verification_uri).to.equal(`${demo.issuer}/device`);
      expect(started.user_code).to.match(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      const polling = client.pollDeviceAuthorizationGrant(config, started);
      await approveOnDevicePage(started.verification_uri, started.user_code, 'allow');
      const tokens = await polling;
      expect(tokens.scope).to.equal('profile read');
      expect(tokens.refresh_token).to.be.a('string');
      const me = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL('/api/me', demo.issuer),
        'GET',
      );
      expect(await me.json()).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-device',
        scope: 'profile read',
      });
    });

    it('the user denies: polling ends with access_denied', async () => {
      const config = await discover(
        'demo-device',
        { token_endpoint_auth_method: 'none' },
        client.None(),
      );
      const started = await client.initiateDeviceAuthorization(config, { scope: 'profile' });
      const polling = client.pollDeviceAuthorizationGrant(config, started).then(
        () => undefined,
        (err: unknown) => err,
      );
      await approveOnDevicePage(started.verification_uri, started.user_code, 'deny');
      const refused = (await polling) as client.ResponseBodyError;
      expect(refused).to.be.instanceOf(client.ResponseBodyError);
      expect(refused.error).to.equal('access_denied');
    });
  });

  describe('private_key_jwt (RFC 7523)', () => {
    it('a client registered with an inline JWK Set authenticates with signed assertions; a replayed assertion is refused', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
      let assertion: string | undefined;
      const config = await client.dynamicClientRegistration(
        new URL(demo.issuer),
        {
          client_name: 'Signed service',
          grant_types: ['client_credentials'],
          response_types: [],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [jwk] },
          scope: 'read',
        },
        client.PrivateKeyJwt({ key: privateKey, kid: 'k1' }),
        { ...OAUTH2, execute: [...OAUTH2.execute] },
      );
      config[client.customFetch] = (url, init) => {
        const body = new URLSearchParams(String(init.body ?? ''));
        assertion = body.get('client_assertion') ?? assertion;
        return fetch(url, init);
      };
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
      expect(tokens.scope).to.equal('read');
      expect(assertion).to.be.a('string');

      const replay = await fetch(`${demo.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'read',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion!,
        }),
      });
      expect(replay.status).to.be.oneOf([400, 401]);
      expect(await replay.json()).to.deep.equal({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    });
  });

  describe('token exchange (RFC 8693)', () => {
    /** alice's token for demo-cli (password grant, scope profile read). */
    async function aliceToken(): Promise<string> {
      const res = await fetch(`${demo.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('demo-cli:demo-cli-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'alice',
          password: 'wonderland',
          scope: 'profile read',
        }),
      });
      expect(res.status).to.equal(200);
      return ((await res.json()) as { access_token: string }).access_token;
    }

    it("demo-service exchanges alice's token: /api/me says alice and demo-service; scope=profile narrows", async () => {
      const config = await discover('demo-service', 'demo-service-secret');
      const subject = await aliceToken();
      const exchanged = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
      });
      expect(exchanged['issued_token_type']).to.equal(ACCESS_TOKEN_TYPE);
      expect(exchanged.scope).to.equal('profile read');
      const me = await client.fetchProtectedResource(
        config,
        exchanged.access_token,
        new URL('/api/me', demo.issuer),
        'GET',
      );
      expect(await me.json()).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-service',
        scope: 'profile read',
      });
      const narrowed = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
        scope: 'profile',
      });
      expect(narrowed.scope).to.equal('profile');
    });

    it('demo-web may not exchange tokens (unauthorized_client)', async () => {
      const config = await discover('demo-web', 'demo-web-secret');
      const refused = await client
        .genericGrantRequest(config, TOKEN_EXCHANGE, {
          subject_token: await aliceToken(),
          subject_token_type: ACCESS_TOKEN_TYPE,
        })
        .then(
          () => undefined,
          (err: unknown) => err as client.ResponseBodyError,
        );
      expect(refused).to.be.instanceOf(client.ResponseBodyError);
      expect(refused!.error).to.equal('unauthorized_client');
    });
  });
});
