/**
 * A presented client secret matches only the very string that was hashed, UTF-8
 * byte for byte, in every hash format: `sha256:` (generated secrets), `scrypt-v2:`
 * (what hashClientSecret() makes) and the earlier `scrypt:` (still verified).
 *
 * scrypt runs PBKDF2-HMAC-SHA256 with the secret as the HMAC key, and HMAC
 * (RFC 2104 2) zero-pads a key shorter than the block and hashes a longer one:
 * "(1) append zeros to the end of K to create a B byte string" and "Applications
 * that use keys longer than B bytes will first hash the key using H". So under the
 * earlier format `s` and `s\0` are one password, and so are a long `s` and the 32
 * bytes of SHA-256(s). Each case below shows the collision in raw scrypt first, so
 * the test proves it guards a real class.
 */
import { createHash, scryptSync } from 'node:crypto';
import { expect } from 'chai';
import { hashClientSecret, verifyClientSecret } from '../../index.js';
import { legacyScryptHash } from '../support/legacy-secrets.js';

/** A `sha256:` hash of a chosen string (generateClientSecret() makes only random ones). */
function sha256Hash(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('base64url')}`;
}

const FORMATS: ReadonlyArray<[string, (secret: string) => string]> = [
  ['sha256', sha256Hash],
  ['scrypt-v2', hashClientSecret],
  ['scrypt (earlier format)', legacyScryptHash],
];

/** Raw scrypt as the earlier format ran it, with one fixed salt. */
function rawScrypt(password: string | Buffer): string {
  return scryptSync(password, 'fixed salt', 32, { N: 1024, r: 8, p: 1 }).toString('hex');
}

const REAL = 'demo-service-secret';

describe('client secrets match byte for byte', () => {
  it('(the class) raw scrypt cannot tell a password from the same followed by NUL bytes', () => {
    expect(rawScrypt(`${REAL}\0`)).to.equal(rawScrypt(REAL));
    expect(rawScrypt(`${REAL}\0\0\0\0`)).to.equal(rawScrypt(REAL));
  });

  const others: ReadonlyArray<[string, string]> = [
    ['one NUL', `${REAL}\0`],
    ['four NULs', `${REAL}\0\0\0\0`],
    ['NULs up to the HMAC block (64 bytes)', REAL.padEnd(64, '\0')],
    ['a NUL in front', `\0${REAL}`],
    ['\\x01', `${REAL}\x01`],
    ['a space', `${REAL} `],
    ['a tab', `${REAL}\t`],
    ['a newline', `${REAL}\n`],
    ['CR LF', `${REAL}\r\n`],
    ['DEL', `${REAL}\x7f`],
    ['a C1 control (U+0085)', `${REAL}\u0085`],
    ['a no-break space', `${REAL}\u00a0`],
    ['a zero-width space', `${REAL}\u200b`],
    ['a byte order mark', `${REAL}\ufeff`],
    ['one more letter', `${REAL}x`],
    ['one letter less', REAL.slice(0, -1)],
  ];
  for (const [format, make] of FORMATS) {
    describe(format, () => {
      const hash = make(REAL);

      it('verifies the real secret', async () => {
        expect(await verifyClientSecret(REAL, hash)).to.equal(true);
      });

      for (const [what, presented] of others) {
        it(`refuses the secret with ${what}`, async () => {
          expect(await verifyClientSecret(presented, hash)).to.equal(false);
        });
      }
    });
  }
});

describe('client secrets: a secret longer than 64 bytes vs its pre-hash', () => {
  // Found by search: a 73-byte secret whose SHA-256 happens to be valid UTF-8 (32
  // ASCII characters here, about 1 secret in 10^8), so a client can send its pre-hash.
  const LONG = 'a person-chosen client secret longer than one SHA-256 block: 000263186222';
  const preHash = createHash('sha256').update(LONG).digest();
  const PRE_HASH = preHash.toString('utf8');

  it('(the class) raw scrypt cannot tell the long secret from the 32 bytes of its SHA-256', () => {
    expect(Buffer.byteLength(LONG)).to.be.greaterThan(64);
    expect(Buffer.from(PRE_HASH, 'utf8').equals(preHash)).to.equal(true);
    expect(rawScrypt(PRE_HASH)).to.equal(rawScrypt(LONG));
  });

  for (const [format, make] of FORMATS) {
    it(`${format}: verifies the long secret and refuses its pre-hash`, async () => {
      const hash = make(LONG);
      expect(await verifyClientSecret(LONG, hash)).to.equal(true);
      expect(await verifyClientSecret(PRE_HASH, hash)).to.equal(false);
    });
  }
});

describe('client secrets: Unicode look-alikes are other secrets', () => {
  // Each pair: the secret hashed, then a string that looks the same or normalises to it.
  const pairs: ReadonlyArray<[string, string, string]> = [
    ['NFC é vs NFD e + U+0301', 'caf\u00e9-secret', 'cafe\u0301-secret'],
    ['U+00C5 Å vs U+212B ANGSTROM SIGN (NFC-equal)', '\u00c5ngstr\u00f6m', '\u212bngstr\u00f6m'],
    ['"fi" vs the U+FB01 ligature (NFKC-equal)', 'fine-secret', '\ufb01ne-secret'],
    ['ASCII vs fullwidth letters (NFKC-equal)', 'secret', '\uff53\uff45\uff43\uff52\uff45\uff54'],
    ['Latin a vs Cyrillic а (a homoglyph)', 'banana', 'b\u0430nana'],
  ];
  for (const [format, make] of FORMATS) {
    for (const [what, hashed, presented] of pairs) {
      it(`${format}: ${what}`, async () => {
        const hash = make(hashed);
        expect(await verifyClientSecret(hashed, hash)).to.equal(true);
        expect(await verifyClientSecret(presented, hash)).to.equal(false);
      });
    }
  }
});

describe('client secrets: lone surrogates', () => {
  it('(the class) UTF-8 encoding turns a lone surrogate into U+FFFD, so the bytes are equal', () => {
    expect(Buffer.from('key\ud800', 'utf8').equals(Buffer.from('key\ufffd', 'utf8'))).to.equal(
      true,
    );
  });

  for (const [format, make] of FORMATS) {
    it(`${format}: a lone surrogate never matches the U+FFFD it would be encoded as`, async () => {
      const hash = make('key\ufffd');
      expect(await verifyClientSecret('key\ufffd', hash)).to.equal(true);
      expect(await verifyClientSecret('key\ud800', hash)).to.equal(false);
      expect(await verifyClientSecret('key\udc00', hash)).to.equal(false);
    });
  }

  it('hashClientSecret() refuses a lone surrogate with a TypeError, and takes a pair', async () => {
    expect(() => hashClientSecret('key\ud800')).to.throw(TypeError, /lone surrogate/);
    const emoji = 'key\ud83d\ude00';
    expect(await verifyClientSecret(emoji, hashClientSecret(emoji))).to.equal(true);
  });
});
