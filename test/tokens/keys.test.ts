/**
 * Signing keys: import from JWK, PEM and shared secrets; the checks that refuse
 * bad keys; key sets; RFC 7638 thumbprints.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { expect } from 'chai';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import {
  generateSigningKey,
  importSigningKey,
  jwkThumbprint,
  KeySet,
  Provider,
  type SigningKeyInput,
} from '../../index.js';
import { providerOptions } from '../support/fixtures.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function pem(type: 'P-256' | 'P-384' | 'P-521' | 'ed25519' | 'rsa' | 'rsa1024'): string {
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : type === 'rsa' || type === 'rsa1024'
        ? generateKeyPairSync('rsa', { modulusLength: type === 'rsa' ? 2048 : 1024 })
        : generateKeyPairSync('ec', { namedCurve: type });
  return pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function privateJwk(alg: 'ES256' | 'ES384' | 'EdDSA'): Promise<JsonWebKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return (await exportJWK(privateKey)) as JsonWebKey;
}

function expectPublicOnly(jwk: object | undefined): void {
  expect(jwk).to.be.an('object');
  for (const member of PRIVATE_MEMBERS) expect(jwk).not.to.have.property(member);
}

describe('tokens/keys', () => {
  describe('importSigningKey', () => {
    it('from a private JWK (ES256): alg inferred, kid = RFC 7638 thumbprint, public JWK without d', async () => {
      const jwk = await privateJwk('ES256');
      const key = importSigningKey({ jwk });
      expect(key.alg).to.equal('ES256');
      const { d: _d, ...publicPart } = jwk;
      expect(key.kid).to.equal(
        await calculateJwkThumbprint(publicPart as Parameters<typeof calculateJwkThumbprint>[0]),
      );
      expect(key.privateKey.type).to.equal('private');
      expect(key.verifyKey.type).to.equal('public');
      expect(key.publicJwk).to.include({
        kty: 'EC',
        crv: 'P-256',
        x: jwk.x,
        y: jwk.y,
        kid: key.kid,
        alg: 'ES256',
        use: 'sig',
      });
      expectPublicOnly(key.publicJwk);
    });

    it("takes kid and alg from the JWK's own members; explicit options win", async () => {
      const jwk = { ...(await privateJwk('ES256')), kid: 'from-jwk', alg: 'ES256' };
      expect(importSigningKey({ jwk }).kid).to.equal('from-jwk');
      expect(importSigningKey({ jwk, kid: 'explicit' }).kid).to.equal('explicit');
    });

    it('from a PKCS#8 PEM (P-256) → ES256', () => {
      const key = importSigningKey({ pem: pem('P-256') });
      expect(key.alg).to.equal('ES256');
      expect(key.kid).to.equal(jwkThumbprint(key.verifyKey.export({ format: 'jwk' })));
      expectPublicOnly(key.publicJwk);
    });

    it('EdDSA keys (Ed25519), from PEM and from JWK', async () => {
      const fromPem = importSigningKey({ pem: pem('ed25519') });
      expect(fromPem.alg).to.equal('EdDSA');
      expect(fromPem.publicJwk).to.include({
        kty: 'OKP',
        crv: 'Ed25519',
        alg: 'EdDSA',
        use: 'sig',
      });
      expectPublicOnly(fromPem.publicJwk);
      const fromJwk = importSigningKey({ jwk: await privateJwk('EdDSA') });
      expect(fromJwk.alg).to.equal('EdDSA');
    });

    it('ES384 keys (P-384), from PEM and from JWK', async () => {
      const fromPem = importSigningKey({ pem: pem('P-384') });
      expect(fromPem.alg).to.equal('ES384');
      expect(fromPem.publicJwk).to.include({ kty: 'EC', crv: 'P-384', alg: 'ES384' });
      expect(importSigningKey({ jwk: await privateJwk('ES384') }).alg).to.equal('ES384');
      expect(importSigningKey({ pem: pem('P-384'), alg: 'ES384' }).alg).to.equal('ES384');
    });

    it('RSA keys: RS256 by default, PS256 when asked; the public JWK has only n and e', () => {
      const rsa = pem('rsa');
      const rs = importSigningKey({ pem: rsa });
      expect(rs.alg).to.equal('RS256');
      expect(rs.publicJwk).to.have.keys(['kty', 'n', 'e', 'kid', 'alg', 'use']);
      expect(importSigningKey({ pem: rsa, alg: 'PS256' }).alg).to.equal('PS256');
    });

    it('an HS256 secret of 32 bytes: kid derived from the secret, nothing to publish', () => {
      const secret = 'x'.repeat(32);
      const key = importSigningKey({ secret });
      expect(key.alg).to.equal('HS256');
      expect(key.publicJwk).to.equal(undefined);
      expect(key.kid).to.match(/^[A-Za-z0-9_-]{16}$/);
      expect(importSigningKey({ secret }).kid).to.equal(key.kid);
      expect(importSigningKey({ secret: 'y'.repeat(32) }).kid).not.to.equal(key.kid);
      expect(importSigningKey({ secret: new Uint8Array(32).fill(7), kid: 'bytes' }).kid).to.equal(
        'bytes',
      );
    });

    it('the returned key is frozen', () => {
      const key = importSigningKey({ pem: pem('P-256') });
      expect(Object.isFrozen(key)).to.equal(true);
      expect(Object.isFrozen(key.publicJwk)).to.equal(true);
    });
  });

  describe('importSigningKey refuses', () => {
    it('a public JWK (no d) → TypeError', async () => {
      const { d: _d, ...publicJwk } = await privateJwk('ES256');
      expect(() => importSigningKey({ jwk: publicJwk })).to.throw(TypeError, /"d"/);
    });

    // RFC 7518 3.2: "A key of the same size as the hash output (for instance, 256 bits for
    // "HS256") or larger MUST be used with this algorithm."
    it('an HS256 secret shorter than 32 bytes → TypeError', () => {
      expect(() => importSigningKey({ secret: 'x'.repeat(31) })).to.throw(TypeError, /32 bytes/);
      expect(() => importSigningKey({ secret: new Uint8Array(31) })).to.throw(
        TypeError,
        /32 bytes/,
      );
      // 11 characters of 3 UTF-8 bytes each are 33 bytes: the length counts bytes
      expect(() => importSigningKey({ secret: '€'.repeat(11) })).not.to.throw();
    });

    const mismatches: [string, () => SigningKeyInput][] = [
      ['ES384 for a P-256 key', () => ({ pem: pem('P-256'), alg: 'ES384' })],
      ['ES256 for a P-384 key', () => ({ pem: pem('P-384'), alg: 'ES256' })],
      ['RS256 for an EC key', () => ({ pem: pem('P-256'), alg: 'RS256' })],
      ['ES256 for an RSA key', () => ({ pem: pem('rsa'), alg: 'ES256' })],
      ['EdDSA for an RSA key', () => ({ pem: pem('rsa'), alg: 'EdDSA' })],
      ['ES256 for an Ed25519 key', () => ({ pem: pem('ed25519'), alg: 'ES256' })],
      ['HS256 for an EC key', () => ({ pem: pem('P-256'), alg: 'HS256' })],
    ];
    for (const [label, input] of mismatches) {
      it(`a wrong alg for the key type (${label}) → TypeError`, () => {
        expect(() => importSigningKey(input())).to.throw(TypeError);
      });
    }

    it('a JWK whose own alg member does not fit the key → TypeError', async () => {
      const jwk = { ...(await privateJwk('ES256')), alg: 'ES384' };
      expect(() => importSigningKey({ jwk })).to.throw(TypeError);
    });

    it('an algorithm outside the allow-list (none, HS512, RS512) → TypeError', () => {
      const key = pem('P-256');
      for (const alg of ['none', 'HS512', 'RS512']) {
        expect(
          () => importSigningKey({ pem: key, alg } as unknown as SigningKeyInput),
          alg,
        ).to.throw(TypeError, /unsupported signing algorithm/);
      }
    });

    it('an unsupported curve (P-521) → TypeError', () => {
      expect(() => importSigningKey({ pem: pem('P-521') })).to.throw(TypeError, /curve/);
    });

    // RFC 7518 3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
    it('an RSA key shorter than 2048 bits → TypeError', () => {
      expect(() => importSigningKey({ pem: pem('rsa1024') })).to.throw(TypeError);
    });
  });

  describe('KeySet', () => {
    it('two keys with the same kid → TypeError', () => {
      const a = importSigningKey({ pem: pem('P-256'), kid: 'same' });
      const b = importSigningKey({ pem: pem('P-256'), kid: 'same' });
      expect(() => new KeySet([a, b])).to.throw(TypeError, /same/);
    });

    it('duplicate kids in provider options → TypeError at construction', () => {
      const key = generateSigningKey();
      expect(() => new Provider(providerOptions({ signingKeys: [key, key] }))).to.throw(
        TypeError,
        /kid/,
      );
      expect(
        () =>
          new Provider(
            providerOptions({
              signingKeys: [
                { secret: 'x'.repeat(32), kid: 'k' },
                { secret: 'y'.repeat(32), kid: 'k' },
              ],
            }),
          ),
      ).to.throw(TypeError);
    });

    it('an empty set or an unknown active kid → TypeError', () => {
      expect(() => new KeySet([])).to.throw(TypeError);
      expect(() => new KeySet([generateSigningKey()], 'nope')).to.throw(TypeError, /nope/);
      expect(() => new Provider(providerOptions({ activeKeyId: 'nope' }))).to.throw(
        TypeError,
        /nope/,
      );
    });

    it('the first key is active unless activeKid names another; get() finds keys by kid', () => {
      const a = generateSigningKey();
      const b = generateSigningKey('EdDSA');
      expect(new KeySet([a, b]).active).to.equal(a);
      const set = new KeySet([a, b], b.kid);
      expect(set.active).to.equal(b);
      expect(set.get(a.kid)).to.equal(a);
      expect(set.get('unknown')).to.equal(undefined);
      expect(set.get(undefined)).to.equal(undefined);
      expect([...set.algorithms]).to.have.members(['ES256', 'EdDSA']);
    });

    it('jwks(): asymmetric keys only, no private members', () => {
      const set = new KeySet([
        generateSigningKey(),
        importSigningKey({ secret: 'x'.repeat(32) }),
        importSigningKey({ pem: pem('rsa') }),
      ]);
      const { keys } = set.jwks();
      expect(keys).to.have.length(2);
      for (const jwk of keys) {
        expectPublicOnly(jwk);
        expect(jwk).to.include({ use: 'sig' });
      }
    });
  });

  describe('generateSigningKey', () => {
    it('makes ES256 by default, or ES384 / EdDSA; each call a new key', () => {
      expect(generateSigningKey().alg).to.equal('ES256');
      expect(generateSigningKey('ES384').alg).to.equal('ES384');
      expect(generateSigningKey('EdDSA').alg).to.equal('EdDSA');
      expect(generateSigningKey().kid).not.to.equal(generateSigningKey().kid);
    });
  });

  describe('jwkThumbprint (RFC 7638)', () => {
    // RFC 7638 3.1, the example RSA key; its SHA-256 thumbprint is given there as
    // "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs".
    const RFC_KEY = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };

    it("matches RFC 7638's example", () => {
      expect(jwkThumbprint(RFC_KEY)).to.equal('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    });

    // RFC 7638 3: "Construct a JSON object [RFC7159] containing only the required members of a
    // JWK representing the key and with no whitespace or line breaks before or after any
    // syntactic elements and with the required members ordered lexicographically"
    it('ignores optional members and the order of members', () => {
      const { alg: _alg, kid: _kid, ...bare } = RFC_KEY;
      const reordered = { e: RFC_KEY.e, n: RFC_KEY.n, kty: 'RSA', use: 'sig' };
      expect(jwkThumbprint(bare)).to.equal('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
      expect(jwkThumbprint(reordered)).to.equal('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    });

    it('agrees with jose for EC, OKP and oct keys', async () => {
      for (const key of [
        generateSigningKey('ES256'),
        generateSigningKey('ES384'),
        generateSigningKey('EdDSA'),
      ]) {
        const jwk = key.publicJwk as JsonWebKey;
        expect(jwkThumbprint(jwk)).to.equal(
          await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]),
        );
      }
      const oct = { kty: 'oct', k: 'GawgguFyGrWKav7AX4VKUg' };
      expect(jwkThumbprint(oct)).to.equal(await calculateJwkThumbprint(oct));
    });

    it('an unknown key type → TypeError', () => {
      expect(() => jwkThumbprint({ kty: 'XYZ' })).to.throw(TypeError);
      expect(() => jwkThumbprint({})).to.throw(TypeError);
    });
  });
});
