/**
 * UserInfo (OpenID Connect Core 5.3) served by `fetchHandler()`, driven with
 * real `Request` objects: the claims for a token with `openid`, the RFC 6750
 * challenges, DPoP-bound tokens (RFC 9449 7), CORS, methods, and nothing at all
 * when `options.openid` is off. test/http/fetch-userinfo-parity.test.ts checks
 * that Express answers the same.
 */
import { expect } from 'chai';
import { fetchHandler, Provider } from '../../index.js';
import { dpopRefusal, proof, proofKey } from '../dpop/resource-support.js';
import { ISSUER, providerOptions, secrets } from '../support/fixtures.js';
import { basic } from './token-assertions.js';
import {
  aliceToken,
  answer,
  expectNoStore,
  FORM,
  machineToken,
  urlOf,
  USERINFO,
  userInfoRequest,
  userInfoSetup,
} from './userinfo-support.js';

const BEARER = 'Bearer realm="api"';
const INVALID = 'the access token is invalid, expired or revoked';
const NOT_A_USER = 'the access token is not for an end-user';

/** The `Bearer` challenge of a refusal with `error` and its description. */
function bearerRefusal(error: string, description: string): string {
  return `${BEARER}, error="${error}", error_description="${description}"`;
}

async function expectJson(response: Response, status: number, body: unknown): Promise<void> {
  const text = await response.text();
  expect(response.status, text).to.equal(status);
  expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
  expect(JSON.parse(text)).to.deep.equal(body);
  expectNoStore(response);
}

async function expectRefused(
  response: Response,
  status: number,
  error: string,
  description: string,
  challenge: string,
): Promise<void> {
  await expectJson(response, status, { error, error_description: description });
  expect(response.headers.get('www-authenticate')).to.equal(challenge);
}

