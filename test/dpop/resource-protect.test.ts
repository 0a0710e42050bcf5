/**
 * protect() with DPoP-bound tokens (RFC 9449 7): a valid proof opens the route;
 * every bad proof, a bound token sent as Bearer, an unbound token sent with the
 * DPoP scheme and a proof of another key are refused with their exact status,
 * body and challenges. Tokens are minted through the token endpoint with a proof.
 */
import { expect } from 'chai';
import { SignJWT } from 'jose';
import request from 'supertest';
import { ISSUER, secrets } from '../support/fixtures.js';
import {
  ALGS,
  dpopApp,
  dpopGet,
  dpopRefusal,
  proof,
  proofKey,
  serviceToken,
  unsignedJws,
  type DpopSetup,
  type ProofKey,
} from './resource-support.js';

const READ = `${ISSUER}/api/token`;
const BARE = 'Bearer realm="api"';

interface Bound extends DpopSetup {
  key: ProofKey;
  token: string;
}

async function bound(overrides = {}): Promise<Bound> {
  const setup = dpopApp(overrides);
  const key = await proofKey();
  return { ...setup, key, token: await serviceToken(setup, key) };
}

/** Expects a 401 `error` refusal of a DPoP request at `/api/token`. */
function expectRefused(res: request.Response, error: string, description: string): void {
  expect(res.status, res.text).to.equal(401);
  expect(res.body).to.deep.equal({ error, error_description: description });
  expect(res.headers['www-authenticate']).to.equal(dpopRefusal(error, description));
}

function expectProofRefused(res: request.Response, description: string): void {
  expectRefused(res, 'invalid_dpop_proof', description);
}

