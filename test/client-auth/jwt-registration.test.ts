/**
 * Registration (RFC 7591) of `private_key_jwt` clients: `jwks` xor `jwks_uri`,
 * public keys only, no client secret issued; and the registered client then
 * authenticates with an assertion. `client_secret_jwt` is not offered for
 * registration (README, "Decisions").
 */
import { expect } from 'chai';
import request from 'supertest';
import { expectTokenResponse } from '../http/token-assertions.js';
import { expectError, register, registrationApp } from '../registration/support.js';
import { assertionParams, keyPair, signAssertion } from './jwt-support.js';

const BAD = 'invalid_client_metadata';

function service(extra: Record<string, unknown>) {
  return {
    client_name: 'Service',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'private_key_jwt',
    ...extra,
  };
}

describe('registration: private_key_jwt (RFC 7591 2, RFC 7523)', () => {
  it('registers with an inline jwks: no secret, the keys echoed, then an assertion authenticates', async () => {
    const { app, clock } = registrationApp();
    const key = await keyPair('ES256', 'reg-1');
    const res = await register(app, service({ jwks: { keys: [key.publicJwk] } }));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).not.to.have.property('client_secret');
    expect(res.body).not.to.have.property('client_secret_expires_at');
    expect(res.body.token_endpoint_auth_method).to.equal('private_key_jwt');
    expect(res.body.jwks).to.deep.equal({ keys: [key.publicJwk] });
    const clientId = res.body.client_id as string;
    const assertion = await signAssertion({
      clientId,
      key: key.privateKey,
      alg: 'ES256',
      kid: 'reg-1',
      now: clock(),
    });
    const token = await request(app)
      .post('/token')
      .type('form')
      .send({ grant_type: 'client_credentials', ...assertionParams(assertion) });
    expectTokenResponse(token);
  });

  it('registers with a jwks_uri, echoed as sent', async () => {
    const { app } = registrationApp();
    const res = await register(app, service({ jwks_uri: 'https://client.example/jwks.json' }));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.jwks_uri).to.equal('https://client.example/jwks.json');
    expect(res.body).not.to.have.property('client_secret');
  });

  const refusals: [string, () => Promise<Record<string, unknown>>, string][] = [
    [
      'both jwks and jwks_uri',
      async () =>
        service({
          jwks: { keys: [(await keyPair('ES256')).publicJwk] },
          jwks_uri: 'https://client.example/jwks.json',
        }),
      'jwks and jwks_uri must not both be present (RFC 7591 2)',
    ],
    ['neither', async () => service({}), 'private_key_jwt needs jwks or jwks_uri'],
    [
      'a private key in jwks',
      async () => service({ jwks: { keys: [{ ...(await keyPair('ES256')).publicJwk, d: 'x' }] } }),
      "jwks has a private or symmetric key (member 'd')",
    ],
    [
      'a symmetric key in jwks',
      async () => service({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }),
      "jwks has a private or symmetric key (member 'k')",
    ],
    [
      'an RSA key of 1024 bits',
      async () => {
        const { generateKeyPairSync } = await import('node:crypto');
        const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
          format: 'jwk',
        });
        return service({ jwks: { keys: [weak] } });
      },
      'jwks has a key too weak or of a curve not allowed (RSA >= 2048 bits, P-256/384/521, Ed25519/Ed448)',
    ],
    [
      'eleven keys',
      async () => {
        const key = (await keyPair('ES256', undefined)).publicJwk;
        return service({ jwks: { keys: Array.from({ length: 11 }, () => key) } });
      },
      'jwks may hold at most 10 keys',
    ],
    [
      'an empty key list',
      async () => service({ jwks: { keys: [] } }),
      'jwks must hold at least one key',
    ],
    [
      'jwks not an object',
      async () => service({ jwks: 'keys' }),
      'jwks must be a JSON object with a keys array',
    ],
    [
      'a key whose alg is HS256',
      async () =>
        service({ jwks: { keys: [{ ...(await keyPair('ES256')).publicJwk, alg: 'HS256' }] } }),
      "jwks has a key with alg 'HS256', which is not allowed",
    ],
    [
      'two keys with one kid',
      async () =>
        service({
          jwks: {
            keys: [
              (await keyPair('ES256', 'same')).publicJwk,
              (await keyPair('ES256', 'same')).publicJwk,
            ],
          },
        }),
      'jwks has two keys with one kid',
    ],
    [
      'an http jwks_uri',
      async () => service({ jwks_uri: 'http://client.example/jwks.json' }),
      'jwks_uri must be an https URI',
    ],
    [
      'a jwks_uri with a fragment',
      async () => service({ jwks_uri: 'https://client.example/jwks.json#x' }),
      "jwks_uri has 'https://client.example/jwks.json#x', which has a fragment (RFC 6749 3.1.2)",
    ],
  ];
  for (const [title, body, description] of refusals) {
    it(`refuses ${title}: 400 ${BAD}`, async () => {
      const { app } = registrationApp();
      expectError(await register(app, await body()), 400, BAD, description);
    });
  }

  it('a __proto__ member in a key is data, not a prototype', async () => {
    const { app } = registrationApp();
    const jwk = JSON.stringify((await keyPair('ES256', 'p')).publicJwk).replace(
      '{',
      '{"__proto__":{"d":"x"},',
    );
    const body = `{"client_name":"S","grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[${jwk}]}}`;
    const res = await register(app, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(Object.getPrototypeOf(res.body.jwks.keys[0])).to.equal(Object.prototype);
  });
});