/** The bare 401 of a request without credentials (RFC 6750 3.1: "SHOULD NOT include an error code"). */
async function expectBareChallenge(response: Response): Promise<void> {
  expect(response.status).to.equal(401);
  expect(response.headers.get('www-authenticate')).to.equal(BEARER);
  expect(await response.text()).to.equal('');
  expectNoStore(response);
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('fetchHandler: UserInfo (OIDC Core 5.3)', () => {
  it('GET with an openid token: sub and the claims of the granted scopes only', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup);
    const response = await answer(setup, userInfoRequest({ headers: bearer(token) }));
    // OIDC Core 5.3.2: "The sub (subject) Claim MUST always be returned"; the host's forged sub and
    // secret_flag are dropped, email is not granted.
    await expectJson(response, 200, { sub: 'user-alice', name: 'Alice Liddell' });
    expect(response.headers.get('access-control-allow-origin')).to.equal('*');
    expect(response.headers.get('www-authenticate')).to.equal(null);
    expect(setup.calls).to.deep.equal(['user-alice']);
  });

  it('POST (OIDC Core 5.3: "MUST support the use of the HTTP GET and HTTP POST methods")', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup, 'openid email');
    const request = userInfoRequest({ method: 'POST', headers: bearer(token) });
    await expectJson(await answer(setup, request), 200, {
      sub: 'user-alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('a token without openid → 403 insufficient_scope naming openid; claims() never asked', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup, 'profile');
    await expectRefused(
      await answer(setup, userInfoRequest({ headers: bearer(token) })),
      403,
      'insufficient_scope',
      'the access token does not carry the scope this resource needs',
      `${BEARER}, error="insufficient_scope", scope="openid"`,
    );
    expect(setup.calls).to.deep.equal([]);
  });

  it('no token → 401 with the bare challenge and no body', async () => {
    const setup = userInfoSetup();
    await expectBareChallenge(await answer(setup, userInfoRequest()));
    await expectBareChallenge(await answer(setup, userInfoRequest({ method: 'POST' })));
  });

  it('an unknown token → 401 invalid_token', async () => {
    const setup = userInfoSetup();
    await expectRefused(
      await answer(setup, userInfoRequest({ headers: bearer('nope') })),
      401,
      'invalid_token',
      INVALID,
      bearerRefusal('invalid_token', INVALID),
    );
  });

  it('an expired token and a revoked token → 401 invalid_token', async () => {
    const setup = userInfoSetup();
    const revoked = await aliceToken(setup);
    const revoke = new Request(urlOf(setup, '/revoke'), {
      method: 'POST',
      headers: { 'Content-Type': FORM, Authorization: basic('cli', secrets.cli.secret) },
      body: `token=${revoked}`,
    });
    expect((await answer(setup, revoke)).status).to.equal(200);
    const refused = await answer(setup, userInfoRequest({ headers: bearer(revoked) }));
    await expectRefused(
      refused,
      401,
      'invalid_token',
      INVALID,
      bearerRefusal('invalid_token', INVALID),
    );
    const expiring = await aliceToken(setup);
    setup.clock.advance(7200);
    const late = await answer(setup, userInfoRequest({ headers: bearer(expiring) }));
    const expired = 'the access token expired';
    await expectRefused(
      late,
      401,
      'invalid_token',
      expired,
      bearerRefusal('invalid_token', expired),
    );
  });

  it('a client_credentials token with openid → 401 "the access token is not for an end-user"', async () => {
    const setup = userInfoSetup();
    const token = await machineToken(setup);
    for (const method of ['GET', 'POST']) {
      await expectRefused(
        await answer(setup, userInfoRequest({ method, headers: bearer(token) })),
        401,
        'invalid_token',
        NOT_A_USER,
        bearerRefusal('invalid_token', NOT_A_USER),
      );
    }
    expect(setup.calls).to.deep.equal([]);
  });

  it('the claims callback failing → 500 server_error, no challenge, its message never sent', async () => {
    const setup = userInfoSetup({
      openid: {
        claims: () => {
          throw new Error('database password is hunter2');
        },
      },
    });
    const token = await aliceToken(setup);
    const response = await answer(setup, userInfoRequest({ headers: bearer(token) }));
    const text = await response.text();
    expect(response.status).to.equal(500);
    expect(JSON.parse(text).error).to.equal('server_error');
    expect(text).not.to.include('hunter2');
    expect(response.headers.get('www-authenticate')).to.equal(null);
    expectNoStore(response);
  });

  it('PUT → 405 with Allow: GET, POST; HEAD → 405 without a body', async () => {
    const setup = userInfoSetup();
    const put = await answer(setup, userInfoRequest({ method: 'PUT' }));
    await expectJson(put, 405, {
      error: 'invalid_request',
      error_description: 'this endpoint accepts GET and POST only',
    });
    expect(put.headers.get('allow')).to.equal('GET, POST');
    const token = await aliceToken(setup);
    const head = await answer(setup, userInfoRequest({ method: 'HEAD', headers: bearer(token) }));
    expect(head.status).to.equal(405);
    expect(head.headers.get('allow')).to.equal('GET, POST');
    expect(await head.text()).to.equal('');
    expect(setup.calls).to.deep.equal([]);
  });

  it('a trailing slash is the same endpoint', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup);
    const request = userInfoRequest({ url: `${USERINFO}/`, headers: bearer(token) });
    expect((await answer(setup, request)).status).to.equal(200);
  });

  it('an issuer with a path: served below it', async () => {
    const setup = userInfoSetup({ issuer: `${ISSUER}/tenant` });
    const token = await aliceToken(setup);
    const url = urlOf(setup, '/userinfo');
    expect(url).to.equal(`${ISSUER}/tenant/userinfo`);
    const response = await answer(setup, userInfoRequest({ url, headers: bearer(token) }));
    await expectJson(response, 200, { sub: 'user-alice', name: 'Alice Liddell' });
    expect(await setup.handle(userInfoRequest({ headers: bearer(token) }))).to.equal(undefined);
  });

  it('openid off → fetchHandler leaves /userinfo to the host (404), as any unknown path', async () => {
    const handle = fetchHandler(new Provider(providerOptions()));
    for (const method of ['GET', 'POST', 'OPTIONS'])
      expect(await handle(userInfoRequest({ method }))).to.equal(undefined);
    expect(await handle(new Request(`${ISSUER}/token`, { method: 'GET' }))).not.to.equal(undefined);
  });
});