describe('protect() with DPoP (RFC 9449 7)', () => {
  describe('a valid proof', () => {
    it('opens the route; req.oauth2.token has the thumbprint and dpop: true', async () => {
      const { app, clock, key, token } = await bound();
      const res = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token }),
      );
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ clientId: 'service', jkt: key.jkt, dpop: true });
    });

    // RFC 9110 11.1: "It uses a case-insensitive token to identify the authentication scheme".
    it('the scheme is case-insensitive (dpop, DPOP)', async () => {
      const { app, clock, key, token } = await bound();
      for (const scheme of ['dpop', 'DPOP']) {
        const res = await request(app)
          .get('/api/token')
          .set('Authorization', `${scheme} ${token}`)
          .set('DPoP', await proof(key, clock, { htu: READ, token }));
        expect(res.status, scheme).to.equal(200);
      }
    });

    it('POST routes check htm POST', async () => {
      const { app, clock, key, token } = await bound();
      const res = await request(app)
        .post('/api/token')
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await proof(key, clock, { htm: 'POST', htu: READ, token }));
      expect(res.status).to.equal(200);
    });

    it('an opaque bound token works the same (its record keeps the thumbprint)', async () => {
      const { app, clock, key, token } = await bound({ accessToken: { format: 'opaque' } });
      const res = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token }),
      );
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ format: 'opaque', jkt: key.jkt, dpop: true });
    });

    it('every default algorithm is accepted (ES384, EdDSA, PS256, RS256)', async () => {
      for (const alg of ['ES384', 'EdDSA', 'PS256', 'RS256']) {
        const setup = dpopApp();
        const key = await proofKey(alg);
        const token = await serviceToken(setup, key);
        const res = await dpopGet(
          setup.app,
          '/api/token',
          token,
          await proof(key, setup.clock, { htu: READ, token }),
        );
        expect(res.status, alg).to.equal(200);
      }
    });
  });

  describe('challenges (RFC 9449 7.1, 7.2)', () => {
    // RFC 9449 7.2: a resource that accepts both schemes lists a challenge for each.
    it('no credentials → 401 with the Bearer challenge alone (DPoP is announced in the resource metadata), no error code, empty body', async () => {
      const { app } = dpopApp();
      const res = await request(app).get('/api/token');
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal(BARE);
      expect(res.text).to.equal('');
    });

    it('dpop: required → only the DPoP challenge; a bearer token counts as no credentials', async () => {
      const setup = dpopApp();
      const bare = `DPoP realm="api", algs="${ALGS}"`;
      const none = await request(setup.app).get('/api/dpop-only');
      expect(none.status).to.equal(401);
      expect(none.headers['www-authenticate']).to.equal(bare);
      const bearer = await request(setup.app)
        .get('/api/dpop-only')
        .set('Authorization', `Bearer ${await serviceToken(setup)}`);
      expect(bearer.status).to.equal(401);
      expect(bearer.headers['www-authenticate']).to.equal(bare);
      expect(bearer.text).to.equal('');
    });

    it('dpop: required still opens with a proof, and a refusal has the DPoP challenge alone', async () => {
      const { app, clock, key, token } = await bound();
      const htu = `${ISSUER}/api/dpop-only`;
      const ok = await dpopGet(
        app,
        '/api/dpop-only',
        token,
        await proof(key, clock, { htu, token }),
      );
      expect(ok.status).to.equal(200);
      const bad = await dpopGet(
        app,
        '/api/dpop-only',
        token,
        await proof(key, clock, { htu: READ, token }),
      );
      expect(bad.status).to.equal(401);
      expect(bad.headers['www-authenticate']).to.equal(
        `DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof htu does not match the request URL", algs="${ALGS}"`,
      );
    });

    it('protect({ resource }): the challenge carries resource_metadata; htu is on the resource origin', async () => {
      const { app, clock } = dpopApp();
      const key = await proofKey();
      const token = await serviceToken({ app, clock } as DpopSetup, key, {
        resource: 'https://api.example.test/mcp',
      });
      const meta =
        'resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/mcp"';
      const none = await request(app).get('/mcp');
      expect(none.headers['www-authenticate']).to.equal(`Bearer ${meta}`);
      const htu = 'https://api.example.test/mcp';
      const ok = await dpopGet(app, '/mcp', token, await proof(key, clock, { htu, token }));
      expect(ok.status, ok.text).to.equal(200);
      const issuerHtu = await dpopGet(
        app,
        '/mcp',
        token,
        await proof(key, clock, { htu: `${ISSUER}/mcp`, token }),
      );
      expect(issuerHtu.status).to.equal(401);
      expect(issuerHtu.headers['www-authenticate']).to.equal(
        dpopRefusal(
          'invalid_dpop_proof',
          'the DPoP proof htu does not match the request URL',
          meta,
        ),
      );
    });

    it('a malformed DPoP Authorization header → 400 invalid_request in the DPoP challenge', async () => {
      const { app } = dpopApp();
      const description =
        'the Authorization header does not hold a well-formed DPoP-bound access token';
      const res = await request(app).get('/api/token').set('Authorization', 'DPoP a b');
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({ error: 'invalid_request', error_description: description });
      expect(res.headers['www-authenticate']).to.equal(dpopRefusal('invalid_request', description));
    });

    it('a scope the DPoP token lacks → 403 insufficient_scope in the DPoP challenge', async () => {
      const { app, clock, key, token } = await bound();
      const htu = `${ISSUER}/api/write`;
      const res = await dpopGet(app, '/api/write', token, await proof(key, clock, { htu, token }));
      expect(res.status).to.equal(403);
      expect(res.body.error).to.equal('insufficient_scope');
      expect(res.headers['www-authenticate']).to.equal(
        `DPoP realm="api", error="insufficient_scope", scope="read write", algs="${ALGS}"`,
      );
    });
  });

  describe('binding (RFC 9449 6, 7.1, 7.2)', () => {
    // RFC 9449 7.2: a DPoP-bound token must not be accepted as a bearer token (downgrade).
    it('a DPoP-bound token sent as Bearer → 401 invalid_token in the Bearer challenge', async () => {
      const { app, token } = await bound();
      const description =
        'the access token is bound to a DPoP key: send it with the DPoP scheme and a proof';
      const res = await request(app).get('/api/token').set('Authorization', `Bearer ${token}`);
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: 'invalid_token', error_description: description });
      expect(res.headers['www-authenticate']).to.equal(
        `Bearer realm="api", error="invalid_token", error_description="${description}"`,
      );
    });

    it('a bound token as Bearer with a valid proof beside it is still refused', async () => {
      const { app, clock, key, token } = await bound();
      const res = await request(app)
        .get('/api/token')
        .set('Authorization', `Bearer ${token}`)
        .set('DPoP', await proof(key, clock, { htu: READ, token }));
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_token');
    });

    it('an opaque bound token sent as Bearer is refused too', async () => {
      const { app, token } = await bound({ accessToken: { format: 'opaque' } });
      const res = await request(app).get('/api/token').set('Authorization', `Bearer ${token}`);
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_token');
    });

    it('a bearer (unbound) token sent with the DPoP scheme and a proof → 401 invalid_token', async () => {
      const setup = dpopApp();
      const key = await proofKey();
      const token = await serviceToken(setup);
      const res = await dpopGet(
        setup.app,
        '/api/token',
        token,
        await proof(key, setup.clock, { htu: READ, token }),
      );
      expectRefused(res, 'invalid_token', 'the access token is not bound to a DPoP key');
    });

    // RFC 9449 7.1: the resource "MUST ... ensure that the public key ... matches" the binding.
    it("a proof of another key (a stolen token) → 401 invalid_token, as RFC 9449 7.1's example", async () => {
      const { app, clock, token } = await bound();
      const thief = await proofKey();
      const res = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(thief, clock, { htu: READ, token }),
      );
      expectRefused(
        res,
        'invalid_token',
        'the DPoP proof key is not the key the access token is bound to',
      );
    });

    it('the bound token still works as a bearer token nowhere: a bare Bearer route refuses it', async () => {
      const { app, token } = await bound();
      const res = await request(app).get('/api/read').set('Authorization', `Bearer ${token}`);
      expect(res.status).to.equal(401);
    });

    it('an unknown token with the DPoP scheme → 401 invalid_token (before any proof check)', async () => {
      const { app } = dpopApp();
      const res = await dpopGet(app, '/api/token', 'not-a-token');
      expectRefused(res, 'invalid_token', 'the access token is invalid, expired or revoked');
    });
  });

  describe('bad proofs → 401 invalid_dpop_proof (RFC 9449 4.3, 7.1)', () => {
    it('no DPoP header', async () => {
      const { app, token } = await bound();
      expectProofRefused(await dpopGet(app, '/api/token', token), 'the request has no DPoP proof');
    });

    // RFC 9449 4.3 step 1: "there is not more than one DPoP HTTP request header field".
    it('two DPoP headers', async () => {
      const { app, clock, key, token } = await bound();
      const one = await proof(key, clock, { htu: READ, token });
      const two = await proof(key, clock, { htu: READ, token });
      const res = await dpopGet(app, '/api/token', token).set('DPoP', [
        one,
        two,
      ] as unknown as string);
      expectProofRefused(res, 'the request must carry exactly one DPoP header');
    });

    it('not a JWS', async () => {
      const { app, token } = await bound();
      expectProofRefused(
        await dpopGet(app, '/api/token', token, 'not.a-proof'),
        'the DPoP proof is not a valid JWS',
      );
    });

    // RFC 9449 4.3 step 10: "the htm claim matches the HTTP method of the current request".
    it('wrong htm (POST for a GET)', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = await proof(key, clock, { htm: 'POST', htu: READ, token });
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof htm does not match the request method',
      );
    });

    it('htm in lower case (methods are case-sensitive)', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = await proof(key, clock, { htm: 'get', htu: READ, token });
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof htm does not match the request method',
      );
    });

    // RFC 9449 4.3 step 11: "the htu claim matches the HTTP URI value for the HTTP request in
    // which the JWT was received, ignoring any query and fragment parts".
    const htus: [string, string][] = [
      ['a trailing slash', `${READ}/`],
      ['another host', 'https://evil.example/api/token'],
      ['another scheme', 'http://auth.example.test/api/token'],
      ['another port', 'https://auth.example.test:8443/api/token'],
      ['another path', `${ISSUER}/api/read`],
      ['a path prefix only', `${ISSUER}/api`],
      ['the token endpoint', `${ISSUER}/token`],
      ['a relative URL', '/api/token'],
      ['user info', 'https://user@auth.example.test/api/token'],
    ];
    for (const [what, htu] of htus) {
      it(`wrong htu: ${what}`, async () => {
        const { app, clock, key, token } = await bound();
        expectProofRefused(
          await dpopGet(app, '/api/token', token, await proof(key, clock, { htu, token })),
          'the DPoP proof htu does not match the request URL',
        );
      });
    }

    it('htu: the query is ignored on both sides (RFC 9449 4.3 step 11), case and default port normalized', async () => {
      const { app, clock, key, token } = await bound();
      const cases: [string, string][] = [
        ['/api/token?page=2', READ],
        ['/api/token', `${READ}?page=2`],
        ['/api/token?a=1', `${READ}?b=2#frag`],
        ['/api/token', 'HTTPS://AUTH.EXAMPLE.TEST:443/api/token'],
      ];
      for (const [path, htu] of cases) {
        const res = await dpopGet(app, path, token, await proof(key, clock, { htu, token }));
        expect(res.status, `${path} with htu ${htu}`).to.equal(200);
      }
    });

    it('htu never comes from the Host or X-Forwarded-* headers', async () => {
      const { app, clock, key, token } = await bound();
      const forged = (htu: string) =>
        proof(key, clock, { htu, token }).then((dpop) =>
          dpopGet(app, '/api/token', token, dpop)
            .set('Host', 'evil.example')
            .set('X-Forwarded-Host', 'evil.example')
            .set('X-Forwarded-Proto', 'http'),
        );
      expectProofRefused(
        await forged('http://evil.example/api/token'),
        'the DPoP proof htu does not match the request URL',
      );
      expect((await forged(READ)).status).to.equal(200);
    });

    it('protect({ origin }): htu is that origin + the path, not the issuer', async () => {
      const { app, clock, key, token } = await bound();
      const good = await dpopGet(
        app,
        '/api/origin',
        token,
        await proof(key, clock, { htu: 'https://api.example.com/api/origin', token }),
      );
      expect(good.status, good.text).to.equal(200);
      const issuer = await dpopGet(
        app,
        '/api/origin',
        token,
        await proof(key, clock, { htu: `${ISSUER}/api/origin`, token }),
      );
      expect(issuer.status).to.equal(401);
      expect(issuer.body.error).to.equal('invalid_dpop_proof');
    });

    // RFC 9449 4.3 step 9: "the creation time of the JWT ... is within an acceptable window".
    it('stale iat (61 s old, the window is 60 s)', async () => {
      const { app, clock, key, token } = await bound();
      const iat = Math.floor(clock() / 1000) - 61;
      expectProofRefused(
        await dpopGet(app, '/api/token', token, await proof(key, clock, { htu: READ, token, iat })),
        'the DPoP proof iat is not recent',
      );
    });

    it('future iat (61 s ahead)', async () => {
      const { app, clock, key, token } = await bound();
      const iat = Math.floor(clock() / 1000) + 61;
      expectProofRefused(
        await dpopGet(app, '/api/token', token, await proof(key, clock, { htu: READ, token, iat })),
        'the DPoP proof iat is not recent',
      );
    });

    it('a proof signed 60 s ago is still good, and one the clock has moved past is not', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = await proof(key, clock, { htu: READ, token });
      clock.advance(61);
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof iat is not recent',
      );
    });

    // RFC 9449 11.1: the server "MUST ... ensure that the same proof is not used more than once".
    it('replayed jti: the same proof twice', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = await proof(key, clock, { htu: READ, token });
      expect((await dpopGet(app, '/api/token', token, dpop)).status).to.equal(200);
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof was used before',
      );
    });

    it('replayed jti in a new proof (same key) is refused too', async () => {
      const { app, clock, key, token } = await bound();
      const jti = 'one-time';
      expect(
        (
          await dpopGet(
            app,
            '/api/token',
            token,
            await proof(key, clock, { htu: READ, token, jti }),
          )
        ).status,
      ).to.equal(200);
      clock.advance(1);
      expectProofRefused(
        await dpopGet(app, '/api/token', token, await proof(key, clock, { htu: READ, token, jti })),
        'the DPoP proof was used before',
      );
    });

    it('one proof sent ten times in parallel opens the route exactly once', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = await proof(key, clock, { htu: READ, token });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => dpopGet(app, '/api/token', token, dpop)),
      );
      expect(answers.filter((res) => res.status === 200)).to.have.length(1);
      for (const res of answers.filter((r) => r.status !== 200))
        expect(res.body.error_description).to.equal('the DPoP proof was used before');
    });

    it('the proof the token request used cannot be replayed at the resource', async () => {
      const setup = dpopApp();
      const key = await proofKey();
      const dpop = await proof(key, setup.clock, { htm: 'POST', htu: `${ISSUER}/token` });
      const res = await request(setup.app)
        .post('/token')
        .auth('service', secrets.service.secret)
        .set('DPoP', dpop)
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'read' });
      const token = res.body.access_token as string;
      expect((await dpopGet(setup.app, '/api/token', token, dpop)).status).to.equal(401);
    });

    // RFC 9449 7.1: "the value of the ath claim equals the hash of that access token".
    it('wrong ath (the hash of another token)', async () => {
      const { app, clock, key, token } = await bound();
      expectProofRefused(
        await dpopGet(
          app,
          '/api/token',
          token,
          await proof(key, clock, { htu: READ, token: `${token}x` }),
        ),
        'the DPoP proof ath does not match the access token',
      );
    });

    it('no ath', async () => {
      const { app, clock, key, token } = await bound();
      expectProofRefused(
        await dpopGet(app, '/api/token', token, await proof(key, clock, { htu: READ })),
        'the DPoP proof ath does not match the access token',
      );
    });

    // RFC 9449 4.3 step 5: "the alg JOSE Header Parameter indicates a registered asymmetric
    // digital signature algorithm ..., is not none, is supported by the application".
    it('a symmetric alg (HS256)', async () => {
      const { app, clock, key, token } = await bound();
      const secret = new TextEncoder().encode('a-shared-secret-of-32-bytes-long!');
      const dpop = await new SignJWT({ htm: 'GET', htu: READ, ath: '' })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk })
        .setIssuedAt(Math.floor(clock() / 1000))
        .setJti('hs')
        .sign(secret);
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof alg is not supported',
      );
    });

    it('alg none', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = unsignedJws(
        { typ: 'dpop+jwt', alg: 'none', jwk: key.jwk },
        { htm: 'GET', htu: READ, iat: Math.floor(clock() / 1000), jti: 'none' },
        'AA',
      );
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof alg is not supported',
      );
    });

    it('an alg outside the configured allow-list (dpop.algorithms)', async () => {
      const setup = dpopApp({ dpop: { algorithms: ['ES256'] } });
      const key = await proofKey('ES384');
      const token = await serviceToken(setup, await proofKey('ES256'));
      const dpop = await proof(key, setup.clock, { htu: READ, token });
      const res = await dpopGet(setup.app, '/api/token', token, dpop);
      const description = 'the DPoP proof alg is not supported';
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({
        error: 'invalid_dpop_proof',
        error_description: description,
      });
      expect(res.headers['www-authenticate']).to.equal(
        `DPoP realm="api", error="invalid_dpop_proof", error_description="${description}", algs="ES256"`,
      );
    });

    // RFC 9449 4.3 step 7: "the jwk JOSE Header Parameter does not contain a private key".
    it('a private key in the jwk header', async () => {
      const { app, clock, token } = await bound();
      const { exportJWK } = await import('jose');
      const key = await proofKey();
      const withPrivate = await exportJWK(key.privateKey);
      const dpop = await proof(key, clock, { htu: READ, token, header: { jwk: withPrivate } });
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof jwk must not contain a private key',
      );
    });

    it('typ other than dpop+jwt', async () => {
      const { app, clock, key, token } = await bound();
      const dpop = await proof(key, clock, { htu: READ, token, header: { typ: 'JWT' } });
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof typ must be dpop+jwt',
      );
    });

    it('a signature by another key than the jwk header names', async () => {
      const { app, clock, key, token } = await bound();
      const other = await proofKey();
      const dpop = await proof(other, clock, { htu: READ, token, header: { jwk: key.jwk } });
      expectProofRefused(
        await dpopGet(app, '/api/token', token, dpop),
        'the DPoP proof signature is invalid',
      );
    });
  });

  describe('server nonces (RFC 9449 9)', () => {
    const nonces = { dpop: { nonces: { secret: 'a'.repeat(32) } } };

    it('a proof without the nonce → 401 use_dpop_nonce with DPoP-Nonce; with it → 200', async () => {
      const { app, clock, key, token } = await bound(nonces);
      const first = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token }),
      );
      const description = 'the DPoP proof must carry the nonce the server provides';
      expectRefused(first, 'use_dpop_nonce', description);
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).to.match(/^[A-Za-z0-9_-]{43}$/);
      const second = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token, nonce }),
      );
      expect(second.status, second.text).to.equal(200);
      // RFC 9449 8.2: a success may carry the next nonce to use.
      expect(second.headers['dpop-nonce']).to.equal(nonce);
    });

    it('a stale nonce (two windows later) → use_dpop_nonce with a new one', async () => {
      const { app, clock, key, token } = await bound(nonces);
      const first = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token }),
      );
      const nonce = first.headers['dpop-nonce'] as string;
      clock.advance(601);
      // The token lives an hour; the proof is fresh, only its nonce is old.
      const stale = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token, nonce }),
      );
      expectRefused(
        stale,
        'use_dpop_nonce',
        'the DPoP proof must carry the nonce the server provides',
      );
      expect(stale.headers['dpop-nonce']).to.be.a('string').and.not.equal(nonce);
    });

    it('a made-up nonce → use_dpop_nonce', async () => {
      const { app, clock, key, token } = await bound(nonces);
      const res = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htu: READ, token, nonce: 'guess' }),
      );
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('use_dpop_nonce');
    });

    it('a bad proof is still invalid_dpop_proof (the nonce does not hide it)', async () => {
      const { app, clock, key, token } = await bound(nonces);
      const res = await dpopGet(
        app,
        '/api/token',
        token,
        await proof(key, clock, { htm: 'PUT', htu: READ, token }),
      );
      expect(res.body.error).to.equal('invalid_dpop_proof');
      expect(res.headers['dpop-nonce']).to.equal(undefined);
    });

    it('a bearer request to a route taking both never needs a nonce', async () => {
      const setup = dpopApp(nonces);
      const token = await serviceToken(setup);
      const res = await request(setup.app)
        .get('/api/token')
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).to.equal(200);
    });
  });

  describe('options', () => {
    it('a bad dpop or origin is a TypeError naming the option', () => {
      const { oauth } = dpopApp();
      expect(() => oauth.protect({ dpop: 'maybe' as never })).to.throw(
        TypeError,
        "protect(): options.dpop must be 'allowed' or 'required'",
      );
      for (const origin of ['api.example.com', 'ftp://api.example.com', 'http://api.example.com'])
        expect(() => oauth.protect({ origin }), origin).to.throw(
          TypeError,
          'options.origin must be an https origin',
        );
      for (const origin of [
        'https://api.example.com/v1',
        'https://api.example.com?x',
        'https://u@api.example.com',
      ])
        expect(() => oauth.protect({ origin }), origin).to.throw(
          TypeError,
          'options.origin must be an origin only',
        );
      expect(() => oauth.protect({ origins: 'x' } as never)).to.throw(
        TypeError,
        'did you mean "origin"?',
      );
    });

    it('an http origin is allowed for loopback; a trailing slash is fine', () => {
      const { oauth } = dpopApp();
      expect(() => oauth.protect({ origin: 'http://127.0.0.1:8080' })).not.to.throw();
      expect(() => oauth.protect({ origin: 'https://api.example.com/' })).not.to.throw();
    });

    it("the DPoP challenge's algs follow dpop.algorithms", async () => {
      const { app } = dpopApp({ dpop: { algorithms: ['ES256', 'EdDSA'] } });
      const res = await request(app).get('/api/dpop-only');
      expect(res.headers['www-authenticate']).to.equal('DPoP realm="api", algs="ES256 EdDSA"');
    });
  });
});
