/**
 * DPoP at the token endpoint over HTTP (RFC 9449 5): every bad proof with its
 * exact answer, the token type, and the binding of JWT and opaque access tokens.
 */
import { expect } from 'chai';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import request from 'supertest';
import { sha256 } from '../../lib/helpers/secrets.js';
import { MemoryRecordStore } from '../../lib/stores/memory.js';
import { ISSUER, secrets } from '../support/fixtures.js';
import { expectOAuthError } from '../http/token-assertions.js';
import {
  handMadeJws,
  jwtClaims,
  newKey,
  setup,
  signProof,
  TOKEN_URL,
  type Key,
  type Setup,
} from './token-support.js';

/** A client_credentials request of `service` with the given DPoP header(s). */
function serviceRequest(s: Setup, dpop?: string | string[]) {
  const req = request(s.app).post('/token').auth('service', secrets.service.secret);
  // Two values are sent as two DPoP header lines.
  if (dpop !== undefined) req.set('DPoP', dpop as string);
  return req.type('form').send({ grant_type: 'client_credentials', scope: 'read' });
}

async function refusedWith(s: Setup, dpop: string | string[], description: string) {
  const res = await serviceRequest(s, dpop);
  expectOAuthError(res, 400, 'invalid_dpop_proof', { description });
  expect(res.body).to.deep.equal({ error: 'invalid_dpop_proof', error_description: description });
}

