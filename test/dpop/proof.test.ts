/**
 * The DPoP proof verifier (lib/dpop/proof.ts, RFC 9449 4.3) on its own: each
 * check, its exact error and description, and the replay cache.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { InvalidDpopProofError, UseDpopNonceError } from '../../lib/errors.js';
import { htuMatches } from '../../lib/dpop/htu.js';
import { StatelessDpopNonces } from '../../lib/dpop/nonce.js';
import { MAX_JTI_LENGTH, verifyDpopProof, type DpopExpectations } from '../../lib/dpop/proof.js';
import { MemoryRecordStore } from '../../lib/stores/memory.js';
import { frozenClock } from '../support/fixtures.js';
import {
  handMadeJws,
  newKey,
  proofContext,
  signProof,
  TOKEN_URL,
  type Key,
} from './token-support.js';

const EXPECT: DpopExpectations = { htm: 'POST', htu: TOKEN_URL };

async function refused(promise: Promise<unknown>, description: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidDpopProofError);
    const e = error as InvalidDpopProofError;
    expect(e.error).to.equal('invalid_dpop_proof');
    expect(e.status).to.equal(400);
    expect(e.description).to.equal(description);
    return;
  }
  expect.fail('the proof was accepted');
}

describe('verifyDpopProof (RFC 9449 4.3)', () => {
  const clock = frozenClock();
  let key: Key;
  let context: ReturnType<typeof proofContext>;

  before(async () => {
    key = await newKey();
  });
  beforeEach(() => {
    context = proofContext(clock);
  });

  it('accepts a good proof and returns the RFC 7638 thumbprint of its key', async () => {
    const proof = await signProof(key, clock, { jti: 'one' });
    const verified = await verifyDpopProof(proof, EXPECT, context);
    expect(verified.jkt).to.equal(key.jkt);
    expect(verified.jti).to.equal('one');
    expect(verified.iat).to.equal(Math.floor(clock() / 1000));
    expect(verified.jwk).to.deep.equal({ kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y });
  });

  for (const alg of ['ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'RS256']) {
    it(`accepts ${alg}`, async () => {
      const other = await newKey(alg);
      const verified = await verifyDpopProof(await signProof(other, clock), EXPECT, context);
      expect(verified.jkt).to.equal(other.jkt);
    });
  }

  it('refuses a missing proof', async () => {
    await refused(verifyDpopProof(undefined, EXPECT, context), 'the request has no DPoP proof');
  });

  // RFC 9449 4.3 step 1: "There is not more than one DPoP HTTP request header field."
  it('refuses two DPoP headers (joined with a comma by HTTP)', async () => {
    const a = await signProof(key, clock);
    const b = await signProof(key, clock);
    await refused(
      verifyDpopProof(`${a}, ${b}`, EXPECT, context),
      'the request must carry exactly one DPoP header',
    );
  });

  it('refuses what is not a compact JWS', async () => {
    await refused(verifyDpopProof('abc.def', EXPECT, context), 'the DPoP proof is not a valid JWS');
    await refused(
      verifyDpopProof('a'.repeat(9000), EXPECT, context),
      'the DPoP proof is not a valid JWS',
    );
  });

  // RFC 9449 4.3 step 4: "the typ JOSE Header Parameter has the value dpop+jwt".
  for (const typ of [undefined, 'JWT', 'DPOP+JWT', 'application/dpop+jwt']) {
    it(`refuses typ ${String(typ)}`, async () => {
      const proof = await signProof(key, clock, { header: { typ } });
      await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof typ must be dpop+jwt');
    });
  }

  // RFC 9449 4.3 step 5: "the alg JOSE Header Parameter indicates a registered asymmetric
  // digital signature algorithm [IANA.JOSE.ALGS], is not none, is supported by the
  // application, and is acceptable per local policy."
  it('refuses alg none', async () => {
    const proof = handMadeJws(
      { typ: 'dpop+jwt', alg: 'none', jwk: key.jwk },
      { jti: 'x', htm: 'POST', htu: TOKEN_URL, iat: Math.floor(clock() / 1000) },
    );
    // a JWS with an empty signature part is not even compact-serialised for a JWS here
    await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof is not a valid JWS');
    await refused(
      verifyDpopProof(`${proof}AAAA`, EXPECT, context),
      'the DPoP proof alg is not supported',
    );
  });

  it('refuses HS256, signed with the thumbprint as the secret', async () => {
    const secret = Buffer.from(key.jkt);
    const proof = await new SignJWT({
      jti: 'x',
      htm: 'POST',
      htu: TOKEN_URL,
      iat: Math.floor(clock() / 1000),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk } as never)
      .sign(secret);
    await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof alg is not supported');
  });

  it('refuses an alg outside the configured allow-list', async () => {
    const narrow = proofContext(clock, undefined, { algorithms: ['EdDSA'] });
    await refused(
      verifyDpopProof(await signProof(key, clock), EXPECT, narrow),
      'the DPoP proof alg is not supported',
    );
  });

  it('refuses a proof without jwk', async () => {
    const proof = await signProof(key, clock, { header: { jwk: undefined } });
    await refused(
      verifyDpopProof(proof, EXPECT, context),
      'the DPoP proof jwk header must be a public JWK',
    );
  });

  // RFC 9449 4.3 step 7: "the jwk JOSE Header Parameter does not contain a private key".
  it('refuses a private key in the header', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const proof = await new SignJWT({
      jti: 'x',
      htm: 'POST',
      htu: TOKEN_URL,
      iat: Math.floor(clock() / 1000),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk } as never)
      .sign(pair.privateKey);
    await refused(
      verifyDpopProof(proof, EXPECT, context),
      'the DPoP proof jwk must not contain a private key',
    );
  });

  it('refuses a symmetric key in the header', async () => {
    const proof = await signProof(key, clock, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } });
    await refused(
      verifyDpopProof(proof, EXPECT, context),
      'the DPoP proof jwk must not contain a private key',
    );
  });

  it('refuses a key that does not fit alg (a P-384 key under ES256)', async () => {
    const p384 = await newKey('ES384');
    const proof = await signProof(key, clock, { header: { jwk: p384.jwk } });
    await refused(
      verifyDpopProof(proof, EXPECT, context),
      'the DPoP proof jwk does not fit its alg',
    );
  });

  it('refuses an RSA key under 2048 bits (signed by hand: jose will not)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = publicKey.export({ format: 'jwk' });
    const unsigned = handMadeJws(
      { typ: 'dpop+jwt', alg: 'RS256', jwk },
      { jti: 'x', htm: 'POST', htu: TOKEN_URL, iat: Math.floor(clock() / 1000) },
    );
    const input = unsigned.slice(0, -1);
    const signature = sign('sha256', Buffer.from(input), privateKey).toString('base64url');
    await refused(
      verifyDpopProof(`${input}.${signature}`, EXPECT, context),
      'the DPoP proof jwk does not fit its alg',
    );
  });

  // RFC 9449 4.3 step 6: "the JWT signature verifies with the public key contained in the jwk".
  it('refuses a proof signed by another key than its jwk', async () => {
    const other = await newKey();
    const proof = await signProof(other, clock, { header: { jwk: key.jwk } });
    await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof signature is invalid');
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await signProof(key, clock)).split('.');
    const payload = Buffer.from(
      JSON.stringify({ jti: 'y', htm: 'POST', htu: TOKEN_URL, iat: Math.floor(clock() / 1000) }),
    ).toString('base64url');
    await refused(
      verifyDpopProof(`${h}.${payload}.${s}`, EXPECT, context),
      'the DPoP proof signature is invalid',
    );
  });

  it('refuses a crit header', async () => {
    const proof = await signProof(key, clock, { header: { crit: ['b64'], b64: true } });
    await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof has a crit header');
  });

  for (const [name, input] of [
    ['missing', { omit: ['jti'] }],
    ['empty', { jti: '' }],
    ['too long', { jti: 'j'.repeat(MAX_JTI_LENGTH + 1) }],
  ] as const) {
    it(`refuses a ${name} jti`, async () => {
      const proof = await signProof(key, clock, input);
      await refused(
        verifyDpopProof(proof, EXPECT, context),
        'the DPoP proof jti is missing or invalid',
      );
    });
  }

  // RFC 9449 4.3 step 8: "the htm claim matches the HTTP method of the current request".
  for (const htm of ['GET', 'post']) {
    it(`refuses htm ${htm} for a POST`, async () => {
      const proof = await signProof(key, clock, { htm });
      await refused(
        verifyDpopProof(proof, EXPECT, context),
        'the DPoP proof htm does not match the request method',
      );
    });
  }

  // RFC 9449 4.3 step 9: "the htu claim matches the HTTP URI value for the HTTP request in
  // which the JWT was received, ignoring any query and fragment parts".
  for (const htu of [
    `${TOKEN_URL}/`,
    'https://other.example.test/token',
    'http://auth.example.test/token',
    'https://auth.example.test:8443/token',
    'https://auth.example.test/TOKEN',
    'https://auth.example.test/',
    'https://user@auth.example.test/token',
    'not a url',
    'ftp://auth.example.test/token',
  ]) {
    it(`refuses htu ${htu}`, async () => {
      const proof = await signProof(key, clock, { htu });
      await refused(
        verifyDpopProof(proof, EXPECT, context),
        'the DPoP proof htu does not match the request URL',
      );
    });
  }

  it('refuses an htu that is not a string', async () => {
    const proof = await signProof(key, clock, { omit: ['htu'] });
    await refused(
      verifyDpopProof(proof, EXPECT, context),
      'the DPoP proof htu does not match the request URL',
    );
  });

  for (const htu of [
    `${TOKEN_URL}?x=1`,
    `${TOKEN_URL}#frag`,
    'HTTPS://AUTH.EXAMPLE.TEST/token',
    'https://auth.example.test:443/token',
    'https://auth.example.test/a/../token',
  ]) {
    it(`accepts htu ${htu} (query and fragment ignored; RFC 3986 6.2.2-6.2.3 normalisation)`, async () => {
      await verifyDpopProof(await signProof(key, clock, { htu }), EXPECT, context);
    });
  }

  it('compares htu with the path, not a prefix of it', () => {
    expect(htuMatches('https://a.test/token', 'https://a.test/token')).to.equal(true);
    expect(htuMatches('https://a.test/tok', 'https://a.test/token')).to.equal(false);
    expect(htuMatches('http://localhost:80/x', 'http://localhost/x')).to.equal(true);
  });

  // RFC 9449 4.3 step 11: "the creation time of the JWT, as determined by either the iat
  // claim or a server managed timestamp via the nonce claim, is within an acceptable window".
  for (const [name, offset] of [
    ['stale', -61],
    ['future', 61],
  ] as const) {
    it(`refuses a ${name} iat (${offset} s)`, async () => {
      const proof = await signProof(key, clock, { iat: Math.floor(clock() / 1000) + offset });
      await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof iat is not recent');
    });
  }

  it('accepts iat at the edges of the window (±60 s)', async () => {
    for (const offset of [-60, 60]) {
      const proof = await signProof(key, clock, { iat: Math.floor(clock() / 1000) + offset });
      await verifyDpopProof(proof, EXPECT, context);
    }
  });

  it('refuses a missing or non-numeric iat', async () => {
    await refused(
      verifyDpopProof(await signProof(key, clock, { omit: ['iat'] }), EXPECT, context),
      'the DPoP proof iat is missing or invalid',
    );
  });

  // RFC 9449 4.3 step 12 (with 11.1): a proof is used once within the window.
  it('refuses a replayed proof', async () => {
    const proof = await signProof(key, clock);
    await verifyDpopProof(proof, EXPECT, context);
    await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof was used before');
  });

  it('refuses a replay until the window has passed twice over', async () => {
    const proof = await signProof(key, clock, { jti: 'kept' });
    await verifyDpopProof(proof, EXPECT, context);
    clock.advance(60);
    await refused(verifyDpopProof(proof, EXPECT, context), 'the DPoP proof was used before');
  });

  it('lets exactly one of many parallel uses of one proof through', async () => {
    const proof = await signProof(key, clock);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => verifyDpopProof(proof, EXPECT, context)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
  });

  it('keeps jti per key: the same jti from two keys is no replay', async () => {
    const other = await newKey();
    await verifyDpopProof(await signProof(key, clock, { jti: 'same' }), EXPECT, context);
    await verifyDpopProof(await signProof(other, clock, { jti: 'same' }), EXPECT, context);
  });

  it('shares the replay cache through the store (two verifiers, one store)', async () => {
    const records = new MemoryRecordStore({ clock });
    const proof = await signProof(key, clock);
    await verifyDpopProof(proof, EXPECT, proofContext(clock, records));
    await refused(
      verifyDpopProof(proof, EXPECT, proofContext(clock, records)),
      'the DPoP proof was used before',
    );
  });

  it('does not mark a refused proof used', async () => {
    const proof = await signProof(key, clock, { htm: 'GET' });
    await refused(
      verifyDpopProof(proof, EXPECT, context),
      'the DPoP proof htm does not match the request method',
    );
    await verifyDpopProof(proof, { ...EXPECT, htm: 'GET' }, context);
  });

  describe('ath (RFC 9449 4.3 step 10)', () => {
    const token = 'an-access-token';
    const hash = createHash('sha256').update(token).digest('base64url');

    it('accepts the base64url SHA-256 of the access token', async () => {
      const proof = await signProof(key, clock, { ath: hash });
      await verifyDpopProof(proof, { ...EXPECT, accessToken: token }, context);
    });

    it('refuses a missing or wrong ath', async () => {
      for (const ath of [
        undefined,
        'x',
        createHash('sha256').update('other').digest('base64url'),
      ]) {
        const proof = await signProof(key, clock, ath === undefined ? {} : { ath });
        await refused(
          verifyDpopProof(proof, { ...EXPECT, accessToken: token }, context),
          'the DPoP proof ath does not match the access token',
        );
      }
    });
  });

  describe('nonce (RFC 9449 8, 4.3 step 10)', () => {
    const nonces = new StatelessDpopNonces(Buffer.alloc(32, 7), 300, clock);

    async function useNonce(promise: Promise<unknown>): Promise<UseDpopNonceError> {
      try {
        await promise;
      } catch (error) {
        expect(error).to.be.instanceOf(UseDpopNonceError);
        return error as UseDpopNonceError;
      }
      return expect.fail('the proof was accepted');
    }

    it('asks for a nonce when the proof has none, with the fresh nonce in DPoP-Nonce', async () => {
      const error = await useNonce(
        verifyDpopProof(await signProof(key, clock), { ...EXPECT, nonce: nonces }, context),
      );
      expect(error.error).to.equal('use_dpop_nonce');
      expect(error.status).to.equal(400);
      expect(error.description).to.equal('the DPoP proof must carry the nonce the server provides');
      expect(error.nonce).to.equal(nonces.current());
      expect(error.headers).to.deep.equal({
        'DPoP-Nonce': nonces.current(),
        'Access-Control-Expose-Headers': 'DPoP-Nonce',
      });
    });

    it('accepts the current nonce and the previous window one, refuses older ones', async () => {
      const old = nonces.current();
      clock.advance(300);
      await verifyDpopProof(
        await signProof(key, clock, { nonce: old }),
        { ...EXPECT, nonce: nonces },
        context,
      );
      clock.advance(300);
      const error = await useNonce(
        verifyDpopProof(
          await signProof(key, clock, { nonce: old }),
          { ...EXPECT, nonce: nonces },
          context,
        ),
      );
      expect(error.nonce).to.not.equal(old);
    });

    it('refuses a made-up nonce', async () => {
      await useNonce(
        verifyDpopProof(
          await signProof(key, clock, { nonce: 'A'.repeat(43) }),
          { ...EXPECT, nonce: nonces },
          context,
        ),
      );
    });

    it('agrees across processes with the same secret, not with another', () => {
      const twin = new StatelessDpopNonces(Buffer.alloc(32, 7), 300, clock);
      const stranger = new StatelessDpopNonces(Buffer.alloc(32, 8), 300, clock);
      expect(twin.accepts(nonces.current())).to.equal(true);
      expect(stranger.accepts(nonces.current())).to.equal(false);
      expect(nonces.current()).to.match(/^[A-Za-z0-9_-]{43}$/);
    });

    it('refuses a secret shorter than 32 bytes', () => {
      expect(() => new StatelessDpopNonces(Buffer.alloc(31), 300, clock)).to.throw(
        TypeError,
        'dpop.nonces.secret must be at least 32 bytes',
      );
    });
  });
});
