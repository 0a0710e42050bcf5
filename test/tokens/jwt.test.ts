/**
 * JWT access tokens (RFC 9068): signing, verification, and key rotation, as
 * units (tokens/jwt.ts and tokens/jwt-verify.ts are not part of the public API,
 * so they are imported from lib/). Verification is synchronous.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import {
  generateSigningKey,
  importSigningKey,
  InvalidTokenError,
  KeySet,
  memoryStores,
  Provider,
  type SigningKey,
} from '../../index.js';
import { looksLikeJwt, signAccessToken, type AccessTokenClaims } from '../../lib/tokens/jwt.js';
import { verifyAccessToken } from '../../lib/tokens/jwt-verify.js';
import { frozenClock, ISSUER, providerOptions, secrets } from '../support/fixtures.js';

const NOW = Date.UTC(2026, 0, 1);
const IAT = NOW / 1000;
const OPTIONS = { issuer: ISSUER, audience: ISSUER, now: NOW };

function claims(overrides: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    iss: ISSUER,
    sub: 'user-alice',
    aud: ISSUER,
    client_id: 'web',
    scope: 'read write',
    jti: 'b7c1d1f0-0000-4000-8000-000000000001',
    iat: IAT,
    exp: IAT + 600,
    ...overrides,
  };
}

/** The InvalidTokenError a synchronous verification throws. */
function refuses(verify: () => unknown): InvalidTokenError {
  try {
    verify();
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidTokenError);
    return err as InvalidTokenError;
  }
  expect.fail('expected the verification to fail');
}

async function rejects(promise: Promise<unknown>): Promise<InvalidTokenError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidTokenError);
    return err as InvalidTokenError;
  }
  expect.fail('expected the verification to fail');
}

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

