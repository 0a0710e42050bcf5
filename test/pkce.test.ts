/**
 * PKCE helpers (lib/pkce.ts) against RFC 7636.
 */
import { expect } from 'chai';
import { s256Challenge, verifyCodeChallenge } from '../index.js';

/** RFC 7636 Appendix B: the example code_verifier and its S256 code_challenge. */
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE', () => {
  describe('s256Challenge', () => {
    it('matches the example of RFC 7636 Appendix B', () => {
      // RFC 7636 4.2: "S256 code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))"
      expect(s256Challenge(RFC_VERIFIER)).to.equal(RFC_CHALLENGE);
    });

    it('is unpadded base64url of 32 bytes (43 characters)', () => {
      const challenge = s256Challenge('a'.repeat(43));
      expect(challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('verifyCodeChallenge', () => {
    it('accepts the right verifier (S256)', () => {
      expect(verifyCodeChallenge(RFC_VERIFIER, RFC_CHALLENGE, 'S256')).to.equal(true);
    });

    it('refuses a wrong verifier (S256)', () => {
      const other = `${RFC_VERIFIER.slice(0, -1)}Y`;
      expect(verifyCodeChallenge(other, RFC_CHALLENGE, 'S256')).to.equal(false);
      // The challenge itself is not a verifier for it.
      expect(verifyCodeChallenge(RFC_CHALLENGE, RFC_CHALLENGE, 'S256')).to.equal(false);
    });

    it('enforces the 43 to 128 character length of a verifier', () => {
      // RFC 7636 4.1: "code_verifier = high-entropy cryptographic random STRING using the unreserved
      // characters [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" from Section 2.3 of [RFC3986], with a
      // minimum length of 43 characters and a maximum length of 128 characters."
      // Each verifier is checked against its own challenge, so only the length can make it fail.
      const short = 'a'.repeat(42);
      const long = 'a'.repeat(129);
      expect(verifyCodeChallenge(short, s256Challenge(short), 'S256')).to.equal(false);
      expect(verifyCodeChallenge(long, s256Challenge(long), 'S256')).to.equal(false);
      expect(verifyCodeChallenge('', s256Challenge(''), 'S256')).to.equal(false);
      const min = 'a'.repeat(43);
      const max = 'a'.repeat(128);
      expect(verifyCodeChallenge(min, s256Challenge(min), 'S256')).to.equal(true);
      expect(verifyCodeChallenge(max, s256Challenge(max), 'S256')).to.equal(true);
    });

    it('refuses characters outside the unreserved set', () => {
      const base = 'a'.repeat(42);
      for (const bad of ['+', '/', '=', ' ', '%', 'é', '\n']) {
        const verifier = base + bad;
        expect(
          verifyCodeChallenge(verifier, s256Challenge(verifier), 'S256'),
          JSON.stringify(bad),
        ).to.equal(false);
      }
      const good = `${'a'.repeat(39)}-._~`;
      expect(verifyCodeChallenge(good, s256Challenge(good), 'S256')).to.equal(true);
    });

    it('compares plain challenges as they are', () => {
      // RFC 7636 4.2: "plain code_challenge = code_verifier"
      expect(verifyCodeChallenge(RFC_VERIFIER, RFC_VERIFIER, 'plain')).to.equal(true);
      expect(verifyCodeChallenge(RFC_VERIFIER, RFC_CHALLENGE, 'plain')).to.equal(false);
      expect(verifyCodeChallenge('a'.repeat(42), 'a'.repeat(42), 'plain')).to.equal(false);
    });

    it('is false, not an error, for a challenge of another length', () => {
      expect(verifyCodeChallenge(RFC_VERIFIER, 'short', 'S256')).to.equal(false);
      expect(verifyCodeChallenge(RFC_VERIFIER, `${RFC_CHALLENGE}A`, 'S256')).to.equal(false);
    });
  });
});

describe('PKCE: a challenge outside the RFC 7636 alphabet never matches', () => {
  it('a challenge whose characters lose their high bits in ASCII (U+0145 for E) is refused', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const challenge = s256Challenge(verifier);
    expect(challenge.startsWith('E')).to.equal(true);
    expect(verifyCodeChallenge(verifier, `\u0145${challenge.slice(1)}`, 'S256')).to.equal(false);
    expect(verifyCodeChallenge(verifier, challenge, 'S256')).to.equal(true);
  });
});
