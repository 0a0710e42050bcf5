/**
 * The demo's flow driven by a real OAuth client library written by others,
 * oauth4webapi (v3): discovery (RFC 8414), authorization code + PKCE as the
 * confidential client demo-web with client_secret_basic, the authorization
 * response checked for `state` and RFC 9207 `iss`, the code exchange, a call to
 * /api/me, refresh with rotation, introspection and revocation. The person in
 * the middle (login and consent) is played by plain HTTP with a cookie jar.
 * Runs once with JWT access tokens and once with opaque ones.
 */
import { expect } from 'chai';
import * as oauth from 'oauth4webapi';
import { startDemo, type RunningDemo } from './demo-server.js';
import { HttpBrowser, location, parseConsentForm } from './http-browser.js';

const CLIENT: oauth.Client = {
  client_id: 'demo-web',
  token_endpoint_auth_method: 'client_secret_basic',
};
const CLIENT_AUTH = oauth.ClientSecretBasic('demo-web-secret');
const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
/** oauth4webapi refuses http:// unless told; the demo runs on http://127.0.0.1. */
const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

for (const format of ['jwt', 'opaque'] as const) {
  describe(`e2e: oauth4webapi drives the demo (${format} access tokens)`, function () {
    this.timeout(30_000);
    let demo: RunningDemo;
    let as: oauth.AuthorizationServer;

    /**
     * Authorization code + PKCE as demo-web, up to the callback: builds the URL
     * with oauth4webapi, signs alice in, answers the consent page with
     * `decision`, and returns what oauth4webapi made of the callback URL.
     */
    async function authorize(
      decision: 'allow' | 'deny',
      scope = 'profile read',
    ): Promise<{ callback: URL; state: string; codeVerifier: string }> {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
      const state = oauth.generateRandomState();
      const authorizationUrl = new URL(as.authorization_endpoint!);
      authorizationUrl.search = new URLSearchParams({
        response_type: 'code',
        client_id: CLIENT.client_id,
        redirect_uri: REDIRECT_URI,
        scope,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      }).toString();

      const browser = new HttpBrowser();
      const first = await browser.get(authorizationUrl);
      expect(first.status, 'not signed in: redirected to the login page').to.equal(302);
      const loginUrl = location(first, authorizationUrl);
      expect(loginUrl.origin + loginUrl.pathname).to.equal(`${demo.issuer}/login`);
      const loginPage = await browser.get(loginUrl);
      expect(loginPage.status).to.equal(200);
      expect(await loginPage.text()).to.match(/name="username"[\s\S]*name="password"/);

      const login = await browser.postForm(
        new URL('/login', demo.issuer),
        new URLSearchParams({ username: 'alice', password: 'wonderland' }),
      );
      expect(login.status, 'signed in: redirected').to.be.oneOf([302, 303]);
      const back = location(login, demo.issuer);
      expect(back.pathname, 'back to the same authorization request').to.equal(
        authorizationUrl.pathname,
      );
      expect(Object.fromEntries(back.searchParams)).to.deep.equal(
        Object.fromEntries(authorizationUrl.searchParams),
      );

      const consent = await browser.get(back);
      expect(consent.status, 'the consent page').to.equal(200);
      expect(consent.headers.get('content-type')).to.match(/^text\/html/);
      expect(consent.headers.get('x-frame-options')).to.equal('DENY');
      expect(consent.headers.get('cache-control')).to.include('no-store');
      const html = await consent.text();
      expect(html).to.include('Demo web app');
      expect(html).to.match(/<button[^>]*name="decision"[^>]*value="allow"/);
      expect(html).to.match(/<button[^>]*name="decision"[^>]*value="deny"/);
      const { action, hidden } = parseConsentForm(html, back);
      expect([...hidden.keys()].length, 'the consent form carries hidden inputs').to.be.greaterThan(
        0,
      );
      hidden.set('decision', decision);

      const decided = await browser.postForm(action, hidden);
      expect(decided.status, 'the decision redirects to the client').to.be.oneOf([302, 303]);
      const callback = location(decided, action);
      expect(callback.origin + callback.pathname).to.equal(REDIRECT_URI);
      return { callback, state, codeVerifier };
    }

    /** The whole code flow: callback validated by oauth4webapi, code exchanged. */
    async function signIn(scope?: string): Promise<oauth.TokenEndpointResponse> {
      const { callback, state, codeVerifier } = await authorize('allow', scope);
      const params = oauth.validateAuthResponse(as, CLIENT, callback, state);
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        CLIENT,
        CLIENT_AUTH,
        params,
        REDIRECT_URI,
        codeVerifier,
        INSECURE,
      );
      return oauth.processAuthorizationCodeResponse(as, CLIENT, res);
    }

    async function me(accessToken: string): Promise<Response> {
      return oauth.protectedResourceRequest(
        accessToken,
        'GET',
        new URL('/api/me', demo.issuer),
        undefined,
        undefined,
        INSECURE,
      );
    }

    async function introspect(token: string): Promise<oauth.IntrospectionResponse> {
      const res = await oauth.introspectionRequest(as, CLIENT, CLIENT_AUTH, token, INSECURE);
      return oauth.processIntrospectionResponse(as, CLIENT, res);
    }

    async function refresh(refreshToken: string): Promise<oauth.TokenEndpointResponse> {
      const res = await oauth.refreshTokenGrantRequest(
        as,
        CLIENT,
        CLIENT_AUTH,
        refreshToken,
        INSECURE,
      );
      return oauth.processRefreshTokenResponse(as, CLIENT, res);
    }

    async function expectRefused(promise: Promise<unknown>, error: string): Promise<void> {
      try {
        await promise;
      } catch (err) {
        expect(err).to.be.instanceOf(oauth.ResponseBodyError);
        expect((err as oauth.ResponseBodyError).error).to.equal(error);
        return;
      }
      expect.fail(`expected the server to refuse with ${error}`);
    }

    async function expectInvalidToken(accessToken: string): Promise<void> {
      try {
        await me(accessToken);
      } catch (err) {
        expect(err).to.be.instanceOf(oauth.WWWAuthenticateChallengeError);
        const challenge = (err as oauth.WWWAuthenticateChallengeError).cause[0]!;
        expect(challenge.scheme).to.equal('bearer');
        expect(challenge.parameters.error).to.equal('invalid_token');
        expect((err as oauth.WWWAuthenticateChallengeError).status).to.equal(401);
        return;
      }
      expect.fail('expected /api/me to refuse the token with a Bearer challenge');
    }

    before(async () => {
      demo = await startDemo({ accessTokenFormat: format });
    });

    after(async () => {
      await demo?.close();
    });

    it('discovers the server metadata (RFC 8414) with oauth4webapi', async () => {
      const issuer = new URL(demo.issuer);
      const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...INSECURE });
      as = await oauth.processDiscoveryResponse(issuer, res);
      expect(as.issuer).to.equal(demo.issuer);
      expect(as).to.include({
        authorization_endpoint: `${demo.issuer}/authorize`,
        token_endpoint: `${demo.issuer}/token`,
        revocation_endpoint: `${demo.issuer}/revoke`,
        introspection_endpoint: `${demo.issuer}/introspect`,
        jwks_uri: `${demo.issuer}/jwks`,
        authorization_response_iss_parameter_supported: true,
      });
      expect(as.code_challenge_methods_supported).to.include('S256');
      expect(as.grant_types_supported).to.include.members(['authorization_code', 'refresh_token']);
      expect(as.token_endpoint_auth_methods_supported).to.include('client_secret_basic');
      expect(as.response_types_supported).to.include('code');
    });

    let tokens: oauth.TokenEndpointResponse;

    it('authorization code + PKCE: the callback passes validateAuthResponse (state, iss) and the code is exchanged', async () => {
      const { callback, state, codeVerifier } = await authorize('allow');
      expect(callback.searchParams.get('iss')).to.equal(demo.issuer);
      expect(callback.searchParams.get('state')).to.equal(state);
      const params = oauth.validateAuthResponse(as, CLIENT, callback, state);
      expect(params.get('code')).to.be.a('string').and.not.equal('');
      // A different state is caught by the library: the check is real.
      expect(() =>
        oauth.validateAuthResponse(as, CLIENT, callback, oauth.generateRandomState()),
      ).to.throw(oauth.OperationProcessingError);

      const res = await oauth.authorizationCodeGrantRequest(
        as,
        CLIENT,
        CLIENT_AUTH,
        params,
        REDIRECT_URI,
        codeVerifier,
        INSECURE,
      );
      tokens = await oauth.processAuthorizationCodeResponse(as, CLIENT, res);
      expect(tokens.token_type).to.equal('bearer'); // oauth4webapi lower-cases it
      expect(tokens.access_token).to.be.a('string');
      expect(tokens.refresh_token).to.be.a('string');
      expect(tokens.expires_in).to.be.a('number').and.greaterThan(0);
      expect(tokens.scope).to.equal('profile read');
      if (format === 'jwt') expect(tokens.access_token.split('.')).to.have.length(3);
      else expect(tokens.access_token.split('.')).to.have.length(1);
    });

    it("the access token reads /api/me: alice's stable sub", async () => {
      const res = await me(tokens.access_token);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-web',
        scope: 'profile read',
      });
    });

    it('introspection (RFC 7662) says both tokens are active', async () => {
      const access = await introspect(tokens.access_token);
      expect(access).to.include({
        active: true,
        client_id: 'demo-web',
        sub: 'user-7a1ce',
        scope: 'profile read',
      });
      const refreshToken = await introspect(tokens.refresh_token!);
      expect(refreshToken).to.include({ active: true, client_id: 'demo-web', sub: 'user-7a1ce' });
      const junk = await introspect('not-a-token');
      expect(junk).to.deep.equal({ active: false });
    });

    it('refresh rotates the refresh token; the new access token works; the old refresh token is refused', async () => {
      const fresh = await refresh(tokens.refresh_token!);
      expect(fresh.access_token).to.be.a('string').and.not.equal(tokens.access_token);
      expect(fresh.refresh_token, 'rotation: a new refresh token')
        .to.be.a('string')
        .and.not.equal(tokens.refresh_token);
      const res = await me(fresh.access_token);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.include({ sub: 'user-7a1ce', client_id: 'demo-web' });
      expect(await introspect(tokens.refresh_token!)).to.deep.equal({ active: false });

      // Presenting the retired one is refused (and, by RFC 9700 reuse
      // detection, revokes the whole grant: the new tokens die with it).
      await expectRefused(refresh(tokens.refresh_token!), 'invalid_grant');
      expect(await introspect(fresh.refresh_token!)).to.deep.equal({ active: false });
      expect(await introspect(fresh.access_token)).to.deep.equal({ active: false });
    });

    it('revocation (RFC 7009) of the refresh token ends the grant: introspection inactive, refresh refused, /api/me 401', async () => {
      const granted = await signIn();
      expect(await introspect(granted.access_token)).to.include({ active: true });
      const res = await oauth.revocationRequest(
        as,
        CLIENT,
        CLIENT_AUTH,
        granted.refresh_token!,
        INSECURE,
      );
      expect(await oauth.processRevocationResponse(res)).to.equal(undefined);
      expect(await introspect(granted.refresh_token!)).to.deep.equal({ active: false });
      expect(await introspect(granted.access_token)).to.deep.equal({ active: false });
      await expectRefused(refresh(granted.refresh_token!), 'invalid_grant');
      await expectInvalidToken(granted.access_token);
    });

    it('revocation of an access token alone: inactive and refused by /api/me', async () => {
      const granted = await signIn('profile');
      expect((await me(granted.access_token)).status).to.equal(200);
      const res = await oauth.revocationRequest(as, CLIENT, CLIENT_AUTH, granted.access_token, {
        ...INSECURE,
        additionalParameters: { token_type_hint: 'access_token' },
      });
      await oauth.processRevocationResponse(res);
      expect(await introspect(granted.access_token)).to.deep.equal({ active: false });
      await expectInvalidToken(granted.access_token);
    });

    it('the code is single-use: a replay is refused and revokes what the code gave (RFC 6749 4.1.2)', async () => {
      const { callback, state, codeVerifier } = await authorize('allow');
      const params = oauth.validateAuthResponse(as, CLIENT, callback, state);
      const first = await oauth.processAuthorizationCodeResponse(
        as,
        CLIENT,
        await oauth.authorizationCodeGrantRequest(
          as,
          CLIENT,
          CLIENT_AUTH,
          params,
          REDIRECT_URI,
          codeVerifier,
          INSECURE,
        ),
      );
      expect(await introspect(first.access_token)).to.include({ active: true });
      const again = await oauth.authorizationCodeGrantRequest(
        as,
        CLIENT,
        CLIENT_AUTH,
        params,
        REDIRECT_URI,
        codeVerifier,
        INSECURE,
      );
      await expectRefused(
        oauth.processAuthorizationCodeResponse(as, CLIENT, again),
        'invalid_grant',
      );
      expect(await introspect(first.access_token)).to.deep.equal({ active: false });
      expect(await introspect(first.refresh_token!)).to.deep.equal({ active: false });
    });

    it('a denied consent comes back as access_denied, which oauth4webapi reports as an AuthorizationResponseError', async () => {
      const { callback, state } = await authorize('deny');
      expect(callback.searchParams.get('iss')).to.equal(demo.issuer);
      expect(callback.searchParams.has('code')).to.equal(false);
      try {
        oauth.validateAuthResponse(as, CLIENT, callback, state);
      } catch (err) {
        expect(err).to.be.instanceOf(oauth.AuthorizationResponseError);
        expect((err as oauth.AuthorizationResponseError).error).to.equal('access_denied');
        return;
      }
      expect.fail('expected an AuthorizationResponseError');
    });
  });
}