describe('tokens/jwt', () => {
  describe('looksLikeJwt', () => {
    it('is true for three non-empty dot-separated parts only', () => {
      expect(looksLikeJwt('a.b.c')).to.equal(true);
      for (const token of ['', 'abc', 'a.b', 'a.b.', '.b.c', 'a..c', 'a.b.c.d'])
        expect(looksLikeJwt(token), token).to.equal(false);
    });
  });

  describe('signAccessToken / verifyAccessToken', () => {
    const keys: [string, () => SigningKey][] = [
      ['ES256', () => generateSigningKey('ES256')],
      ['ES384', () => generateSigningKey('ES384')],
      ['EdDSA', () => generateSigningKey('EdDSA')],
      ['RS256', () => importSigningKey({ pem: rsaPem() })],
      ['PS256', () => importSigningKey({ pem: rsaPem(), alg: 'PS256' })],
      ['HS256', () => importSigningKey({ secret: 'a-shared-secret-of-at-least-32-bytes' })],
    ];
    for (const [alg, make] of keys) {
      it(`round trip with ${alg}: header typ at+jwt, alg and kid; claims come back unchanged`, async () => {
        const key = make();
        const set = new KeySet([key]);
        const token = signAccessToken(set, claims());
        // RFC 9068 2.1: "JWT access tokens MUST include this media type in the "typ" header
        // parameter to explicitly declare that the JWT represents an access token complying with
        // this profile." ... "Therefore, the "typ" value used SHOULD be "at+jwt"."
        expect(decodeProtectedHeader(token)).to.deep.equal({ alg, kid: key.kid, typ: 'at+jwt' });
        expect(decodeJwt(token)).to.deep.equal(claims());
        expect(verifyAccessToken(set, token, OPTIONS)).to.deep.equal(claims());
      });
    }

    it('an empty scope stays empty; a token without a scope claim reads as ""', async () => {
      const key = generateSigningKey();
      const set = new KeySet([key]);
      expect(
        verifyAccessToken(set, signAccessToken(set, claims({ scope: '' })), OPTIONS).scope,
      ).to.equal('');
      const { scope: _scope, ...rest } = claims();
      const token = await new SignJWT(rest as JWTPayload)
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
        .sign(key.privateKey);
      expect(verifyAccessToken(set, token, OPTIONS).scope).to.equal('');
    });

    // RFC 9068 4: "The current time MUST be before the time represented by the "exp" claim."
    it('expires exactly at exp (no clock tolerance); works one second before', async () => {
      const set = new KeySet([generateSigningKey()]);
      const token = signAccessToken(set, claims());
      expect(verifyAccessToken(set, token, { ...OPTIONS, now: (IAT + 599) * 1000 }).jti).to.equal(
        claims().jti,
      );
      const err = refuses(() =>
        verifyAccessToken(set, token, { ...OPTIONS, now: (IAT + 600) * 1000 }),
      );
      expect(err.error).to.equal('invalid_token');
      expect(err.description).to.equal('the access token expired');
      expect(err.cause).to.exist;
    });

    it('a wrong issuer or audience → invalid_token', async () => {
      const set = new KeySet([generateSigningKey()]);
      const token = signAccessToken(set, claims());
      refuses(() =>
        verifyAccessToken(set, token, { ...OPTIONS, issuer: 'https://other.example.test' }),
      );
      refuses(() =>
        verifyAccessToken(set, token, { ...OPTIONS, audience: 'https://api.example.test' }),
      );
      const other = signAccessToken(set, claims({ aud: 'https://api.example.test' }));
      expect(
        verifyAccessToken(set, other, { ...OPTIONS, audience: 'https://api.example.test' }).aud,
      ).to.equal('https://api.example.test');
    });

    for (const missing of ['exp', 'iat', 'jti', 'sub', 'client_id'] as const) {
      it(`a token without ${missing} → invalid_token`, async () => {
        const key = generateSigningKey();
        const set = new KeySet([key]);
        const payload: Record<string, unknown> = { ...claims() };
        delete payload[missing];
        const token = await new SignJWT(payload as JWTPayload)
          .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
          .sign(key.privateKey);
        refuses(() => verifyAccessToken(set, token, OPTIONS));
      });
    }

    it('non-string client_id or scope → invalid_token', async () => {
      const key = generateSigningKey();
      const set = new KeySet([key]);
      for (const bad of [{ client_id: 42 }, { scope: ['read'] }]) {
        const token = await new SignJWT({ ...claims(), ...bad } as JWTPayload)
          .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
          .sign(key.privateKey);
        refuses(() => verifyAccessToken(set, token, OPTIONS));
      }
    });

    it('a token without kid → invalid_token, even when the key set has a single key', async () => {
      const key = generateSigningKey();
      const set = new KeySet([key]);
      const token = await new SignJWT({ ...claims() } as JWTPayload)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .sign(key.privateKey);
      refuses(() => verifyAccessToken(set, token, OPTIONS));
    });

    it('the public description never carries the library detail', async () => {
      const set = new KeySet([generateSigningKey()]);
      const err = refuses(() => verifyAccessToken(set, 'aaaa.bbbb.cccc', OPTIONS));
      expect(err.description).to.equal('the access token is invalid');
      expect(err.toJSON()).to.deep.equal({
        error: 'invalid_token',
        error_description: 'the access token is invalid',
      });
    });
  });

  describe('key rotation', () => {
    it('KeySet: a token of the old key verifies while the key is in the set, and fails once it is removed', async () => {
      const old = generateSigningKey();
      const next = generateSigningKey();
      const token = signAccessToken(new KeySet([old]), claims());

      const both = new KeySet([old, next], next.kid);
      expect(verifyAccessToken(both, token, OPTIONS)).to.deep.equal(claims());
      expect(decodeProtectedHeader(signAccessToken(both, claims())).kid).to.equal(next.kid);

      const err = refuses(() => verifyAccessToken(new KeySet([next]), token, OPTIONS));
      expect(err.description).to.equal('the access token is invalid');
    });

    it('Provider: new providers over a shared store accept the old key while listed, refuse it once dropped', async () => {
      const clock = frozenClock();
      const accessTokens = memoryStores({ clock }).accessTokens;
      const old = generateSigningKey();
      const next = generateSigningKey('EdDSA');
      const make = (signingKeys: SigningKey[], activeKeyId?: string): Provider =>
        new Provider(
          providerOptions({
            clock,
            stores: { accessTokens },
            signingKeys,
            ...(activeKeyId === undefined ? {} : { activeKeyId }),
          }),
        );

      const first = make([old]);
      const basic = `Basic ${Buffer.from(`service:${secrets.service.secret}`).toString('base64')}`;
      const issued = await first.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic,
      });
      expect(issued.status).to.equal(200);
      const token = (issued.body as { access_token: string }).access_token;
      expect(decodeProtectedHeader(token).kid).to.equal(old.kid);

      const rotating = make([next, old], next.kid);
      expect(await rotating.verifyAccessToken(token)).to.include({
        clientId: 'service',
        subject: 'service',
        format: 'jwt',
      });
      expect(rotating.jwks().keys).to.have.length(2);
      const fresh = await rotating.token({
        params: { grant_type: 'client_credentials' },
        authorization: basic,
      });
      expect(
        decodeProtectedHeader((fresh.body as { access_token: string }).access_token).kid,
      ).to.equal(next.kid);

      const rotated = make([next]);
      await rejects(rotated.verifyAccessToken(token));
      expect(
        await rotated.verifyAccessToken((fresh.body as { access_token: string }).access_token),
      ).to.include({ clientId: 'service' });
    });
  });
});
