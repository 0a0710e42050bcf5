/**
 * authorize(): validation of the authorization request against a real Express
 * app (express-session + Passport). Every request here is made by a user who is
 * not signed in: an error page or an error redirect instead of the login
 * redirect also proves validation comes before the login step.
 */
import { expect } from 'chai';
import request from 'supertest';
import { StoreUnavailableError, type Client, type ClientStore } from '../../index.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  CB2,
  CHALLENGE,
  consentPage,
  expectErrorPage,
  expectErrorRedirect,
  expectRedirect,
  redeem,
  signedIn,
  spaParams,
  VERIFIER,
} from '../support/authorize-app.js';

/** A client store whose backend is down (or broken). */
class FailingClientStore implements ClientStore {
  constructor(private readonly error: Error) {}
  async find(_clientId: string): Promise<Client | undefined> {
    throw this.error;
  }
}

describe('authorize(): errors about the client or redirect URI are shown, never redirected', () => {
  // RFC 6749 4.1.2.1: "If the request fails due to a missing, invalid, or mismatching
  // redirection URI, or if the client identifier is missing or invalid, the
  // authorization server SHOULD inform the resource owner of the error and MUST NOT
  // automatically redirect the user-agent to the invalid redirection URI."
  const { app, codes } = authorizeApp();
  const get = (params: Parameters<typeof authorizePath>[0]) =>
    request(app).get(authorizePath(params));

  after(() => {
    expect(codes.saved).to.have.length(0);
  });

  it('missing client_id → 400 invalid_request page', async () => {
    const { client_id: _omitted, ...params } = spaParams();
    expectErrorPage(await get(params), 'invalid_request');
  });

  it('client_id in bracket syntax (client_id[]=spa) is no client_id: never parsed into an array → 400 page', async () => {
    const { client_id: _omitted, ...params } = spaParams();
    const res = await request(app).get(`${authorizePath(params)}&client_id[]=spa&client_id[x]=spa`);
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('client_id is required');
  });

  it('unknown client_id → 400 invalid_client page', async () => {
    const res = await get(spaParams({ client_id: 'nobody' }));
    expectErrorPage(res, 'invalid_client');
    expect(res.text).to.include('the client_id is unknown');
  });

  it('repeated client_id (RFC 6749 3.1: "parameters MUST NOT be included more than once") → 400 page', async () => {
    const params = [...Object.entries(spaParams()), ['client_id', 'spa']] as [string, string][];
    expectErrorPage(await get(params), 'invalid_request');
  });

  it('a redirect_uri that is not registered → 400 page, not sent there', async () => {
    const res = await get(spaParams({ redirect_uri: 'https://attacker.example/cb' }));
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('redirect_uri is not registered');
  });

  describe('redirect URIs are compared as exact strings, without normalisation', () => {
    // RFC 9700 2.1: "When comparing client redirection URIs against pre-registered URIs,
    // authorization servers MUST utilize exact string matching except for port numbers
    // in localhost redirection URIs of native apps."
    // RFC 6749 3.1.2.3: "If the client registration included the full redirection URI,
    // the authorization server MUST compare the two URIs using simple string comparison."
    const variants: [string, string, string][] = [
      ['a trailing slash', 'spa', `${CB}/`],
      ['an upper-case host', 'spa', 'https://APP.example/cb'],
      ['an upper-case path', 'spa', 'https://app.example/CB'],
      ['an extra query parameter', 'spa', `${CB}?x=1`],
      ['the default port written out', 'spa', 'https://app.example:443/cb'],
      ['a percent-encoded path character', 'spa', 'https://app.example/%63b'],
      ['an empty fragment', 'spa', `${CB}#`],
      ['the registered query dropped', 'tenant', CB],
      [
        'a parameter added to the registered query',
        'tenant',
        'https://app.example/cb?tenant=a&tenant=b',
      ],
    ];
    for (const [what, clientId, uri] of variants) {
      it(`${what} (${uri}) → 400 page`, async () => {
        expectErrorPage(
          await get(spaParams({ client_id: clientId, redirect_uri: uri })),
          'invalid_request',
        );
      });
    }
  });

  it('repeated redirect_uri, even with the same registered value twice → 400 page', async () => {
    const params = [...Object.entries(spaParams()), ['redirect_uri', CB]] as [string, string][];
    const res = await get(params);
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('redirect_uri must not be repeated');
  });

  it('missing redirect_uri when the client registered two → 400 page', async () => {
    // RFC 6749 3.1.2.3: "If multiple redirection URIs have been registered ... the client
    // MUST include a redirection URI with the authorization request."
    const { redirect_uri: _omitted, ...params } = spaParams({ client_id: 'multi' });
    const res = await get(params);
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('redirect_uri is required');
  });

  it('a missing redirect_uri is fine when the client registered one: errors go there', async () => {
    const { redirect_uri: _omitted, response_type: _rt, ...params } = spaParams();
    expectErrorRedirect(await get(params), 'invalid_request', { redirectUri: CB });
  });

  it('with two registered, errors go to the one sent', async () => {
    const { response_type: _rt, ...params } = spaParams({ client_id: 'multi', redirect_uri: CB2 });
    expectErrorRedirect(await get(params), 'invalid_request', { redirectUri: CB2 });
  });

  it('a client store that is down → 503 temporarily_unavailable page, no redirect', async () => {
    const down = authorizeApp({
      provider: {
        clients: new FailingClientStore(
          new StoreUnavailableError('redis: ECONNREFUSED 10.0.0.7:6379'),
        ),
      },
    });
    const res = await request(down.app).get(authorizePath(spaParams()));
    expectErrorPage(res, 'temporarily_unavailable', 503);
    // RFC 9110 10.2.3: a 503 may say when to come back, as the token endpoint's does.
    expect(res.headers['retry-after']).to.equal('5');
    expect(res.text).not.to.include('ECONNREFUSED');
    expect(down.errors).to.have.length(0);
  });

  it('a client store that fails otherwise → 500 server_error page; the private message stays private', async () => {
    const broken = authorizeApp({
      provider: {
        clients: new FailingClientStore(new Error('SELECT * FROM clients: syntax error')),
      },
    });
    const res = await request(broken.app).get(authorizePath(spaParams()));
    expectErrorPage(res, 'server_error', 500);
    expect(res.text).not.to.include('SELECT');
  });
});

