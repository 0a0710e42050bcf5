/**
 * Issue 11's flows driven by openid-client (v6) against the demo: DPoP (RFC
 * 9449) with client_credentials and with the code flow, the bound token used
 * at /api/me with `fetchProtectedResource`, with and without server nonces (the
 * library answers `use_dpop_nonce` by retrying with the nonce it was given);
 * pushed authorization requests (RFC 9126) with `buildAuthorizationUrlWithPAR`
 * as demo-web, the pushed `request_uri` working once.
 */
import { expect } from 'chai';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as client from 'openid-client';
import { startDemo, type RunningDemo } from './demo-server.js';
import { HttpBrowser, location, parseConsentForm } from './http-browser.js';

const OPTIONS: client.DiscoveryRequestOptions = {
  algorithm: 'oauth2',
  execute: [client.allowInsecureRequests],
};
const REDIRECT_URI = 'http://127.0.0.1:8080/callback';

/** The claims of a JWT, unverified. */
const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

for (const nonces of [false, true]) {
  describe(`e2e: openid-client, DPoP and PAR against the demo (server nonces ${nonces ? 'on' : 'off'})`, function () {
    this.timeout(30_000);
    let demo: RunningDemo;
    before(async () => {
      demo = await startDemo({ dpopNonces: nonces });
    });
    after(() => demo.close());

    const discover = (id: string, secret: string) =>
      client.discovery(new URL(demo.issuer), id, secret, undefined, OPTIONS);

    /** The proof key's RFC 7638 thumbprint. */
    const thumbprintOf = async (keyPair: Awaited<ReturnType<typeof client.randomDPoPKeyPair>>) =>
      calculateJwkThumbprint(await exportJWK(keyPair.publicKey));

    /** Signs alice in at `url` and allows; returns the callback URL. */
    async function approve(url: URL): Promise<URL> {
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
      return location(await browser.postForm(action, hidden), action);
    }

    it('metadata: the PAR endpoint and DPoP algorithms (ES256 among them)', async () => {
      const config = await discover('demo-service', 'demo-service-secret');
      const metadata = config.serverMetadata();
      expect(metadata.pushed_authorization_request_endpoint).to.equal(`${demo.issuer}/par`);
      expect(metadata.dpop_signing_alg_values_supported).to.include('ES256');
    });

    it('client_credentials with a proof: a DPoP token bound to the key (cnf.jkt) opens /api/data with proofs, never as Bearer', async () => {
      const config = await discover('demo-service', 'demo-service-secret');
      const answers: { status: number; nonce: string | null }[] = [];
      config[client.customFetch] = async (url, init) => {
        const res = await fetch(url, init);
        answers.push({ status: res.status, nonce: res.headers.get('dpop-nonce') });
        return res;
      };
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const DPoP = client.getDPoPHandle(config, keyPair);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
      // With nonces on, the first proof (no nonce) is refused with use_dpop_nonce and a
      // DPoP-Nonce; openid-client retries once with it.
      expect(answers.map((a) => a.status)).to.deep.equal(nonces ? [400, 200] : [200]);
      expect(answers[0]!.nonce !== null).to.equal(nonces);
      expect(tokens.token_type.toLowerCase()).to.equal('dpop');
      expect(claimsOf(tokens.access_token)['cnf']).to.deep.equal({
        jkt: await thumbprintOf(keyPair),
      });
      const url = new URL('/api/data', demo.issuer);
      const ok = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        url,
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      expect(ok.status).to.equal(200);
      const again = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        url,
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      expect(again.status, 'a second request with a fresh proof').to.equal(200);

      const asBearer = await fetch(url, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(asBearer.status).to.equal(401);
      const otherKey = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
      const stolen = await client
        .fetchProtectedResource(config, tokens.access_token, url, 'GET', undefined, undefined, {
          DPoP: otherKey,
        })
        .then(
          (res) => res.status,
          (err: unknown) => (err as client.WWWAuthenticateChallengeError).status,
        );
      expect(stolen, "another key's proof").to.equal(401);
    });

    it('the code flow with DPoP as demo-web, pushed (PAR): the request_uri works once', async () => {
      const config = await discover('demo-web', 'demo-web-secret');
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const DPoP = client.getDPoPHandle(config, keyPair);
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = await client.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'profile read',
        state,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      expect([...url.searchParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
      expect(url.searchParams.get('request_uri')).to.match(/^urn:ietf:params:oauth:request_uri:/);
      const callback = await approve(url);
      const tokens = await client.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: verifier, expectedState: state },
        undefined,
        { DPoP },
      );
      expect(tokens.token_type.toLowerCase()).to.equal('dpop');
      expect(claimsOf(tokens.access_token)['cnf']).to.deep.equal({
        jkt: await thumbprintOf(keyPair),
      });
      const me = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL('/api/me', demo.issuer),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      expect(await me.json()).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-web',
        scope: 'profile read',
      });

      // The same request_uri again: refused on the error page, never redirected.
      const reused = await new HttpBrowser().get(url);
      expect(reused.status).to.equal(400);
      expect(reused.headers.get('location')).to.equal(null);
    });

    it('a push with a wrong secret is 401 invalid_client', async () => {
      const res = await fetch(`${demo.issuer}/par`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('demo-web:wrong').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }),
      });
      expect(res.status).to.equal(401);
      expect(await res.json()).to.deep.equal({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    });
  });
}