describe('fetchHandler: UserInfo with DPoP (RFC 9449 7)', () => {
  it('a DPoP-bound token with a valid proof → 200 (htu: the issuer origin + path)', async () => {
    const setup = userInfoSetup();
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    const dpop = await proof(key, setup.clock, { htu: USERINFO, token });
    const request = userInfoRequest({ headers: { Authorization: `DPoP ${token}`, DPoP: dpop } });
    const response = await answer(setup, request);
    await expectJson(response, 200, { sub: 'user-alice', name: 'Alice Liddell' });
    expect(response.headers.get('dpop-nonce')).to.equal(null);
  });

  it('POST with a proof for POST → 200; a proof for GET sent with POST → invalid_dpop_proof', async () => {
    const setup = userInfoSetup();
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    const send = async (htm: string) =>
      answer(
        setup,
        userInfoRequest({
          method: 'POST',
          headers: {
            Authorization: `DPoP ${token}`,
            DPoP: await proof(key, setup.clock, { htm, htu: USERINFO, token }),
          },
        }),
      );
    expect((await send('POST')).status).to.equal(200);
    const description = 'the DPoP proof htm does not match the request method';
    await expectRefused(
      await send('GET'),
      401,
      'invalid_dpop_proof',
      description,
      dpopRefusal('invalid_dpop_proof', description),
    );
  });

  it('the DPoP-bound token sent as Bearer → 401 invalid_token (RFC 9449 7.2: no downgrade)', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup, 'openid profile', await proofKey());
    const description =
      'the access token is bound to a DPoP key: send it with the DPoP scheme and a proof';
    await expectRefused(
      await answer(setup, userInfoRequest({ headers: bearer(token) })),
      401,
      'invalid_token',
      description,
      bearerRefusal('invalid_token', description),
    );
    expect(setup.calls).to.deep.equal([]);
  });

  it("the Request's host is never the htu: a proof for the attacker's host is refused", async () => {
    const setup = userInfoSetup();
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    const evil = 'https://evil.example/userinfo';
    const forged = await proof(key, setup.clock, { htu: evil, token });
    const request = userInfoRequest({
      url: evil,
      headers: { Authorization: `DPoP ${token}`, DPoP: forged },
    });
    const description = 'the DPoP proof htu does not match the request URL';
    await expectRefused(
      await answer(setup, request),
      401,
      'invalid_dpop_proof',
      description,
      dpopRefusal('invalid_dpop_proof', description),
    );
  });

  it('a replayed proof → 401 invalid_dpop_proof', async () => {
    const setup = userInfoSetup();
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    const headers = {
      Authorization: `DPoP ${token}`,
      DPoP: await proof(key, setup.clock, { htu: USERINFO, token }),
    };
    expect((await answer(setup, userInfoRequest({ headers }))).status).to.equal(200);
    const again = await answer(setup, userInfoRequest({ headers }));
    expect(again.status).to.equal(401);
    expect(((await again.json()) as { error: string }).error).to.equal('invalid_dpop_proof');
    expect(setup.calls).to.have.length(1);
  });

  it('with server nonces: use_dpop_nonce first, then 200 carrying the next DPoP-Nonce (RFC 9449 8.2)', async () => {
    const setup = userInfoSetup({ dpop: { nonces: { secret: 'a'.repeat(32) } } });
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    const send = async (nonce?: string) =>
      answer(
        setup,
        userInfoRequest({
          headers: {
            Authorization: `DPoP ${token}`,
            DPoP: await proof(key, setup.clock, { htu: USERINFO, token, nonce }),
          },
        }),
      );
    const first = await send();
    const description = 'the DPoP proof must carry the nonce the server provides';
    await expectRefused(
      first,
      401,
      'use_dpop_nonce',
      description,
      dpopRefusal('use_dpop_nonce', description),
    );
    const nonce = first.headers.get('dpop-nonce') as string;
    expect(nonce).to.match(/^[A-Za-z0-9_-]{43}$/);
    const second = await send(nonce);
    expect(second.status).to.equal(200);
    expect(second.headers.get('dpop-nonce')).to.equal(nonce);
  });
});