describe('authorize(): loopback redirect URIs of native apps (RFC 8252 7.3)', () => {
  // RFC 8252 7.3: "The authorization server MUST allow any port to be specified at the
  // time of the request for loopback IP redirect URIs, to accommodate clients that
  // obtain an available ephemeral port from the operating system at the time of the
  // request."
  const { app } = authorizeApp();
  const get = (params: Record<string, string>) => request(app).get(authorizePath(params));
  const native = (redirectUri: string, extra: Record<string, string> = {}) =>
    spaParams({ client_id: 'native', redirect_uri: redirectUri, ...extra });

  it('a public client registered with http://127.0.0.1/cb may use any port, and the code goes to that port', async () => {
    const agent = await signedIn(app);
    const uri = 'http://127.0.0.1:53123/cb';
    const { form } = await consentPage(agent, native(uri));
    const res = await agent
      .post('/authorize')
      .type('form')
      .send({ ...form, decision: 'allow' });
    const params = expectRedirect(res, uri, { status: 303 });
    expect(new URL(res.headers['location'] as string).port).to.equal('53123');
    const code = params.get('code');
    expect(code).to.be.a('string');
    // The token request must repeat the redirect_uri as sent, port included.
    const token = await redeem(app, {
      code: code!,
      client_id: 'native',
      redirect_uri: uri,
      code_verifier: VERIFIER,
    });
    expect(token.status, token.text).to.equal(200);
    expect(token.body.token_type).to.equal('Bearer');
  });

  it('the same for http://[::1]/cb: an error goes to http://[::1]:53123/cb', async () => {
    const { response_type: _rt, ...params } = native('http://[::1]:53123/cb');
    const res = await get(params);
    expectErrorRedirect(res, 'invalid_request', { redirectUri: 'http://[::1]:53123/cb' });
    expect(new URL(res.headers['location'] as string).host).to.equal('[::1]:53123');
  });

  it('the registered URI itself, without a port, still matches', async () => {
    const { response_type: _rt, ...params } = native('http://127.0.0.1/cb');
    expectErrorRedirect(await get(params), 'invalid_request', {
      redirectUri: 'http://127.0.0.1/cb',
    });
  });

  it('NOT for a confidential client → 400 page', async () => {
    expectErrorPage(
      await get(
        spaParams({ client_id: 'native-confidential', redirect_uri: 'http://127.0.0.1:53123/cb' }),
      ),
      'invalid_request',
    );
  });

  it('NOT for localhost (RFC 8252 8.3: "the use of localhost is NOT RECOMMENDED") → 400 page', async () => {
    expectErrorPage(
      await get(
        spaParams({ client_id: 'native-localhost', redirect_uri: 'http://localhost:53123/cb' }),
      ),
      'invalid_request',
    );
  });

  it('NOT with a different path → 400 page', async () => {
    expectErrorPage(await get(native('http://127.0.0.1:53123/other')), 'invalid_request');
    expectErrorPage(await get(native('http://127.0.0.1:53123/cb/more')), 'invalid_request');
    expectErrorPage(await get(native('http://[::1]:53123/cb?x=1')), 'invalid_request');
  });

  it('NOT over https, nor with another loopback address → 400 page', async () => {
    expectErrorPage(await get(native('https://127.0.0.1:53123/cb')), 'invalid_request');
    expectErrorPage(await get(native('http://127.0.0.2:53123/cb')), 'invalid_request');
  });

  it('NOT with a port that is no port (0, 65536, 99999) → 400 page, never a redirect to an invalid URL', async () => {
    for (const port of ['0', '65536', '99999'])
      expectErrorPage(await get(native(`http://127.0.0.1:${port}/cb`)), 'invalid_request');
  });

  it('the highest port, 65535, is a port', async () => {
    const { response_type: _rt, ...params } = native('http://127.0.0.1:65535/cb');
    expectErrorRedirect(await get(params), 'invalid_request', {
      redirectUri: 'http://127.0.0.1:65535/cb',
    });
  });
});

