/**
 * OpenID Connect against the demo, driven by openid-client (v6) in its default
 * discovery mode (`/.well-known/openid-configuration`): the code flow as
 * demo-web with `openid profile email`, PKCE and a `nonce`, the id_token
 * validated by the library (signature from `jwks_uri`, iss, aud, nonce, exp),
 * then UserInfo read with `fetchUserInfo` (which checks that its `sub` is the
 * id_token's). The person in the middle is played by plain HTTP.
 */
import { expect } from 'chai';
import * as client from 'openid-client';
import { startDemo, type RunningDemo } from './demo-server.js';
import { HttpBrowser, location, parseConsentForm } from './http-browser.js';

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';

describe('e2e: openid-client (OpenID Connect discovery) against the demo', function () {
  this.timeout(30_000);
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  it('discovers, signs alice in with openid profile email and a nonce, validates the id_token and reads UserInfo', async () => {
    const config = await client.discovery(
      new URL(demo.issuer),
      'demo-web',
      'demo-web-secret',
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    expect(config.serverMetadata().userinfo_endpoint).to.equal(`${demo.issuer}/userinfo`);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email',
      state,
      nonce,
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
    expect(consent.status).to.equal(200);
    const { action, hidden } = parseConsentForm(await consent.text(), back);
    hidden.set('decision', 'allow');
    const callback = location(await browser.postForm(action, hidden), action);

    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).to.equal('user-7a1ce');
    expect(claims.aud).to.equal('demo-web');
    expect(claims.nonce).to.equal(nonce);
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).to.deep.include({
      sub: 'user-7a1ce',
      name: 'Alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  });
});
