/**
 * JWT client authentication at the token endpoint (RFC 7523 2.2 and 3, RFC 7521
 * 4.2): `private_key_jwt` with inline keys and `client_secret_jwt`, each bad
 * assertion with its exact response and its private reason (the
 * `client.authentication_failed` event).
 */
import { expect } from 'chai';
import { KeyObject, sign } from 'node:crypto';
import { CLIENT_AUTHENTICATION_FAILED } from '../../index.js';
import { expectOAuthError, expectTokenResponse } from '../http/token-assertions.js';
import { ISSUER } from '../support/fixtures.js';
import {
  assertionParams,
  HMAC_SECRET,
  JWT_BEARER,
  SHORT_SECRET,
  keyPair,
  signAssertion,
  TOKEN_URL,
  jwtHarness,
  type JwtHarness,
} from './jwt-support.js';

const FAILED = { description: CLIENT_AUTHENTICATION_FAILED };

/** Expects the fixed 400 invalid_client and the private `reason` in the one failure event. */
async function expectRefused(
  h: JwtHarness,
  res: Awaited<ReturnType<JwtHarness['token']>>,
  reason: string,
  clientId: string | null = 'jwt-es',
  method: string | null = 'private_key_jwt',
): Promise<void> {
  expectOAuthError(res, 400, 'invalid_client', FAILED);
  await h.settle();
  // null: the event names no client or method (the assertion could not be read).
  expect(h.failures.map((f) => [f.clientId, f.method, f.reason])).to.deep.equal([
    [clientId ?? undefined, method ?? undefined, reason],
  ]);
  expect(JSON.stringify(h.failures)).not.to.include('eyJ'); // never an assertion in an event
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('private_key_jwt (RFC 7523 2.2): a good assertion', () => {
  let h: JwtHarness;
  beforeEach(async () => {
    h = await jwtHarness();
  });

  it('authenticates an ES256 assertion whose kid names an inline key', async () => {
    const body = expectTokenResponse(await h.token(assertionParams(await h.assertion())));
    const info = await h.oauth.provider.verifyAccessToken(body['access_token'] as string);
    expect(info.clientId).to.equal('jwt-es');
  });

  // RFC 7523 3: "The JWT MUST contain an "aud" (audience) claim containing a value that
  // identifies the authorization server as an intended audience. The token endpoint URL of the
  // authorization server MAY be used as a value for an "aud" element to identify the
  // authorization server as an intended audience of the JWT."
  it('accepts aud as the token endpoint URL, and as an array naming the issuer', async () => {
    for (const aud of [TOKEN_URL, ['https://other.example', ISSUER]]) {
      expectTokenResponse(await h.token(assertionParams(await h.assertion({ claims: { aud } }))));
    }
  });

  it('accepts a client_id parameter that names the same client', async () => {
    const params = assertionParams(await h.assertion(), { client_id: 'jwt-es' });
    expectTokenResponse(await h.token(params));
  });

  it('picks the only key of a client when the header has no kid (RS256, a JWK without kid)', async () => {
    const assertion = await signAssertion({
      clientId: 'jwt-rs',
      key: h.rs.privateKey,
      alg: 'RS256',
      now: h.clock(),
    });
    expectTokenResponse(await h.token(assertionParams(assertion)));
  });

  it('authenticates at revocation and introspection too', async () => {
    const body = expectTokenResponse(await h.token(assertionParams(await h.assertion())));
    const { default: request } = await import('supertest');
    const introspection = await request(h.app)
      .post('/introspect')
      .type('form')
      .send({ token: body['access_token'], ...assertionParams(await h.assertion()) });
    expect(introspection.status).to.equal(200);
    expect(introspection.body.active).to.equal(true);
    const revocation = await request(h.app)
      .post('/revoke')
      .type('form')
      .send({ token: body['access_token'], ...assertionParams(await h.assertion()) });
    expect(revocation.status).to.equal(200);
  });
});

describe('client_secret_jwt (RFC 7523 2.2): HMAC with a readable secret', () => {
  let h: JwtHarness;
  beforeEach(async () => {
    h = await jwtHarness();
  });

  for (const alg of ['HS256', 'HS384', 'HS512']) {
    it(`authenticates an ${alg} assertion`, async () => {
      const key = new TextEncoder().encode(HMAC_SECRET);
      const assertion = await signAssertion({ clientId: 'jwt-hs', key, alg, now: h.clock() });
      expectTokenResponse(await h.token(assertionParams(assertion)));
    });
  }

  it('refuses an assertion under another secret', async () => {
    const key = new TextEncoder().encode(HMAC_SECRET.replace('!', '?'));
    const assertion = await signAssertion({
      clientId: 'jwt-hs',
      key,
      alg: 'HS256',
      now: h.clock(),
    });
    await expectRefused(
      h,
      await h.token(assertionParams(assertion)),
      'client assertion: the signature does not verify',
      'jwt-hs',
      'client_secret_jwt',
    );
  });

  it('refuses an RS256 assertion for a client_secret_jwt client (not registered for private_key_jwt)', async () => {
    const pair = await keyPair('RS256');
    const assertion = await signAssertion({
      clientId: 'jwt-hs',
      key: pair.privateKey,
      alg: 'RS256',
      now: h.clock(),
    });
    await expectRefused(
      h,
      await h.token(assertionParams(assertion)),
      'the client is not registered for private_key_jwt',
      'jwt-hs',
    );
  });
});

describe('private_key_jwt: every bad assertion is the same invalid_client, its reason private', () => {
  let h: JwtHarness;
  beforeEach(async () => {
    h = await jwtHarness();
  });

  const cases: [string, (h: JwtHarness) => Promise<string>, string][] = [
    [
      'a wrong aud',
      (h) => h.assertion({ claims: { aud: 'https://elsewhere.example' } }),
      'client assertion: aud names neither the issuer, this endpoint nor the token endpoint',
    ],
    [
      'aud as the URL of another endpoint of this server',
      (h) => h.assertion({ claims: { aud: `${ISSUER}/introspect` } }),
      'client assertion: aud names neither the issuer, this endpoint nor the token endpoint',
    ],
    [
      'an expired assertion',
      (h) => h.assertion({ claims: { exp: Math.floor(h.clock() / 1000) - 1 } }),
      'client assertion: exp has passed',
    ],
    [
      'an exp more than 300 s ahead',
      (h) => h.assertion({ claims: { exp: Math.floor(h.clock() / 1000) + 301 } }),
      'client assertion: exp is more than 300 s ahead',
    ],
    [
      'no exp',
      (h) => h.assertion({ claims: { exp: undefined } }),
      'client assertion: exp is missing',
    ],
    [
      'exp as a string',
      (h) => h.assertion({ claims: { exp: String(Math.floor(h.clock() / 1000) + 60) } }),
      'client assertion: exp is not a number',
    ],
    [
      'no jti',
      (h) => h.assertion({ claims: { jti: undefined } }),
      'client assertion: jti is missing',
    ],
    [
      'an empty jti',
      (h) => h.assertion({ claims: { jti: '' } }),
      'client assertion: jti must be a non-empty string of at most 256 characters',
    ],
    [
      'iat in the future',
      (h) => h.assertion({ claims: { iat: Math.floor(h.clock() / 1000) + 61 } }),
      'client assertion: iat is in the future',
    ],
    [
      'nbf in the future',
      (h) => h.assertion({ claims: { nbf: Math.floor(h.clock() / 1000) + 61 } }),
      'client assertion: nbf is in the future',
    ],
    [
      'iss other than sub',
      (h) => h.assertion({ claims: { iss: 'jwt-rs' } }),
      'client assertion: iss is not the client id',
    ],
    [
      'signed by another key under the same kid',
      async (h) => h.assertion({ key: (await keyPair('ES256')).privateKey }),
      'client assertion: the signature does not verify',
    ],
    [
      'a kid the client does not have',
      (h) => h.assertion({ kid: 'nobody' }),
      'client assertion: no key of the client has this kid',
    ],
    ...['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map(
      (kid): [string, (h: JwtHarness) => Promise<string>, string] => [
        `the prototype-ish kid ${kid}`,
        (h) => h.assertion({ kid }),
        'client assertion: no key of the client has this kid',
      ],
    ),
    [
      'a kid that is not a string',
      (h) => h.assertion({ kid: undefined, header: { kid: 1 } }),
      'client assertion: kid is not a string',
    ],
    [
      'the kid of an ES256 key with alg ES384',
      async (h) => h.assertion({ alg: 'ES384', key: (await keyPair('ES384')).privateKey }),
      'client assertion: the key with this kid does not fit alg ES384',
    ],
    ['a crit header', (h) => critAssertion(h), 'client assertion: crit is not understood'],
  ];

  for (const [title, make, reason] of cases) {
    it(`${title}: 400 invalid_client`, async () => {
      await expectRefused(h, await h.token(assertionParams(await make(h))), reason);
    });
  }

  // RFC 7518 8.2 / the classic key-confusion attack: an HMAC keyed with the client's public key.
  it('HS256 keyed with the public key of a private_key_jwt client: not registered for client_secret_jwt', async () => {
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(h.es.publicJwk));
    const assertion = await h.assertion({ alg: 'HS256', key: publicKeyBytes });
    await expectRefused(
      h,
      await h.token(assertionParams(assertion)),
      'the client is not registered for client_secret_jwt',
      'jwt-es',
      'client_secret_jwt',
    );
  });

  it('alg none: refused before any client is looked up', async () => {
    const now = Math.floor(h.clock() / 1000);
    const claims = { iss: 'jwt-es', sub: 'jwt-es', aud: ISSUER, exp: now + 60, jti: 'x' };
    const unsigned = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    const res = await h.token(assertionParams(unsigned));
    await expectRefused(h, res, 'client assertion: not a compact JWS', null, null);
    const withSignature = `${b64({ alg: 'none' })}.${b64(claims)}.AAAA`;
    h.failures.length = 0;
    await expectRefused(
      h,
      await h.token(assertionParams(withSignature)),
      'client assertion: alg "none" is not allowed',
      null,
      null,
    );
  });

  it('sub other than the client_id parameter', async () => {
    const res = await h.token(assertionParams(await h.assertion(), { client_id: 'jwt-rs' }));
    await expectRefused(
      h,
      res,
      "client assertion: the client_id parameter is not the assertion's sub",
      null,
      null,
    );
  });

  it('an assertion that is not a JWS, and one whose payload has no sub', async () => {
    await expectRefused(
      h,
      await h.token(assertionParams('not-a-jwt')),
      'client assertion: not a compact JWS',
      null,
      null,
    );
    h.failures.length = 0;
    const noSub = await h.assertion({ claims: { sub: undefined } });
    await expectRefused(
      h,
      await h.token(assertionParams(noSub)),
      'client assertion: sub is not a non-empty string',
      null,
      null,
    );
  });

  it('an unknown client: the same answer', async () => {
    const assertion = await h.assertion({ clientId: 'nobody' });
    await expectRefused(h, await h.token(assertionParams(assertion)), 'unknown client', 'nobody');
  });

  it('a client registered for client_secret_basic: the same answer', async () => {
    const assertion = await h.assertion({ clientId: 'service' });
    await expectRefused(
      h,
      await h.token(assertionParams(assertion)),
      'the client is not registered for private_key_jwt',
      'service',
    );
  });
});

