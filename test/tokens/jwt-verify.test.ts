/**
 * The synchronous JWT verifier (lib/tokens/jwt-verify.ts) against jose: tokens
 * jose signs verify here and tokens signed here verify in jose, for every
 * algorithm; tampered tokens fail here (and in jose where jose has the rule).
 * Then the rules jose did not have (iat in the future, a non-canonical
 * signature, crit), and the reason the verifier exists: it does not wait for the
 * libuv thread pool, which a flood of scrypt client secrets can fill.
 */
import { generateKeyPairSync, scrypt, sign } from 'node:crypto';
import { expect } from 'chai';
import { base64url, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import {
  generateSigningKey,
  importSigningKey,
  InvalidTokenError,
  KeySet,
  Provider,
  type SigningKey,
} from '../../index.js';
import { signAccessToken, type AccessTokenClaims } from '../../lib/tokens/jwt.js';
import { verifyAccessToken } from '../../lib/tokens/jwt-verify.js';
import { ISSUER, providerOptions, secrets } from '../support/fixtures.js';

const NOW = Date.UTC(2026, 0, 1);
const IAT = NOW / 1000;
const OPTIONS = { issuer: ISSUER, audience: ISSUER, now: NOW };

function claims(overrides: Record<string, unknown> = {}): AccessTokenClaims {
  return {
    iss: ISSUER,
    sub: 'user-alice',
    aud: ISSUER,
    client_id: 'web',
    scope: 'read',
    jti: '0b9d7c84-5d07-4a0e-9d55-3a8b6d1c0f11',
    iat: IAT,
    exp: IAT + 600,
    grant_ref: 'AbCdEfGhIjKlMnOpQrStUv',
    ...overrides,
  } as AccessTokenClaims;
}

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

/** The reason (private cause) a verification gave; fails the test if it verified. */
function refusal(keys: KeySet, token: string, options = OPTIONS): string {
  try {
    verifyAccessToken(keys, token, options);
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidTokenError);
    const error = err as InvalidTokenError;
    expect(error.toJSON().error).to.equal('invalid_token');
    return String((error.cause as Error).message);
  }
  return expect.fail('the token verified');
}

