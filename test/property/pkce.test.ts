/**
 * Properties of PKCE (lib/helpers/pkce.ts), for any input fast-check makes:
 * - RFC 7636 4.1: "code-verifier = 43*128unreserved"; `isPkceValue` accepts
 *   exactly those strings;
 * - RFC 7636 4.6: the verifier is accepted when "BASE64URL-ENCODE(SHA256(ASCII(
 *   code_verifier))) == code_challenge" (S256) or, for `plain`, when they are
 *   equal; any other verifier is refused (a one-character change, another
 *   method, a malformed verifier), and no input throws.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { isPkceValue, s256Challenge, verifyCodeChallenge } from '../../lib/helpers/pkce.js';
import { describeSeed, runs } from './runs.js';

const UNRESERVED = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~',
] as const;
const unreserved = fc.constantFrom(...UNRESERVED);
const verifier = fc.string({ unit: unreserved, minLength: 43, maxLength: 128 });
const method = fc.constantFrom('S256' as const, 'plain' as const);

/** RFC 7636 4.2, computed here from the definition. */
const s256 = (v: string): string => createHash('sha256').update(v, 'ascii').digest('base64url');

describe(describeSeed('property: PKCE (lib/helpers/pkce.ts)'), () => {
  it('isPkceValue accepts exactly 43–128 unreserved characters', () => {
    const any = fc.oneof(
      verifier,
      fc.string({ unit: unreserved, maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 140 }),
      fc
        .tuple(verifier, fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }), fc.nat())
        .map(([v, junk, at]) => v.slice(0, at % v.length) + junk + v.slice(at % v.length)),
    );
    fc.assert(
      fc.property(any, (value) => {
        const wellFormed =
          value.length >= 43 &&
          value.length <= 128 &&
          [...value].every((c) => (UNRESERVED as readonly string[]).includes(c));
        expect(isPkceValue(value)).to.equal(wellFormed);
      }),
      runs(2000),
    );
  });

  it('s256Challenge is BASE64URL(SHA256(ASCII(verifier))), 43 characters, itself a valid PKCE value', () => {
    fc.assert(
      fc.property(verifier, (v) => {
        const challenge = s256Challenge(v);
        expect(challenge).to.equal(s256(v));
        expect(challenge).to.have.length(43);
        expect(isPkceValue(challenge)).to.equal(true);
      }),
      runs(500),
    );
  });

  it('the right verifier is accepted under its method', () => {
    fc.assert(
      fc.property(verifier, (v) => {
        expect(verifyCodeChallenge(v, s256(v), 'S256')).to.equal(true);
        expect(verifyCodeChallenge(v, v, 'plain')).to.equal(true);
      }),
      runs(500),
    );
  });

  it('another verifier, or the right one under the other method, is refused', () => {
    fc.assert(
      fc.property(verifier, verifier, (v, w) => {
        fc.pre(v !== w);
        expect(verifyCodeChallenge(w, s256(v), 'S256')).to.equal(false);
        expect(verifyCodeChallenge(w, v, 'plain')).to.equal(false);
        expect(verifyCodeChallenge(v, v, 'S256')).to.equal(false);
        expect(verifyCodeChallenge(v, s256(v), 'plain')).to.equal(v === s256(v));
      }),
      runs(500),
    );
  });

  it('a verifier one character off (changed, dropped or added) is refused', () => {
    fc.assert(
      fc.property(verifier, fc.nat(), unreserved, method, (v, at, c, m) => {
        const i = at % v.length;
        const challenge = m === 'S256' ? s256(v) : v;
        for (const w of [
          v.slice(0, i) + c + v.slice(i + 1),
          v.slice(0, i) + v.slice(i + 1),
          v.slice(0, i) + c + v.slice(i),
        ]) {
          if (w !== v) expect(verifyCodeChallenge(w, challenge, m), w).to.equal(false);
        }
      }),
      runs(1000),
    );
  });

  it('a malformed verifier is refused even when its challenge was computed from it; nothing throws', () => {
    const malformed = fc.oneof(
      fc.string({ unit: unreserved, maxLength: 42 }),
      fc.string({ unit: unreserved, minLength: 129, maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 130 }).filter((s) => !isPkceValue(s)),
    );
    fc.assert(
      fc.property(malformed, method, (v, m) => {
        const challenge = m === 'S256' ? s256(v) : v;
        expect(verifyCodeChallenge(v, challenge, m)).to.equal(false);
      }),
      runs(1000),
    );
  });

  it('a valid verifier against any well-formed challenge is accepted only for the challenge it makes', () => {
    fc.assert(
      fc.property(verifier, verifier, method, (v, challenge, m) => {
        const made = m === 'S256' ? s256(v) : v;
        expect(verifyCodeChallenge(v, challenge, m)).to.equal(challenge === made);
      }),
      runs(1000),
    );
  });
});
