/**
 * lib/tokens/id-token-hint.ts without HTTP: what makes an `id_token_hint` valid
 * (OIDC Core 3.1.2.1; RP-Initiated Logout 1.0 2). Every refusal is the same
 * public `invalid_request` "id_token_hint is invalid", its reason the private
 * detail, which each case checks so that a test cannot pass for the wrong reason.
 */
import { createHmac, sign } from 'node:crypto';
import { expect } from 'chai';
import { InvalidRequestError } from '../../lib/errors.js';
import { signIdToken } from '../../lib/tokens/id-token.js';
import { readIdTokenHint, ID_TOKEN_HINT_OTHER_CLIENT } from '../../lib/tokens/id-token-hint.js';
import { signJwt } from '../../lib/tokens/jwt.js';
import { generateSigningKey, KeySet, type SigningKey } from '../../lib/tokens/keys.js';

const ISSUER = 'https://auth.example.test';
const NOW = Date.UTC(2026, 0, 1);
const NOW_S = NOW / 1000;
const KEY: SigningKey = { ...generateSigningKey('ES256'), kid: 'k1' };
const KEYS = new KeySet([KEY]);
const OPTIONS = { issuer: ISSUER, now: NOW };

type Claims = Record<string, unknown>;
type Header = Record<string, unknown>;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A compact JWS of `claims` under `header`, signed ES256 by `key` (whatever the header says). */
function jws(claims: Claims, header: Header = {}, key: SigningKey = KEY): string {
  const input = `${b64({ alg: 'ES256', kid: 'k1', typ: 'JWT', ...header })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

function claims(extra: Claims = {}): Claims {
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: 'spa',
    azp: 'spa',
    iat: NOW_S - 100,
    exp: NOW_S + 3500,
    ...extra,
  };
}

/** Asserts the hint is refused with the fixed public text and `detail` as its private reason. */
function refused(token: string, detail: string): void {
  let thrown: unknown;
  try {
    readIdTokenHint(KEYS, token, OPTIONS);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).to.be.instanceOf(InvalidRequestError);
  const error = thrown as InvalidRequestError;
  expect(error.toJSON()).to.deep.equal({
    error: 'invalid_request',
    error_description: 'id_token_hint is invalid',
  });
  expect(error.status).to.equal(400);
  expect(error.detail).to.equal(detail);
}

describe('id_token_hint: what is accepted', () => {
  it('an id_token made by the id_token signer reads back as subject, client and times', () => {
    const token = signIdToken(KEYS, {
      issuer: ISSUER,
      subject: 'user-1',
      clientId: 'spa',
      accessToken: 'at',
      now: NOW_S,
      lifetime: 3600,
      context: {},
    });
    expect(readIdTokenHint(KEYS, token, OPTIONS)).to.deep.equal({
      subject: 'user-1',
      clientId: 'spa',
      issuedAt: NOW_S,
      expiresAt: NOW_S + 3600,
    });
  });

  it('an array audience of one client, and no azp', () => {
    const hint = readIdTokenHint(KEYS, jws(claims({ aud: ['spa'], azp: undefined })), OPTIONS);
    expect(hint.clientId).to.equal('spa');
  });

  it('an expired hint is accepted (RP-Initiated Logout 2: "even when the exp time has passed")', () => {
    const token = jws(claims({ iat: NOW_S - 86_400 * 30, exp: NOW_S - 86_400 * 29 }));
    expect(readIdTokenHint(KEYS, token, OPTIONS).expiresAt).to.equal(NOW_S - 86_400 * 29);
  });

  it('iat up to 60 s ahead is tolerated (clock skew)', () => {
    expect(readIdTokenHint(KEYS, jws(claims({ iat: NOW_S + 60 })), OPTIONS).issuedAt).to.equal(
      NOW_S + 60,
    );
  });

  it('a hint signed by an older key still in the set is accepted', () => {
    const old: SigningKey = { ...generateSigningKey('ES256'), kid: 'old' };
    const rotated = new KeySet([KEY, old]);
    const token = jws(claims(), { kid: 'old' }, old);
    expect(readIdTokenHint(rotated, token, OPTIONS).subject).to.equal('user-1');
  });

  it('exports the text callers use for a hint of another client', () => {
    expect(ID_TOKEN_HINT_OTHER_CLIENT).to.equal('id_token_hint was not issued to this client');
  });
});

describe('id_token_hint: what is refused (all invalid_request "id_token_hint is invalid")', () => {
  it('a tampered signature', () => {
    const token = jws(claims());
    const cut = token.lastIndexOf('.') + 1;
    const flipped = token[cut] === 'A' ? 'B' : 'A';
    refused(
      `${token.slice(0, cut)}${flipped}${token.slice(cut + 1)}`,
      'the signature does not verify',
    );
  });

  it('a tampered payload under the original signature (sub changed)', () => {
    const [header, , signature] = jws(claims()).split('.');
    refused(
      `${header}.${b64(claims({ sub: 'admin' }))}.${signature}`,
      'the signature does not verify',
    );
  });

  it('a kid the key set does not have', () => {
    refused(jws(claims(), { kid: 'k2' }), 'no key has this kid');
  });

  it('no kid at all', () => {
    refused(jws(claims(), { kid: undefined }), 'no key has this kid');
  });

  it('the right kid, signed by another key', () => {
    refused(
      jws(claims(), {}, { ...generateSigningKey('ES256'), kid: 'k1' }),
      'the signature does not verify',
    );
  });

  it('typ at+jwt: an access token of this server is no hint', () => {
    refused(jws(claims(), { typ: 'at+jwt' }), 'typ at+jwt is not JWT');
    refused(signJwt(KEYS, claims(), 'at+jwt'), 'typ at+jwt is not JWT');
  });

  it('no typ', () => {
    refused(jws(claims(), { typ: undefined }), 'typ undefined is not JWT');
  });

  it('an alg other than the key’s (ES384 named, ES256 signed)', () => {
    refused(jws(claims(), { alg: 'ES384' }), "alg ES384 is not the key's ES256");
  });

  it('alg HS256 with the public key as the HMAC secret (algorithm confusion)', () => {
    const input = `${b64({ alg: 'HS256', kid: 'k1', typ: 'JWT' })}.${b64(claims())}`;
    const pem = KEY.verifyKey.export({ format: 'pem', type: 'spki' });
    const mac = createHmac('sha256', pem).update(input).digest('base64url');
    refused(`${input}.${mac}`, "alg HS256 is not the key's ES256");
  });

  it('alg none', () => {
    const input = `${b64({ alg: 'none', kid: 'k1', typ: 'JWT' })}.${b64(claims())}`;
    refused(`${input}.`, 'not a compact JWS');
    refused(`${input}.AAAA`, "alg none is not the key's ES256");
  });

  it('a crit header', () => {
    refused(jws(claims(), { crit: ['exp'] }), 'crit is not understood');
  });

  it('iss of another server', () => {
    refused(jws(claims({ iss: 'https://evil.example' })), 'iss is not the issuer');
  });

  it('iss with a trailing slash (compared exactly)', () => {
    refused(jws(claims({ iss: `${ISSUER}/` })), 'iss is not the issuer');
  });

  it('aud an array of two clients', () => {
    refused(jws(claims({ aud: ['spa', 'web'], azp: 'spa' })), 'aud must name one client');
  });

  it('aud missing, empty, or an empty array', () => {
    refused(jws(claims({ aud: undefined })), 'aud must name one client');
    refused(jws(claims({ aud: '' })), 'aud must name one client');
    refused(jws(claims({ aud: [] })), 'aud must name one client');
  });

  it('azp naming another client than aud', () => {
    refused(jws(claims({ azp: 'web' })), 'azp is not the audience');
  });

  it('sub missing, empty or not a string', () => {
    refused(jws(claims({ sub: undefined })), 'sub must be a non-empty string');
    refused(jws(claims({ sub: '' })), 'sub must be a non-empty string');
    refused(jws(claims({ sub: 42 })), 'sub must be a non-empty string');
  });

  it('iat more than 60 s in the future', () => {
    refused(jws(claims({ iat: NOW_S + 61 })), 'iat is in the future');
  });

  it('iat or exp missing or not numbers', () => {
    refused(jws(claims({ iat: undefined })), 'iat must be a number');
    refused(jws(claims({ exp: '9999999999' })), 'exp must be a number');
  });

  it('a hint longer than 16 KiB, even correctly signed', () => {
    const token = jws(claims({ pad: 'x'.repeat(16 * 1024) }));
    refused(token, 'the token is too long');
  });

  it('junk: empty, two parts, four parts, not base64url, header not JSON, header an array', () => {
    refused('', 'not a compact JWS');
    refused('abc.def', 'not a compact JWS');
    refused('a.b.c.d', 'not a compact JWS');
    refused('a b.c.d', 'not a compact JWS');
    refused(
      `${Buffer.from('{nope').toString('base64url')}.${b64(claims())}.AAAA`,
      'the header is not JSON',
    );
    refused(`${b64(['JWT'])}.${b64(claims())}.AAAA`, 'the header is not a JSON object');
  });

  it('a payload that is not a JSON object, under a valid signature', () => {
    const input = `${b64({ alg: 'ES256', kid: 'k1', typ: 'JWT' })}.${b64('hello')}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: KEY.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    refused(`${input}.${signature.toString('base64url')}`, 'the payload is not a JSON object');
  });
});