describe('DPoP at the token endpoint (RFC 9449 5)', () => {
  let key: Key;
  before(async () => {
    key = await newKey();
  });

  describe('a good proof', () => {
    // RFC 9449 5: "A token_type of DPoP MUST be included in the access token response to
    // signal to the client that the access token was bound to its DPoP key".
    it('gets token_type DPoP and a JWT bound by cnf.jkt to the proof key thumbprint', async () => {
      const s = setup();
      const res = await serviceRequest(s, await signProof(key, s.clock));
      expect(res.status, res.text).to.equal(200);
      expect(res.body.token_type).to.equal('DPoP');
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.headers['dpop-nonce']).to.equal(undefined);
      expect(jwtClaims(res.body.access_token as string)['cnf']).to.deep.equal({ jkt: key.jkt });
      const info = await s.oauth.provider.verifyAccessToken(res.body.access_token as string);
      expect(info.jkt).to.equal(key.jkt);
    });

    it('without a proof, still Bearer, without cnf', async () => {
      const s = setup();
      const res = await serviceRequest(s);
      expect(res.body.token_type).to.equal('Bearer');
      expect(jwtClaims(res.body.access_token as string)).to.not.have.property('cnf');
      const info = await s.oauth.provider.verifyAccessToken(res.body.access_token as string);
      expect(info).to.not.have.property('jkt');
    });

    it('binds an opaque token in its record', async () => {
      const s = setup({ accessToken: { format: 'opaque' } });
      const res = await serviceRequest(s, await signProof(key, s.clock));
      expect(res.body.token_type).to.equal('DPoP');
      const record = await s.oauth.provider.stores.accessTokens.find(
        sha256(res.body.access_token as string),
      );
      expect(record?.jkt).to.equal(key.jkt);
      const info = await s.oauth.provider.verifyAccessToken(res.body.access_token as string);
      expect(info.jkt).to.equal(key.jkt);
    });

    it('hands a unique token out again only to a proof of the same key', async () => {
      const s = setup({
        accessToken: { format: 'opaque' },
        grants: { clientCredentials: { uniqueTokens: true } },
      });
      const other = await newKey();
      const first = await serviceRequest(s, await signProof(key, s.clock));
      const again = await serviceRequest(s, await signProof(key, s.clock));
      const otherKey = await serviceRequest(s, await signProof(other, s.clock));
      const bearer = await serviceRequest(s);
      expect(again.body.access_token).to.equal(first.body.access_token);
      expect(again.body.token_type).to.equal('DPoP');
      expect(otherKey.body.access_token).to.not.equal(first.body.access_token);
      expect(bearer.body.access_token).to.not.equal(first.body.access_token);
      expect(bearer.body.token_type).to.equal('Bearer');
    });

    it('says dpop in token.issued: the thumbprint, never the proof', async () => {
      const s = setup();
      const events: unknown[] = [];
      s.oauth.provider.events.on('token.issued', (e) => {
        events.push(e);
      });
      const proof = await signProof(key, s.clock);
      await serviceRequest(s, proof);
      await new Promise((r) => setImmediate(r));
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ dpopJkt: key.jkt });
      expect(JSON.stringify(events)).to.not.include(proof.split('.')[2]);
    });

    it('accepts a proof whose htu has a query or fragment (RFC 9449 4.3: ignored)', async () => {
      const s = setup();
      const res = await serviceRequest(
        s,
        await signProof(key, s.clock, { htu: `${TOKEN_URL}?a=b#c` }),
      );
      expect(res.status, res.text).to.equal(200);
    });

    it('compares htu with the issuer-based URL, whatever Host says', async () => {
      const s = setup();
      const res = await request(s.app)
        .post('/token')
        .set('Host', 'evil.example.test')
        .auth('service', secrets.service.secret)
        .set('DPoP', await signProof(key, s.clock, { htu: 'https://evil.example.test/token' }))
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expectOAuthError(res, 400, 'invalid_dpop_proof', {
        description: 'the DPoP proof htu does not match the request URL',
      });
      const good = await request(s.app)
        .post('/token')
        .set('Host', 'evil.example.test')
        .auth('service', secrets.service.secret)
        .set('DPoP', await signProof(key, s.clock))
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(good.status, good.text).to.equal(200);
    });
  });

  describe('every bad proof: 400 invalid_dpop_proof, no token', () => {
    it('wrong htm', async () => {
      const s = setup();
      await refusedWith(
        s,
        await signProof(key, s.clock, { htm: 'GET' }),
        'the DPoP proof htm does not match the request method',
      );
    });

    for (const [name, htu] of [
      ['a trailing slash', `${TOKEN_URL}/`],
      ['another host', 'https://other.example.test/token'],
      ['another scheme', 'http://auth.example.test/token'],
      ['another port', 'https://auth.example.test:444/token'],
      ['another path', `${ISSUER}/revoke`],
    ] as const) {
      it(`htu with ${name}`, async () => {
        const s = setup();
        await refusedWith(
          s,
          await signProof(key, s.clock, { htu }),
          'the DPoP proof htu does not match the request URL',
        );
      });
    }

    for (const [name, offset] of [
      ['stale', -120],
      ['future', 120],
    ] as const) {
      it(`${name} iat`, async () => {
        const s = setup();
        await refusedWith(
          s,
          await signProof(key, s.clock, { iat: Math.floor(s.clock() / 1000) + offset }),
          'the DPoP proof iat is not recent',
        );
      });
    }

    it('a replayed jti: the same proof twice', async () => {
      const s = setup();
      const proof = await signProof(key, s.clock);
      expect((await serviceRequest(s, proof)).status).to.equal(200);
      await refusedWith(s, proof, 'the DPoP proof was used before');
    });

    it('a replayed jti across two providers on one store', async () => {
      const first = setup();
      const records = new MemoryRecordStore({ clock: first.clock });
      const a = setup({ clock: first.clock, stores: { records } });
      const b = setup({ clock: first.clock, stores: { records } });
      const proof = await signProof(key, first.clock);
      expect((await serviceRequest(a, proof)).status).to.equal(200);
      await refusedWith(b, proof, 'the DPoP proof was used before');
    });

    it('a replayed jti in parallel: exactly one token', async () => {
      const s = setup();
      const proof = await signProof(key, s.clock);
      const answers = await Promise.all(Array.from({ length: 10 }, () => serviceRequest(s, proof)));
      expect(answers.filter((r) => r.status === 200)).to.have.length(1);
      for (const r of answers.filter((x) => x.status !== 200))
        expect(r.body).to.deep.equal({
          error: 'invalid_dpop_proof',
          error_description: 'the DPoP proof was used before',
        });
    });

    it('a symmetric alg (HS256)', async () => {
      const s = setup();
      const proof = await new SignJWT({
        jti: 'h',
        htm: 'POST',
        htu: TOKEN_URL,
        iat: Math.floor(s.clock() / 1000),
      })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk } as never)
        .sign(new Uint8Array(32));
      await refusedWith(s, proof, 'the DPoP proof alg is not supported');
    });

    it('alg none', async () => {
      const s = setup();
      const proof = handMadeJws(
        { typ: 'dpop+jwt', alg: 'none', jwk: key.jwk },
        { jti: 'n', htm: 'POST', htu: TOKEN_URL, iat: Math.floor(s.clock() / 1000) },
        'AAAA',
      );
      await refusedWith(s, proof, 'the DPoP proof alg is not supported');
    });

    it('a private key in the header', async () => {
      const s = setup();
      const pair = await generateKeyPair('ES256', { extractable: true });
      const proof = await signProof(key, s.clock, {
        header: { jwk: await exportJWK(pair.privateKey) },
      });
      await refusedWith(s, proof, 'the DPoP proof jwk must not contain a private key');
    });

    it('a missing typ', async () => {
      const s = setup();
      await refusedWith(
        s,
        await signProof(key, s.clock, { header: { typ: undefined } }),
        'the DPoP proof typ must be dpop+jwt',
      );
    });

    it('a bad signature (signed by another key than the one in the header)', async () => {
      const s = setup();
      const other = await newKey();
      await refusedWith(
        s,
        await signProof(other, s.clock, { header: { jwk: key.jwk } }),
        'the DPoP proof signature is invalid',
      );
    });

    // RFC 9449 4.3 step 1: "There is not more than one DPoP HTTP request header field."
    it('two DPoP headers', async () => {
      const s = setup();
      await refusedWith(
        s,
        [await signProof(key, s.clock), await signProof(key, s.clock)],
        'the request must carry exactly one DPoP header',
      );
    });

    it('an empty DPoP header', async () => {
      const s = setup();
      await refusedWith(s, '', 'the request has no DPoP proof');
    });

    it('garbage', async () => {
      const s = setup();
      await refusedWith(s, 'not-a-jws', 'the DPoP proof is not a valid JWS');
    });

    it('is checked after client authentication: a bad client is invalid_client', async () => {
      const s = setup();
      const res = await request(s.app)
        .post('/token')
        .auth('service', 'wrong')
        .set('DPoP', 'not-a-jws')
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
    });
  });

  describe('server nonces (RFC 9449 8)', () => {
    // RFC 9449 8: "the authorization server responds with ... "error": "use_dpop_nonce" ...
    // and a DPoP-Nonce header".
    it('answers use_dpop_nonce with a DPoP-Nonce header, then issues with the nonce', async () => {
      const s = setup({ dpop: { nonces: { secret: 'n'.repeat(32) } } });
      const first = await serviceRequest(s, await signProof(key, s.clock));
      expectOAuthError(first, 400, 'use_dpop_nonce', {
        description: 'the DPoP proof must carry the nonce the server provides',
      });
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).to.match(/^[A-Za-z0-9_-]{43}$/);
      const second = await serviceRequest(s, await signProof(key, s.clock, { nonce }));
      expect(second.status, second.text).to.equal(200);
      expect(second.body.token_type).to.equal('DPoP');
      expect(second.headers['dpop-nonce']).to.equal(nonce);
    });

    it('answers a stale nonce with use_dpop_nonce and a fresh one', async () => {
      const s = setup({ dpop: { nonces: { secret: 'n'.repeat(32), window: 60 } } });
      const nonce = (await serviceRequest(s, await signProof(key, s.clock))).headers[
        'dpop-nonce'
      ] as string;
      s.clock.advance(120);
      const res = await serviceRequest(s, await signProof(key, s.clock, { nonce }));
      expectOAuthError(res, 400, 'use_dpop_nonce');
      expect(res.headers['dpop-nonce']).to.be.a('string').and.not.equal(nonce);
    });

    it('agrees across two providers with the same signing keys and no shared state', async () => {
      const { generateSigningKey } = await import('../../index.js');
      const signingKeys = [generateSigningKey('ES256')];
      const a = setup({ signingKeys, dpop: { nonces: true } });
      const b = setup({ clock: a.clock, signingKeys, dpop: { nonces: true } });
      const nonce = (await serviceRequest(a, await signProof(key, a.clock))).headers[
        'dpop-nonce'
      ] as string;
      const res = await serviceRequest(b, await signProof(key, a.clock, { nonce }));
      expect(res.status, res.text).to.equal(200);
    });

    it('leaves Bearer requests alone', async () => {
      const s = setup({ dpop: { nonces: true } });
      const res = await serviceRequest(s);
      expect(res.status).to.equal(200);
      expect(res.body.token_type).to.equal('Bearer');
    });

    it('exposes DPoP-Nonce to cross-origin pages', async () => {
      const s = setup({ dpop: { nonces: true } });
      const res = await request(s.app)
        .post('/token')
        .set('Origin', 'https://spa.example.test')
        .auth('service', secrets.service.secret)
        .set('DPoP', await signProof(key, s.clock))
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(res.body.error).to.equal('use_dpop_nonce');
      expect(res.headers['access-control-allow-origin']).to.equal('*');
      expect(res.headers['access-control-expose-headers']).to.equal('DPoP-Nonce');
      const ok = await request(s.app)
        .post('/token')
        .set('Origin', 'https://spa.example.test')
        .auth('service', secrets.service.secret)
        .set('DPoP', await signProof(key, s.clock, { nonce: res.headers['dpop-nonce'] as string }))
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.headers['access-control-expose-headers']).to.equal('DPoP-Nonce');
    });
  });

  describe('options and metadata', () => {
    it('lists dpop_signing_alg_values_supported in metadata', async () => {
      const s = setup();
      const res = await request(s.app).get('/.well-known/oauth-authorization-server');
      expect(res.body.dpop_signing_alg_values_supported).to.deep.equal([
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
        'Ed25519',
        'PS256',
        'RS256',
      ]);
      const narrow = setup({ dpop: { algorithms: ['EdDSA'] } });
      const doc = await request(narrow.app).get('/.well-known/oauth-authorization-server');
      expect(doc.body.dpop_signing_alg_values_supported).to.deep.equal(['EdDSA']);
    });

    it('refuses bad options with a TypeError naming them', () => {
      const cases: [unknown, string][] = [
        [{ algorithms: ['HS256'] }, 'options.dpop.algorithms: "HS256" is not an asymmetric'],
        [{ algorithms: ['none'] }, 'options.dpop.algorithms: "none" is not an asymmetric'],
        [{ algorithms: [] }, 'options.dpop.algorithms must be a non-empty array'],
        [{ iatWindow: 0 }, 'options.dpop.iatWindow must be a whole number of seconds > 0'],
        [{ iatWindow: 1.5 }, 'options.dpop.iatWindow must be a whole number of seconds > 0'],
        [{ nonces: { secret: 'short' } }, 'options.dpop.nonces.secret must be a string or bytes'],
        [{ nonces: { window: -1 } }, 'options.dpop.nonces.window must be a whole number'],
        [{ nonces: { windw: 10 } }, 'options.dpop.nonces has an unknown key "windw"'],
        [{ nonce: true }, 'options.dpop has an unknown key "nonce"'],
        ['yes', 'options.dpop must be an options object'],
      ];
      for (const [dpop, message] of cases)
        expect(() => setup({ dpop: dpop as never }), JSON.stringify(dpop)).to.throw(
          TypeError,
          message,
        );
    });
  });
});