/** An assertion with `crit`, signed by hand (jose refuses to sign an unknown crit). */
async function critAssertion(h: JwtHarness): Promise<string> {
  const now = Math.floor(h.clock() / 1000);
  const header = b64({ alg: 'ES256', kid: 'es-1', crit: ['exp'] });
  const claims = { iss: 'jwt-es', sub: 'jwt-es', aud: ISSUER, exp: now + 60, jti: 'crit' };
  const input = `${header}.${b64(claims)}`;
  const key = KeyObject.from(h.es.privateKey as Parameters<typeof KeyObject.from>[0]);
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

describe('client assertions: the request shape (RFC 7521 4.2)', () => {
  let h: JwtHarness;
  beforeEach(async () => {
    h = await jwtHarness();
  });

  it('client_assertion without client_assertion_type: 400 invalid_request', async () => {
    const res = await h.token({ client_assertion: await h.assertion() });
    expectOAuthError(res, 400, 'invalid_request', {
      description: 'client_assertion_type is missing',
    });
  });

  it('client_assertion_type without client_assertion: 400 invalid_request', async () => {
    const res = await h.token({ client_assertion_type: JWT_BEARER, client_id: 'spa' });
    expectOAuthError(res, 400, 'invalid_request', { description: 'client_assertion is missing' });
  });

  it('another assertion type (SAML): 400 invalid_request', async () => {
    const res = await h.token({
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      client_assertion: await h.assertion(),
    });
    expectOAuthError(res, 400, 'invalid_request', {
      description: 'client_assertion_type is not supported',
    });
  });

  // RFC 6749 2.3: "The client MUST NOT use more than one authentication method in each request."
  it('an assertion and a Basic header: 400 invalid_request', async () => {
    const res = await h
      .token(assertionParams(await h.assertion()))
      .set('Authorization', `Basic ${Buffer.from('service:x').toString('base64')}`);
    expectOAuthError(res, 400, 'invalid_request', {
      description:
        'the client used more than one authentication method (client_secret_basic and private_key_jwt)',
    });
  });

  it('an assertion and a client_secret: 400 invalid_request', async () => {
    const res = await h.token(
      assertionParams(await h.assertion(), { client_id: 'jwt-es', client_secret: 'x' }),
    );
    expectOAuthError(res, 400, 'invalid_request', {
      description:
        'the client used more than one authentication method (client_secret_post and private_key_jwt)',
    });
  });

  it('a public client id with an assertion is not authenticated as none', async () => {
    const assertion = await h.assertion({ clientId: 'spa' });
    await expectRefused(
      h,
      await h.token({ ...assertionParams(assertion), grant_type: 'authorization_code' }),
      'the client is not registered for private_key_jwt',
      'spa',
    );
  });

  // RFC 7518 3.2: "A key of the same size as the hash output ... or larger MUST be used".
  it('an HS512 assertion of a client whose secret has 32 bytes: refused', async () => {
    const key = new TextEncoder().encode(SHORT_SECRET);
    const assertion = await signAssertion({
      clientId: 'jwt-hs-short',
      key,
      alg: 'HS512',
      now: h.clock(),
    });
    await expectRefused(
      h,
      await h.token(assertionParams(assertion)),
      "client assertion: the client's jwtSecret is too short for HS512",
      'jwt-hs-short',
      'client_secret_jwt',
    );
    const ok = await signAssertion({ clientId: 'jwt-hs-short', key, alg: 'HS256', now: h.clock() });
    expectTokenResponse(await h.token(assertionParams(ok)));
  });
});
