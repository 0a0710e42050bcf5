/**
 * Unit tests of client secret handling (lib/helpers/secrets.ts through the public
 * API): generateClientSecret, hashClientSecret and verifyClientSecret. Exactness
 * (NUL and other bytes, pre-hashes, Unicode look-alikes) is in
 * client-secret-exactness.test.ts; the HTTP side of client authentication in
 * client-auth.test.ts and client-secret-attacks.test.ts.
 */
import { expect } from 'chai';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from '../../index.js';
import {
  legacyScryptHash,
  STORED_LEGACY_HASH,
  STORED_LEGACY_SECRET,
} from '../support/legacy-secrets.js';

const BASE64URL_256_BITS = /^[A-Za-z0-9_-]{43}$/;

describe('generateClientSecret', () => {
  it('makes a 256-bit base64url secret and a sha256 hash of it', () => {
    const { secret, secretHash } = generateClientSecret();
    expect(secret).to.match(BASE64URL_256_BITS);
    expect(Buffer.from(secret, 'base64url')).to.have.lengthOf(32);
    expect(secretHash).to.match(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(secretHash).to.not.contain(secret);
  });

  it('makes a different secret each time', () => {
    const a = generateClientSecret();
    const b = generateClientSecret();
    expect(a.secret).to.not.equal(b.secret);
    expect(a.secretHash).to.not.equal(b.secretHash);
  });

  it('makes a hash that verifies its secret and nothing else', async () => {
    const { secret, secretHash } = generateClientSecret();
    expect(await verifyClientSecret(secret, secretHash)).to.equal(true);
    expect(await verifyClientSecret(`${secret}x`, secretHash)).to.equal(false);
    expect(await verifyClientSecret(secret.slice(0, -1), secretHash)).to.equal(false);
    expect(await verifyClientSecret('', secretHash)).to.equal(false);
    expect(await verifyClientSecret(generateClientSecret().secret, secretHash)).to.equal(false);
  });
});

describe('hashClientSecret', () => {
  it('makes a salted scrypt hash: scrypt-v2:N:r:p:salt:digest', () => {
    const hash = hashClientSecret('correct horse battery staple');
    expect(hash).to.match(/^scrypt-v2:16384:8:1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$/);
    expect(hash).to.not.contain('horse');
  });

  it('salts: the same secret hashes differently twice, and both hashes verify it', async () => {
    const a = hashClientSecret('s3cret');
    const b = hashClientSecret('s3cret');
    expect(a).to.not.equal(b);
    expect(await verifyClientSecret('s3cret', a)).to.equal(true);
    expect(await verifyClientSecret('s3cret', b)).to.equal(true);
  });

  it('verifies a secret with non-ASCII characters, and not its look-alikes', async () => {
    const hash = hashClientSecret('pässwörd ü');
    expect(await verifyClientSecret('pässwörd ü', hash)).to.equal(true);
    expect(await verifyClientSecret('passwort u', hash)).to.equal(false);
    // The same text in another Unicode normal form is another secret.
    expect(await verifyClientSecret('pässwörd ü'.normalize('NFD'), hash)).to.equal(false);
  });

  it('does not verify a wrong secret', async () => {
    const hash = hashClientSecret('s3cret');
    expect(await verifyClientSecret('S3cret', hash)).to.equal(false);
    expect(await verifyClientSecret('s3cret ', hash)).to.equal(false);
    expect(await verifyClientSecret('', hash)).to.equal(false);
  });

  it('refuses an empty secret with a TypeError', () => {
    expect(() => hashClientSecret('')).to.throw(TypeError, /secret/);
  });
});

describe('verifyClientSecret: hash formats', () => {
  const secret = 's3cret';

  for (const hash of [
    '',
    secret,
    `plain:${secret}`,
    'md5:5ebe2294ecd0e0f08eab7690d2a6ee69',
    `bcrypt:$2b$10$abcdefghijklmnopqrstuv`,
  ]) {
    it(`never matches an unknown format (${JSON.stringify(hash)})`, async () => {
      expect(await verifyClientSecret(secret, hash)).to.equal(false);
    });
  }

  it('never matches a truncated sha256 hash', async () => {
    const { secret: generated, secretHash } = generateClientSecret();
    expect(await verifyClientSecret(generated, secretHash.slice(0, -1))).to.equal(false);
    expect(await verifyClientSecret(generated, 'sha256:')).to.equal(false);
  });

  // Both scrypt formats: the one hashClientSecret() makes, and the earlier one still verified.
  const formats: ReadonlyArray<[string, (secret: string) => string]> = [
    ['scrypt-v2', hashClientSecret],
    ['scrypt (earlier format)', legacyScryptHash],
  ];
  for (const [format, make] of formats) {
    it(`${format}: never matches a hash with parts missing or added`, async () => {
      const parts = make(secret).split(':');
      expect(await verifyClientSecret(secret, parts.slice(0, 5).join(':'))).to.equal(false);
      expect(await verifyClientSecret(secret, [...parts, 'x'].join(':'))).to.equal(false);
      expect(await verifyClientSecret(secret, `${parts[0]}:`)).to.equal(false);
    });

    // The first character of a base64url part carries 6 bits of data (the last one may carry padding bits only).
    it(`${format}: never matches a hash whose digest was altered`, async () => {
      const parts = make(secret).split(':');
      const digest = parts[5] as string;
      parts[5] = (digest[0] === 'A' ? 'B' : 'A') + digest.slice(1);
      expect(await verifyClientSecret(secret, parts.join(':'))).to.equal(false);
    });

    it(`${format}: never matches a hash whose salt was altered`, async () => {
      const parts = make(secret).split(':');
      const salt = parts[4] as string;
      parts[4] = (salt[0] === 'A' ? 'B' : 'A') + salt.slice(1);
      expect(await verifyClientSecret(secret, parts.join(':'))).to.equal(false);
    });
  }

  it('verifies a hash of the earlier format stored before scrypt-v2 with its real secret', async () => {
    expect(await verifyClientSecret(STORED_LEGACY_SECRET, STORED_LEGACY_HASH)).to.equal(true);
    expect(await verifyClientSecret(secret, legacyScryptHash(secret))).to.equal(true);
  });

  // "Unknown formats never match" (lib/helpers/secrets.ts): a hash whose scrypt parameters are
  // impossible or tampered with must give false, not a rejection that turns every token
  // request of the client into a 500 (a custom ClientStore hands hashes over unchecked).
  const tampered: ReadonlyArray<[string, number, string]> = [
    ['N=3 (not a power of two)', 1, '3'],
    ['N=0', 1, '0'],
    ['N=2^30 (far too costly)', 1, String(2 ** 30)],
    ['r=1.5 (not an integer)', 2, '1.5'],
    ['p=1.5 (not an integer)', 3, '1.5'],
    ['r=0', 2, '0'],
  ];
  for (const [format, make] of formats) {
    for (const [what, index, value] of tampered) {
      it(`${format}: resolves false (does not reject) for a hash with ${what}`, async () => {
        const parts = make(secret).split(':');
        parts[index] = value;
        let result: unknown;
        try {
          result = await verifyClientSecret(secret, parts.join(':'));
        } catch (err) {
          result = err;
        }
        expect(result).to.equal(false);
      });
    }
  }
});
