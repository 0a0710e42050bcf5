/**
 * Dynamic client registration (RFC 7591) driven by another client library
 * written by others, openid-client (v6): `dynamicClientRegistration()` discovers
 * the demo (RFC 8414; the demo is an OAuth server, so discovery says `oauth2`),
 * registers, and the registered client is then used as openid-client uses it:
 * a service with client_credentials and client_secret_post, and a web app
 * through the authorization code flow with PKCE, the callback checked for
 * `state` and RFC 9207 `iss` by the library.
 */
import { expect } from 'chai';
import * as client from 'openid-client';
import { startDemo, type RunningDemo } from './demo-server.js';
import { HttpBrowser, location, parseConsentForm } from './http-browser.js';

/** openid-client refuses http:// unless told; the demo runs on http://127.0.0.1. */
const OPTIONS: client.DynamicClientRegistrationRequestOptions = {
  algorithm: 'oauth2',
  execute: [client.allowInsecureRequests],
};

describe('e2e: openid-client registers itself with the demo (RFC 7591)', function () {
  this.timeout(30_000);
  let demo: RunningDemo;

  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  it('registers a confidential service and gets a token with client_credentials', async () => {
    const config = await client.dynamicClientRegistration(
      new URL(demo.issuer),
      {
        client_name: 'Registered service',
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'read',
      },
      undefined,
      OPTIONS,
    );
    const metadata = config.clientMetadata();
    expect(metadata.client_id).to.be.a('string').and.not.equal('');
    expect(metadata.client_secret).to.be.a('string');
    expect(metadata.token_endpoint_auth_method).to.equal('client_secret_post');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    expect(tokens.token_type.toLowerCase()).to.equal('bearer');
    expect(tokens.scope).to.equal('read');

    const data = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL('/api/data', demo.issuer),
      'GET',
    );
    expect(data.status).to.equal(200);
  });

  it('registers a web app and runs the authorization code flow with PKCE', async () => {
    const redirectUri = 'https://app.example.com/callback';
    const config = await client.dynamicClientRegistration(
      new URL(demo.issuer),
      {
        client_name: 'Registered web app',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'profile read',
      },
      undefined,
      OPTIONS,
    );
    expect(config.clientMetadata().redirect_uris).to.deep.equal([redirectUri]);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'profile',
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });

    const browser = new HttpBrowser();
    expect((await browser.get(url)).status).to.equal(302);
    const login = await browser.postForm(
      new URL('/login', demo.issuer),
      new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    );
    const back = location(login, demo.issuer);
    const consent = await browser.get(back);
    const html = await consent.text();
    expect(html).to.include('Registered web app');
    const { action, hidden } = parseConsentForm(html, back);
    hidden.set('decision', 'allow');
    const callback = location(await browser.postForm(action, hidden), action);
    expect(callback.origin + callback.pathname).to.equal(redirectUri);

    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.scope).to.equal('profile');
    expect(tokens.refresh_token).to.be.a('string');
    const me = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL('/api/me', demo.issuer),
      'GET',
    );
    expect(me.status).to.equal(200);
    expect(await me.json()).to.deep.equal({
      sub: 'user-7a1ce',
      client_id: config.clientMetadata().client_id,
      scope: 'profile',
    });
  });
});