describe('authorize(): once client and redirect URI are trusted, errors are redirected', () => {
  // RFC 6749 4.1.2.1: "If the resource owner denies the access request or if the request
  // fails for reasons other than a missing or invalid redirection URI, the authorization
  // server informs the client by adding the following parameters to the query component
  // of the redirection URI" — and "state: REQUIRED if a "state" parameter was present in
  // the client authorization request. The exact value received from the client."
  // RFC 9207 2: "In authorization responses to the client, including error responses, an
  // authorization server supporting this specification MUST indicate its identity by
  // including the iss parameter in the response." (checked by expectRedirect)
  const { app, codes } = authorizeApp();
  const get = (params: Parameters<typeof authorizePath>[0]) =>
    request(app).get(authorizePath(params));

  after(() => {
    expect(codes.saved).to.have.length(0);
  });

  it('missing response_type → invalid_request in the query', async () => {
    const { response_type: _rt, ...params } = spaParams();
    expectErrorRedirect(await get(params), 'invalid_request');
  });

  it('unknown response_type → unsupported_response_type', async () => {
    expectErrorRedirect(
      await get(spaParams({ response_type: 'id_token' })),
      'unsupported_response_type',
    );
  });

  it('response_type=token while the implicit grant is off → unsupported_response_type, in the fragment', async () => {
    // RFC 6749 4.2.2.1: for the implicit grant the error goes in "the fragment component
    // of the redirection URI".
    const res = await get(spaParams({ response_type: 'token' }));
    const params = expectErrorRedirect(res, 'unsupported_response_type', { mode: 'fragment' });
    expect(params.get('error_description')).to.include('not enabled');
  });

  it('a client not allowed the response type → unauthorized_client', async () => {
    expectErrorRedirect(await get(spaParams({ client_id: 'machine' })), 'unauthorized_client');
  });

  it('with the implicit grant on, a code-only client asking for token → unauthorized_client (fragment); a token-only client asking for code → unauthorized_client (query)', async () => {
    const implicit = authorizeApp({ provider: { grants: { implicit: true } } });
    const token = await request(implicit.app).get(
      authorizePath(spaParams({ response_type: 'token' })),
    );
    expectErrorRedirect(token, 'unauthorized_client', { mode: 'fragment' });
    const code = await request(implicit.app).get(
      authorizePath(spaParams({ client_id: 'implicit-app' })),
    );
    expectErrorRedirect(code, 'unauthorized_client');
  });

  it('an unknown scope → invalid_scope', async () => {
    expectErrorRedirect(await get(spaParams({ scope: 'profile admin' })), 'invalid_scope');
  });

  it('a scope the client may not use → invalid_scope', async () => {
    expectErrorRedirect(
      await get(spaParams({ client_id: 'limited', scope: 'profile read' })),
      'invalid_scope',
    );
  });

  it('a malformed scope token (RFC 6749 3.3) → invalid_scope', async () => {
    expectErrorRedirect(await get(spaParams({ scope: 'profile "read"' })), 'invalid_scope');
  });

  it('a repeated scope (RFC 6749 3.1: "parameters MUST NOT be included more than once") → invalid_request', async () => {
    const params = [...Object.entries(spaParams()), ['scope', 'write']] as [string, string][];
    const res = await get(params);
    const out = expectErrorRedirect(res, 'invalid_request');
    expect(out.get('error_description')).to.include('scope');
  });

  it('a repeated state → invalid_request, and neither value is echoed', async () => {
    const params = [...Object.entries(spaParams()), ['state', 'other']] as [string, string][];
    expectErrorRedirect(await get(params), 'invalid_request', { state: null });
  });

  it('no state sent → none in the error response', async () => {
    const { state: _s, response_type: _rt, ...params } = spaParams();
    expectErrorRedirect(await get(params), 'invalid_request', { state: null });
  });

  describe('PKCE', () => {
    it('a public client without code_challenge → invalid_request', async () => {
      // RFC 7636 4.4.1: "If the server requires Proof Key for Code Exchange (PKCE) by OAuth
      // public clients and the client does not send the "code_challenge" in the request,
      // the authorization endpoint MUST return the authorization error response with the
      // "error" value set to "invalid_request"."
      const { code_challenge: _c, code_challenge_method: _m, ...params } = spaParams();
      const out = expectErrorRedirect(await get(params), 'invalid_request');
      expect(out.get('error_description')).to.include('code_challenge');
    });

    it('code_challenge_method without code_challenge → invalid_request', async () => {
      const { code_challenge: _c, ...params } = spaParams();
      expectErrorRedirect(await get(params), 'invalid_request');
    });

    for (const [what, challenge] of [
      ['too short (42 characters)', CHALLENGE.slice(0, 42)],
      ['too long (129 characters)', 'a'.repeat(129)],
      ['with a character outside [A-Za-z0-9-._~]', `${CHALLENGE.slice(0, 42)}+`],
    ] as const) {
      it(`S256 with a malformed challenge, ${what} → invalid_request`, async () => {
        expectErrorRedirect(await get(spaParams({ code_challenge: challenge })), 'invalid_request');
      });
    }

    it('an unknown code_challenge_method → invalid_request', async () => {
      expectErrorRedirect(
        await get(spaParams({ code_challenge_method: 'S512' })),
        'invalid_request',
      );
    });

    it('code_challenge_method=plain → invalid_request', async () => {
      // RFC 9700 2.1.1: "Clients SHOULD use PKCE code challenge methods that do not expose
      // the PKCE verifier in the authorization request."
      expectErrorRedirect(
        await get(spaParams({ code_challenge: VERIFIER, code_challenge_method: 'plain' })),
        'invalid_request',
      );
    });

    it('a challenge without a method means plain (RFC 7636 4.3: "defaults to "plain" if not present in the request") → invalid_request', async () => {
      const { code_challenge_method: _m, ...params } = spaParams();
      const out = expectErrorRedirect(await get(params), 'invalid_request');
      expect(out.get('error_description')).to.include('S256');
    });

    it('with pkce: { allowPlain: true }, plain is accepted (explicit or implied) and the plain verifier redeems', async () => {
      const plain = authorizeApp({ provider: { pkce: { allowPlain: true } } });
      const agent = await signedIn(plain.app);
      const { code_challenge_method: _m, ...implied } = spaParams({ code_challenge: VERIFIER });
      await consentPage(agent, implied);
      const { form } = await consentPage(
        agent,
        spaParams({ code_challenge: VERIFIER, code_challenge_method: 'plain' }),
      );
      const res = await agent
        .post('/authorize')
        .type('form')
        .send({ ...form, decision: 'allow' });
      const code = expectRedirect(res, CB, { status: 303 }).get('code');
      const token = await redeem(plain.app, { code: code! });
      expect(token.status, token.text).to.equal(200);
    });

    it('a confidential client with requirePkce: false may omit PKCE (consent page shown)', async () => {
      const agent = await signedIn(app);
      const {
        code_challenge: _c,
        code_challenge_method: _m,
        ...params
      } = spaParams({ client_id: 'legacy' });
      const { html } = await consentPage(agent, params);
      expect(html).to.include('Legacy App');
    });

    it('a confidential client with the default (requirePkce true) may not → invalid_request', async () => {
      const {
        code_challenge: _c,
        code_challenge_method: _m,
        ...params
      } = spaParams({ client_id: 'web' });
      expectErrorRedirect(await get(params), 'invalid_request');
    });
  });
});