describe('fetchHandler: UserInfo under attack', () => {
  it('a token in a POST body (RFC 6750 2.2) or the query (2.3) is ignored: the bare challenge', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup);
    const inBody = userInfoRequest({
      method: 'POST',
      headers: { 'Content-Type': FORM },
      body: `access_token=${token}`,
    });
    await expectBareChallenge(await answer(setup, inBody));
    const inQuery = userInfoRequest({ url: `${USERINFO}?access_token=${token}` });
    await expectBareChallenge(await answer(setup, inQuery));
    expect(setup.calls).to.deep.equal([]);
  });

  it('a POST body is never read: an endless one does not hold the answer', async () => {
    const setup = userInfoSetup();
    const token = await aliceToken(setup);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(65_536).fill(0x61));
      },
    });
    const init = { method: 'POST', headers: { ...bearer(token), 'Content-Type': FORM }, body };
    const request = new Request(USERINFO, { ...init, duplex: 'half' } as RequestInit);
    const response = await answer(setup, request);
    expect(response.status).to.equal(200);
    expect(pulled).to.be.at.most(1);
  });

  it('a malformed Authorization header → 400 invalid_request, nothing of it echoed', async () => {
    const setup = userInfoSetup();
    const description = 'the Authorization header does not hold a well-formed bearer token';
    for (const header of ['Bearer', 'Bearer a b', 'Bearer "x", realm="evil"', 'Bearer a\u00e9']) {
      const request = userInfoRequest({ headers: { Authorization: header } });
      await expectRefused(
        await answer(setup, request),
        400,
        'invalid_request',
        description,
        bearerRefusal('invalid_request', description),
      );
    }
  });

  it('prototype names and other schemes are no credentials', async () => {
    const setup = userInfoSetup();
    for (const header of ['__proto__ x', 'constructor x', 'toString x', 'Basic YTpi'])
      await expectBareChallenge(
        await answer(setup, userInfoRequest({ headers: { Authorization: header } })),
      );
  });

  it("a token issued for another resource (RFC 8707) is not UserInfo's: 401 invalid_token", async () => {
    const mcp = 'https://api.example.test/mcp';
    const setup = userInfoSetup({ resources: [{ resource: mcp, scopes: ['openid', 'profile'] }] });
    const token = await aliceToken(setup, 'openid profile', undefined, { resource: mcp });
    const description = 'the access token is invalid';
    await expectRefused(
      await answer(setup, userInfoRequest({ headers: bearer(token) })),
      401,
      'invalid_token',
      description,
      bearerRefusal('invalid_token', description),
    );
  });

  it('CORS preflight: 204 with GET, POST and the DPoP header; never credentials', async () => {
    const setup = userInfoSetup();
    const response = await answer(
      setup,
      userInfoRequest({
        method: 'OPTIONS',
        headers: {
          Origin: 'https://app.example.test',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, dpop',
        },
      }),
    );
    expect(response.status).to.equal(204);
    expect(Object.fromEntries(response.headers)).to.deep.equal({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
      'access-control-max-age': '7200',
      allow: 'GET, POST, OPTIONS',
    });
    expect(await response.text()).to.equal('');
    expect(setup.calls).to.deep.equal([]);
  });

  it('an origin policy: the allowed origin echoed with Vary: Origin, another one not', async () => {
    const setup = userInfoSetup({ cors: { origins: ['https://app.example.test'] } });
    const token = await aliceToken(setup);
    const from = (origin: string) =>
      answer(setup, userInfoRequest({ headers: { ...bearer(token), Origin: origin } }));
    const allowed = await from('https://app.example.test');
    expect(allowed.status).to.equal(200);
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://app.example.test');
    expect(allowed.headers.get('vary')).to.equal('Origin');
    const other = await from('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    expect(other.headers.get('vary')).to.equal('Origin');
    expect(other.headers.get('access-control-allow-credentials')).to.equal(null);
  });

  it('cors: false → OPTIONS is the endpoint’s 405, and no CORS header anywhere', async () => {
    const setup = userInfoSetup({ cors: false });
    const response = await answer(setup, userInfoRequest({ method: 'OPTIONS' }));
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.equal('GET, POST');
    expect(response.headers.get('access-control-allow-origin')).to.equal(null);
  });
});