/** Signs with jose, with the header given (alg, kid, typ by default from `key`). */
function joseSign(
  key: SigningKey,
  payload: object,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

const ALGORITHMS: [string, () => SigningKey][] = [
  ['ES256', () => generateSigningKey('ES256')],
  ['ES384', () => generateSigningKey('ES384')],
  ['EdDSA', () => generateSigningKey('EdDSA')],
  ['RS256', () => importSigningKey({ pem: rsaPem() })],
  ['PS256', () => importSigningKey({ pem: rsaPem(), alg: 'PS256' })],
  ['HS256', () => importSigningKey({ secret: 'a-shared-secret-of-at-least-32-bytes' })],
];

describe('tokens/jwt-verify: the synchronous verifier, cross-checked with jose', () => {
  for (const [alg, make] of ALGORITHMS) {
    describe(alg, () => {
      const key = make();
      const keys = new KeySet([key]);

      it('a token jose signed verifies, and gives its claims', async () => {
        const token = await joseSign(key, { ...claims() });
        expect(verifyAccessToken(keys, token, OPTIONS)).to.deep.equal(claims());
      });

      it('a token signed here verifies in jose', async () => {
        const token = signAccessToken(keys, claims());
        const { payload, protectedHeader } = await jwtVerify(token, key.verifyKey, {
          issuer: ISSUER,
          audience: ISSUER,
          typ: 'at+jwt',
          algorithms: [alg],
          currentDate: new Date(NOW),
        });
        expect(payload).to.deep.equal(claims());
        expect(protectedHeader).to.deep.equal({ alg, kid: key.kid, typ: 'at+jwt' });
      });

      it('a payload edited after signing, or a flipped signature bit, fails here and in jose', async () => {
        const [h, , sig = ''] = (await joseSign(key, { ...claims() })).split('.');
        const edited = `${h}.${base64url.encode(JSON.stringify(claims({ scope: 'read write' })))}.${sig}`;
        const bytes = Buffer.from(sig, 'base64url');
        bytes[0] = (bytes[0] ?? 0) ^ 1;
        const flipped = `${h}.${base64url.encode(JSON.stringify(claims()))}.${bytes.toString('base64url')}`;
        for (const token of [edited, flipped]) {
          expect(refusal(keys, token)).to.equal('the signature does not verify');
          let joseAccepted = true;
          await jwtVerify(token, key.verifyKey, { currentDate: new Date(NOW) }).catch(() => {
            joseAccepted = false;
          });
          expect(joseAccepted, 'jose agrees').to.equal(false);
        }
      });
    });
  }

  describe('header rules', () => {
    const key = generateSigningKey('ES256');
    const keys = new KeySet([key]);

    // RFC 9068 4: "The resource server MUST reject any JWT in which the value of "alg" is "none"."
    it('alg none, a wrong alg for the key, no kid, an unknown kid → refused', async () => {
      const payload = base64url.encode(JSON.stringify(claims()));
      const none = base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid, typ: 'at+jwt' }));
      expect(refusal(keys, `${none}.${payload}.AAAA`)).to.equal("alg none is not the key's ES256");
      const other = generateSigningKey('EdDSA');
      expect(refusal(keys, await joseSign(other, claims(), { kid: key.kid }))).to.equal(
        "alg EdDSA is not the key's ES256",
      );
      expect(refusal(keys, await joseSign(key, claims(), { kid: undefined }))).to.equal(
        'no key has this kid',
      );
      expect(refusal(keys, await joseSign(key, claims(), { kid: 'nobody' }))).to.equal(
        'no key has this kid',
      );
    });

    it('HS256 made with the public key as secret (algorithm confusion) → refused', async () => {
      const pem = key.verifyKey.export({ format: 'pem', type: 'spki' }).toString();
      const token = await new SignJWT(claims() as unknown as JWTPayload)
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(pem));
      expect(refusal(keys, token)).to.equal("alg HS256 is not the key's ES256");
    });

    // RFC 9068 4: "The resource server MUST verify that the "typ" header value is "at+jwt" or
    // "application/at+jwt" and reject tokens carrying any other value."
    it('typ: at+jwt and application/at+jwt in any case pass; JWT or none is refused', async () => {
      for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/At+Jwt'])
        expect(
          verifyAccessToken(keys, await joseSign(key, claims(), { typ }), OPTIONS).jti,
        ).to.equal(claims().jti);
      expect(refusal(keys, await joseSign(key, claims(), { typ: 'JWT' }))).to.equal(
        'typ JWT is not at+jwt',
      );
      expect(refusal(keys, await joseSign(key, claims(), { typ: undefined }))).to.equal(
        'typ undefined is not at+jwt',
      );
    });

    // RFC 7515 4.1.11: "If any of the listed extension Header Parameters are not understood and
    // supported by the recipient, then the JWS is invalid."
    it('a crit header is refused (no extension is understood)', async () => {
      const token = await new SignJWT(claims() as unknown as JWTPayload)
        .setProtectedHeader({
          alg: 'ES256',
          kid: key.kid,
          typ: 'at+jwt',
          crit: ['urn:example:ext'],
          'urn:example:ext': true,
        })
        .sign(key.privateKey, { crit: { 'urn:example:ext': true } });
      expect(refusal(keys, token)).to.equal('crit is not understood');
    });

    it('a signature spelled another way (same bytes, other trailing bits) is refused', async () => {
      const token = await joseSign(key, claims());
      const sig = token.slice(token.lastIndexOf('.') + 1);
      // 64 bytes are 86 characters, whose last one carries 4 unused bits.
      const last = sig.at(-1) ?? 'A';
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const twin = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A';
      const respelled = `${token.slice(0, token.length - 1)}${twin}`;
      expect(Buffer.from(respelled.slice(token.lastIndexOf('.') + 1), 'base64url')).to.deep.equal(
        Buffer.from(sig, 'base64url'),
      );
      expect(refusal(keys, respelled)).to.equal('the signature is not canonically encoded');
    });

    it('malformed compact serializations are refused', async () => {
      const token = await joseSign(key, claims());
      const [h = '', p = '', s = ''] = token.split('.');
      const notJson = base64url.encode('{not json');
      for (const [bad, reason] of [
        [`${token}.x`, 'not a compact JWS'],
        [`${h}.${p}.${s}=`, 'not a compact JWS'],
        [`${h}.${p}`, 'not a compact JWS'],
        [`${h}..${s}`, 'not a compact JWS'],
        [`${h}.${p}.${s}`.replace('.', '.+'), 'not a compact JWS'],
        [`${notJson}.${p}.${s}`, 'the header is not JSON'],
        [`${base64url.encode('[1]')}.${p}.${s}`, 'the header is not a JSON object'],
        [`${h}.${p}.${s}${'A'.repeat(16 * 1024)}`, 'the token is too long'],
      ] as const)
        expect(refusal(keys, bad), bad.slice(0, 60)).to.equal(reason);
    });
  });

  describe('claim rules', () => {
    const key = generateSigningKey('ES256');
    const keys = new KeySet([key]);
    const check = async (overrides: Record<string, unknown>): Promise<string> =>
      refusal(keys, await joseSign(key, { ...claims(overrides) }));
    const passes = async (overrides: Record<string, unknown>): Promise<AccessTokenClaims> =>
      verifyAccessToken(keys, await joseSign(key, { ...claims(overrides) }), OPTIONS);

    it('iss and aud must match exactly; an aud array holding the audience passes', async () => {
      expect(await check({ iss: `${ISSUER}/` })).to.equal('iss is not the issuer');
      expect(await check({ aud: 'https://api.example.test' })).to.equal(
        'aud does not name the audience',
      );
      expect(await check({ aud: ['https://api.example.test'] })).to.equal(
        'aud does not name the audience',
      );
      expect((await passes({ aud: ['https://api.example.test', ISSUER] })).aud).to.equal(ISSUER);
    });

    // RFC 9068 4: "The current time MUST be before the time represented by the "exp" claim."
    it('exp is required, a number, and after now (no tolerance)', async () => {
      expect(await check({ exp: undefined })).to.equal('exp must be a number');
      expect(await check({ exp: String(IAT + 600) })).to.equal('exp must be a number');
      expect(await check({ exp: IAT })).to.equal('exp has passed');
      const err = (() => {
        try {
          verifyAccessToken(keys, signAccessToken(keys, claims({ exp: IAT })), OPTIONS);
        } catch (e) {
          return e as InvalidTokenError;
        }
        return undefined;
      })();
      expect(err?.description).to.equal('the access token expired');
      expect((await passes({ exp: IAT + 1 })).exp).to.equal(IAT + 1);
    });

    it('nbf, when present, must be a number not after now', async () => {
      expect(await check({ nbf: IAT + 1 })).to.equal('nbf is in the future');
      expect(await check({ nbf: 'soon' })).to.equal('nbf must be a number');
      expect((await passes({ nbf: IAT })).jti).to.equal(claims().jti);
    });

    it('iat is required, before exp, and at most 60 s ahead of now', async () => {
      expect(await check({ iat: undefined })).to.equal('iat must be a number');
      expect(await check({ iat: IAT + 600 })).to.equal('iat is not before exp');
      expect(await check({ iat: IAT + 61 })).to.equal('iat is in the future');
      expect((await passes({ iat: IAT + 60 })).iat).to.equal(IAT + 60);
    });

    it('jti, sub and client_id are non-empty strings; scope and grant_ref strings when present', async () => {
      for (const name of ['jti', 'sub', 'client_id']) {
        expect(await check({ [name]: undefined })).to.equal(`${name} must be a non-empty string`);
        expect(await check({ [name]: '' })).to.equal(`${name} must be a non-empty string`);
        expect(await check({ [name]: 7 })).to.equal(`${name} must be a non-empty string`);
      }
      expect(await check({ scope: ['read'] })).to.equal('scope must be a string');
      expect(await check({ grant_ref: 1 })).to.equal('grant_ref must be a string');
      const { scope, grant_ref } = await passes({ scope: undefined, grant_ref: undefined });
      expect([scope, grant_ref]).to.deep.equal(['', undefined]);
    });

    it('a payload that is not a JSON object is refused after the signature', async () => {
      const [h = ''] = (await joseSign(key, claims())).split('.');
      const payload = base64url.encode('[1,2]');
      // Signed by hand: jose refuses to sign an array payload.
      const signature = sign('sha256', Buffer.from(`${h}.${payload}`), {
        key: key.privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
      expect(refusal(keys, `${h}.${payload}.${signature}`)).to.equal(
        'the payload is not a JSON object',
      );
    });
  });

  describe('off the libuv thread pool', () => {
    it('returns the claims synchronously (no promise)', () => {
      const keys = new KeySet([generateSigningKey()]);
      const result: unknown = verifyAccessToken(keys, signAccessToken(keys, claims()), OPTIONS);
      expect(typeof (result as { then?: unknown }).then).to.equal('undefined');
    });

    it('provider.verifyAccessToken answers a new JWT before any of 8 queued scrypt jobs finish', async () => {
      const provider = new Provider(providerOptions());
      const issued = await provider.token({
        params: { grant_type: 'client_credentials' },
        authorization: `Basic ${Buffer.from(`service:${secrets.service.secret}`).toString('base64')}`,
      });
      const token = (issued.body as { access_token: string }).access_token;
      // Fill the pool (4 threads by default) twice over with slow work, as a flood of
      // wrong scrypt client secrets does.
      let finished = 0;
      const jobs = Array.from(
        { length: 8 },
        () =>
          new Promise<void>((resolve, reject) =>
            scrypt('guess', 'salt', 32, { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 2 ** 20 }, (err) => {
              finished++;
              if (err === null) resolve();
              else reject(err);
            }),
          ),
      );
      const info = await provider.verifyAccessToken(token);
      const finishedWhenVerified = finished;
      await Promise.all(jobs);
      expect(info.clientId).to.equal('service');
      // With jose (WebCrypto), verification was a pool job queued behind the scrypt jobs.
      expect(finishedWhenVerified).to.equal(0);
    });
  });
});
