/**
 * protect(): the RFC 6750 bearer token check, against a real Express app.
 * Tampered JWTs are built with jose so that only the tampered part differs from
 * a token the server really issued (same jti, so the store check alone cannot
 * be what refuses them).
 */
import { expect } from 'chai';
import type express from 'express';
import { base64url, decodeJwt, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import request from 'supertest';
import {
  generateSigningKey,
  MemoryRecordStore,
  RecordAccessTokenStore,
  StoreUnavailableError,
  type AccessTokenRecord,
  type StoredRecord,
  type AuthorizationServer,
  type ProviderOptions,
  type SigningKey,
} from '../../index.js';
import {
  frozenClock,
  ISSUER,
  issueCode,
  REDIRECT,
  secrets,
  testApp,
  VERIFIER,
  type FrozenClock,
} from '../support/fixtures.js';

const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token"(, error_description="[^"]*")?$/;

interface Setup {
  clock: FrozenClock;
  key: SigningKey;
  oauth: AuthorizationServer;
  app: express.Express;
}

/** testApp plus a stateless route, a custom-realm route and a route echoing req.oauth2. */
function setup(overrides: Partial<ProviderOptions> = {}): Setup {
  const clock = frozenClock();
  const key = generateSigningKey('ES256');
  const { oauth, app } = testApp({ clock, signingKeys: [key], ...overrides });
  app.get(
    '/api/stateless',
    oauth.protect({ scope: 'read', checkRevocation: false }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.get('/api/photos', oauth.protect({ realm: 'photos' }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/api/whoami', oauth.protect(), (req, res) => {
    res.json(req.oauth2?.token);
  });
  return { clock, key, oauth, app };
}

async function serviceToken(app: express.Express, scope?: string): Promise<string> {
  const res = await request(app)
    .post('/token')
    .auth('service', secrets.service.secret)
    .type('form')
    .send({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) });
  expect(res.status).to.equal(200);
  return res.body.access_token as string;
}

async function revoke(app: express.Express, token: string): Promise<void> {
  const res = await request(app)
    .post('/revoke')
    .auth('service', secrets.service.secret)
    .type('form')
    .send({ token });
  expect(res.status).to.equal(200);
}

function bearer(app: express.Express, path: string, token: string): request.Test {
  return request(app).get(path).set('Authorization', `Bearer ${token}`);
}

function expectInvalidToken(res: request.Response): void {
  expect(res.status).to.equal(401);
  expect(res.headers['www-authenticate']).to.match(INVALID_TOKEN);
  expect(res.body.error).to.equal('invalid_token');
}

describe('protect() (RFC 6750)', () => {
  describe('without bearer credentials', () => {
    // RFC 6750 3.1: "If the request lacks any authentication information (e.g., the client was
    // unaware that authentication is necessary or attempted using an unsupported authentication
    // method), the resource server SHOULD NOT include an error code or other error information."
    it('no Authorization header → 401, a bare challenge, no error code, empty body', async () => {
      const { app } = setup();
      const res = await request(app).get('/api/read');
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer realm="api"');
      expect(res.text).to.equal('');
    });

    // RFC 6750 2.3: "Because of the security weaknesses associated with the URI method (see
    // Section 5), including the high likelihood that the URL containing the access token will be
    // logged, it SHOULD NOT be used unless it is impossible to transport the access token in the
    // "Authorization" request header field or the HTTP request entity-body."
    it('a valid token only in the query string is ignored → the same bare 401', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      const res = await request(app).get('/api/read').query({ access_token: token });
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer realm="api"');
      expect(res.text).to.equal('');
    });

    it('Authorization: Basic … → 401 without an error code', async () => {
      const { app } = setup();
      const res = await request(app).get('/api/read').auth('service', secrets.service.secret);
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer realm="api"');
      expect(res.text).to.equal('');
    });

    it('a custom realm is used in the challenge', async () => {
      const { app } = setup();
      const res = await request(app).get('/api/photos');
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer realm="photos"');
      const bad = await bearer(app, '/api/photos', 'garbage');
      expect(bad.status).to.equal(401);
      expect(bad.headers['www-authenticate']).to.match(
        /^Bearer realm="photos", error="invalid_token"/,
      );
    });
  });

  describe('malformed Authorization header', () => {
    // RFC 6750 3.1 invalid_request: "The request is missing a required parameter, includes an
    // unsupported parameter or parameter value, repeats the same parameter, uses more than one
    // method for including an access token, or is otherwise malformed. The resource server
    // SHOULD respond with the HTTP 400 (Bad Request) status code."
    for (const [label, header] of [
      ['"Bearer" with nothing', 'Bearer'],
      ['"Bearer " and spaces only', 'Bearer   '],
      ['illegal characters', 'Bearer abc$def'],
      ['two tokens', 'Bearer abc def'],
      ['a quoted token', 'Bearer "abcdef"'],
    ] as const) {
      it(`${label} → 400 invalid_request`, async () => {
        const { app } = setup();
        const res = await request(app).get('/api/read').set('Authorization', header);
        expect(res.status).to.equal(400);
        expect(res.headers['www-authenticate']).to.match(
          /^Bearer realm="api", error="invalid_request"/,
        );
        expect(res.body.error).to.equal('invalid_request');
      });
    }
  });

  describe('invalid tokens', () => {
    // RFC 6750 3.1 invalid_token: "The access token provided is expired, revoked, malformed, or
    // invalid for other reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized)
    // status code."
    it('a garbage token → 401 invalid_token, in the challenge and the JSON body', async () => {
      const { app } = setup();
      const res = await bearer(app, '/api/read', 'not-a-token-this-server-made');
      expectInvalidToken(res);
      expect(res.headers['www-authenticate']).to.equal(
        'Bearer realm="api", error="invalid_token", error_description="the access token is invalid, expired or revoked"',
      );
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.body).to.deep.equal({
        error: 'invalid_token',
        error_description: 'the access token is invalid, expired or revoked',
      });
    });

    it('a garbage three-part token (JWT-shaped) → 401 invalid_token', async () => {
      const { app } = setup();
      expectInvalidToken(await bearer(app, '/api/read', 'aaaa.bbbb.cccc'));
    });

    for (const format of ['opaque', 'jwt'] as const) {
      it(`an expired ${format} token → 401 invalid_token (works one second before exp)`, async () => {
        const { app, clock } = setup({ accessToken: { format, lifetime: 600 } });
        const token = await serviceToken(app);
        clock.advance(599);
        expect((await bearer(app, '/api/read', token)).status).to.equal(200);
        clock.advance(1);
        expectInvalidToken(await bearer(app, '/api/read', token));
      });

      it(`a revoked ${format} token → 401 invalid_token`, async () => {
        const { app } = setup({ accessToken: { format } });
        const token = await serviceToken(app);
        expect((await bearer(app, '/api/read', token)).status).to.equal(200);
        await revoke(app, token);
        expectInvalidToken(await bearer(app, '/api/read', token));
      });
    }

    it('checkRevocation: false lets a revoked JWT through (documented stateless mode)', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      await revoke(app, token);
      expectInvalidToken(await bearer(app, '/api/read', token));
      const res = await bearer(app, '/api/stateless', token);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ ok: true });
    });

    it('checkRevocation: false still refuses a revoked opaque token (it needs the store anyway)', async () => {
      const { app } = setup({ accessToken: { format: 'opaque' } });
      const token = await serviceToken(app);
      expect((await bearer(app, '/api/stateless', token)).status).to.equal(200);
      await revoke(app, token);
      expectInvalidToken(await bearer(app, '/api/stateless', token));
    });

    it('a JWT seen before is served again (cache), and refused once revoked', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      expect((await bearer(app, '/api/read', token)).status).to.equal(200);
      expect((await bearer(app, '/api/read', token)).status).to.equal(200);
      await revoke(app, token);
      expectInvalidToken(await bearer(app, '/api/read', token));
    });

    it('a JWT seen before is refused after its family was revoked through code replay', async () => {
      const { oauth, app } = setup();
      const code = await issueCode(oauth, 'web', { verifier: VERIFIER });
      const form = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      };
      const first = await request(app)
        .post('/token')
        .auth('web', secrets.web.secret)
        .type('form')
        .send(form);
      expect(first.status).to.equal(200);
      const token = first.body.access_token as string;
      expect((await bearer(app, '/api/read', token)).status).to.equal(200);
      const replay = await request(app)
        .post('/token')
        .auth('web', secrets.web.secret)
        .type('form')
        .send(form);
      expect(replay.status).to.equal(400);
      expectInvalidToken(await bearer(app, '/api/read', token));
    });
  });

  describe('scope', () => {
    // RFC 6750 3.1 insufficient_scope: "The request requires higher privileges than provided by
    // the access token. The resource server SHOULD respond with the HTTP 403 (Forbidden) status
    // code and MAY include the "scope" attribute with the scope necessary to access the
    // protected resource."
    for (const format of ['opaque', 'jwt'] as const) {
      it(`a token without every required scope → 403 insufficient_scope naming the scope (${format})`, async () => {
        const { app } = setup({ accessToken: { format } });
        const token = await serviceToken(app, 'read');
        const res = await bearer(app, '/api/write', token);
        expect(res.status).to.equal(403);
        expect(res.headers['www-authenticate']).to.equal(
          'Bearer realm="api", error="insufficient_scope", scope="read write"',
        );
        expect(res.body.error).to.equal('insufficient_scope');
        const ok = await bearer(app, '/api/write', await serviceToken(app, 'read write'));
        expect(ok.status).to.equal(200);
        expect(ok.body).to.deep.equal({ ok: true });
      });
    }

    it('protect() naming a scope the provider does not offer → TypeError at factory time', () => {
      const { oauth } = setup();
      expect(() => oauth.protect({ scope: 'admin' })).to.throw(TypeError, /admin/);
      expect(() => oauth.protect({ scope: ['read', 'admin'] })).to.throw(TypeError, /admin/);
      expect(() => oauth.protect({ scope: 'read write' })).not.to.throw();
    });

    it('a realm with a quote → TypeError at factory time', () => {
      const { oauth } = setup();
      expect(() => oauth.protect({ realm: 'a"b' })).to.throw(TypeError, /realm/);
    });
  });

  describe('success', () => {
    for (const format of ['opaque', 'jwt'] as const) {
      it(`sets req.oauth2.token (sub, client_id, scope, times) (${format})`, async () => {
        const { oauth, app } = setup({ accessToken: { format } });
        const code = await issueCode(oauth, 'web', {
          verifier: VERIFIER,
          scope: ['read', 'profile'],
          subject: 'user-bob',
        });
        const tokens = await request(app)
          .post('/token')
          .auth('web', secrets.web.secret)
          .type('form')
          .send({
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT,
            code_verifier: VERIFIER,
          });
        expect(tokens.status).to.equal(200);
        const res = await bearer(app, '/api/whoami', tokens.body.access_token as string);
        expect(res.status).to.equal(200);
        const iat = Date.UTC(2026, 0, 1) / 1000;
        expect(res.body).to.include({
          format,
          clientId: 'web',
          subject: 'user-bob',
          audience: ISSUER,
          issuedAt: iat,
          expiresAt: iat + 3600,
        });
        expect(res.body.scope).to.deep.equal(['read', 'profile']);
        expect(res.body.id).to.be.a('string').and.not.equal('');
        if (format === 'jwt')
          expect(res.body.id).to.equal(decodeJwt(tokens.body.access_token as string).jti);
      });
    }

    it('the scheme name is case-insensitive ("bearer")', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      const res = await request(app).get('/api/read').set('Authorization', `bearer ${token}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ sub: 'service', client_id: 'service', scope: ['read'] });
    });
  });

  describe('tampered JWTs', () => {
    let s: Setup;
    let claims: JWTPayload;

    beforeEach(async () => {
      s = setup();
      claims = decodeJwt(await serviceToken(s.app));
    });

    const sign = (payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: s.key.kid, typ: 'at+jwt', ...header })
        .sign(s.key.privateKey);

    const refusedEverywhere = async (token: string): Promise<void> => {
      expectInvalidToken(await bearer(s.app, '/api/read', token));
      expectInvalidToken(await bearer(s.app, '/api/stateless', token));
    };

    it('control: the same claims signed by the real key are accepted (so the cases below test the tampering)', async () => {
      expect((await bearer(s.app, '/api/read', await sign(claims))).status).to.equal(200);
      expect((await bearer(s.app, '/api/stateless', await sign(claims))).status).to.equal(200);
    });

    // RFC 9068 4: "The resource server MUST verify that the "typ" header value is "at+jwt" or
    // "application/at+jwt" and reject tokens carrying any other value."
    it('typ "application/at+jwt" is accepted', async () => {
      expect(
        (await bearer(s.app, '/api/read', await sign(claims, { typ: 'application/at+jwt' })))
          .status,
      ).to.equal(200);
    });

    it('typ "JWT" instead of "at+jwt" → 401 invalid_token', async () => {
      await refusedEverywhere(await sign(claims, { typ: 'JWT' }));
    });

    it('no typ at all → 401 invalid_token', async () => {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: s.key.kid })
        .sign(s.key.privateKey);
      await refusedEverywhere(token);
    });

    // RFC 9068 4: "The resource server MUST reject any JWT in which the value of "alg" is "none"."
    it('alg "none" (hand-built, empty or fake signature) → 401 invalid_token', async () => {
      const header = base64url.encode(
        JSON.stringify({ alg: 'none', kid: s.key.kid, typ: 'at+jwt' }),
      );
      const payload = base64url.encode(JSON.stringify(claims));
      await refusedEverywhere(`${header}.${payload}.`);
      await refusedEverywhere(`${header}.${payload}.AAAA`);
    });

    it('signed by another key that claims the same kid → 401 invalid_token', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: s.key.kid, typ: 'at+jwt' })
        .sign(privateKey);
      await refusedEverywhere(token);
    });

    it('an unknown kid → 401 invalid_token', async () => {
      await refusedEverywhere(await sign(claims, { kid: 'someone-else' }));
    });

    // RFC 9068 4: "The issuer identifier for the authorization server (which is typically
    // obtained during discovery) MUST exactly match the value of the "iss" claim."
    it('a wrong iss → 401 invalid_token', async () => {
      await refusedEverywhere(await sign({ ...claims, iss: 'https://evil.example.test' }));
      await refusedEverywhere(await sign({ ...claims, iss: `${ISSUER}/` }));
    });

    // RFC 9068 4: "The resource server MUST validate that the "aud" claim contains a resource
    // indicator value corresponding to an identifier the resource server expects for itself."
    it('a wrong aud → 401 invalid_token', async () => {
      await refusedEverywhere(await sign({ ...claims, aud: 'https://other-api.example.test' }));
    });

    // RFC 9068 2.2: "exp REQUIRED - as defined in Section 4.1.4 of [RFC7519]."
    it('no exp → 401 invalid_token', async () => {
      const { exp: _exp, ...withoutExp } = claims;
      await refusedEverywhere(await sign(withoutExp));
    });

    it('a payload edited after signing (scope widened) → 401 invalid_token', async () => {
      const [h, , sig] = (await sign(claims)).split('.');
      const edited = base64url.encode(JSON.stringify({ ...claims, scope: 'read write' }));
      await refusedEverywhere(`${h}.${edited}.${sig}`);
    });

    it('HS256 signed with the public key bytes (algorithm confusion) → 401 invalid_token', async () => {
      const pem = s.key.verifyKey.export({ format: 'pem', type: 'spki' }).toString();
      const jwk = JSON.stringify(s.key.publicJwk);
      for (const secret of [pem, jwk]) {
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', kid: s.key.kid, typ: 'at+jwt' })
          .sign(new TextEncoder().encode(secret));
        await refusedEverywhere(token);
      }
    });

    it('algorithm confusion is refused also when HS256 is in the key set (kid → key → its alg)', async () => {
      const clock = frozenClock();
      const key = generateSigningKey('ES256');
      const { app } = testApp({
        clock,
        signingKeys: [key, { secret: 'a-shared-secret-of-at-least-32-bytes!', kid: 'hmac' }],
      });
      const real = decodeJwt(await serviceToken(app));
      const pem = key.verifyKey.export({ format: 'pem', type: 'spki' }).toString();
      const token = await new SignJWT(real)
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(pem));
      expectInvalidToken(await bearer(app, '/api/read', token));
    });
  });

  describe('store failures', () => {
    class FlakyAccessTokenStore extends RecordAccessTokenStore {
      failure: Error | undefined;
      override async find(id: string): Promise<AccessTokenRecord | undefined> {
        if (this.failure !== undefined) throw this.failure;
        return super.find(id);
      }
    }

    /** The records under a stateless JWT's deny-list (a memory store: asked per check). */
    class FlakyRecordStore extends MemoryRecordStore {
      failure: Error | undefined;
      override async get(kind: string, id: string): Promise<StoredRecord | undefined> {
        if (this.failure !== undefined) throw this.failure;
        return super.get(kind, id);
      }
    }

    type Mode = 'opaque' | 'jwt allow-list' | 'jwt deny-list';
    /** A provider whose revocation check goes through a store that can be made to fail. */
    function flaky(mode: Mode): { app: express.Express; fail(error: Error | undefined): void } {
      const clock = frozenClock();
      if (mode === 'jwt deny-list') {
        const records = new FlakyRecordStore({ clock });
        const { app } = setup({ clock, stores: { records } });
        return { app, fail: (error) => (records.failure = error) };
      }
      const store = new FlakyAccessTokenStore(new MemoryRecordStore({ clock }));
      const accessToken =
        mode === 'opaque'
          ? { format: 'opaque' as const }
          : { format: 'jwt' as const, revocation: 'allow-list' as const };
      const { app } = setup({ clock, accessToken, stores: { accessTokens: store } });
      return { app, fail: (error) => (store.failure = error) };
    }

    for (const mode of ['opaque', 'jwt allow-list', 'jwt deny-list'] as const) {
      it(`a store that throws StoreUnavailableError → 503 temporarily_unavailable (${mode})`, async () => {
        const { app, fail } = flaky(mode);
        const token = await serviceToken(app);
        fail(new StoreUnavailableError('redis is down'));
        const res = await bearer(app, '/api/read', token);
        expect(res.status).to.equal(503);
        expect(res.body.error).to.equal('temporarily_unavailable');
        expect(res.headers['retry-after']).to.equal('5');
        expect(JSON.stringify(res.body)).not.to.contain('redis');
        fail(undefined);
        expect((await bearer(app, '/api/read', token)).status).to.equal(200);
      });

      it(`any other store exception → 500 server_error, with no internal detail (${mode})`, async () => {
        const { app, fail } = flaky(mode);
        const token = await serviceToken(app);
        fail(new Error('secret internal detail'));
        const res = await bearer(app, '/api/read', token);
        expect(res.status).to.equal(500);
        expect(res.body.error).to.equal('server_error');
        expect(res.text).not.to.contain('secret internal detail');
      });
    }
  });

  describe('stateless JWTs and the allow-list', () => {
    it('deny-list (default): a JWT needs no record: a provider over an empty store accepts it', async () => {
      const clock = frozenClock();
      const key = generateSigningKey();
      const first = setup({ clock, signingKeys: [key] });
      const token = await serviceToken(first.app);
      // Another process of the same server, whose store holds nothing of this token.
      const second = setup({
        clock,
        signingKeys: [key],
        stores: { records: new MemoryRecordStore({ clock }) },
      });
      expect((await bearer(second.app, '/api/read', token)).status).to.equal(200);
    });

    it('allow-list: a JWT whose record the store lost is refused (fail-closed)', async () => {
      const clock = frozenClock();
      const records = new MemoryRecordStore({ clock });
      const { app } = setup({
        clock,
        accessToken: { revocation: 'allow-list' },
        stores: { records },
      });
      const token = await serviceToken(app);
      expect((await bearer(app, '/api/read', token)).status).to.equal(200);
      await records.delete('access', decodeJwt(token).jti as string);
      expectInvalidToken(await bearer(app, '/api/read', token));
    });

    it('deny-list: a JWT without grant_ref (its grant could not be denied) → 401; checkRevocation: false takes it', async () => {
      const { app, key } = setup();
      const { grant_ref: _grantRef, ...claims } = decodeJwt(await serviceToken(app));
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
        .sign(key.privateKey);
      expectInvalidToken(await bearer(app, '/api/read', token));
      expect((await bearer(app, '/api/stateless', token)).status).to.equal(200);
    });
  });
});

describe('protect(): the scope shorthand and misspelled options', () => {
  it("protect('write') is protect({ scope: 'write' }): a read-only token is refused with 403, a write token passes", async () => {
    const { app, oauth } = setup();
    app.get('/api/shorthand', oauth.protect('write'), (_req, res) => {
      res.json({ ok: true });
    });
    const readOnly = await bearer(app, '/api/shorthand', await serviceToken(app, 'read'));
    expect(readOnly.status).to.equal(403);
    expect(readOnly.headers['www-authenticate']).to.equal(
      'Bearer realm="api", error="insufficient_scope", scope="write"',
    );
    expect(readOnly.body.error).to.equal('insufficient_scope');
    const write = await bearer(app, '/api/shorthand', await serviceToken(app, 'write'));
    expect(write.status).to.equal(200);
    expect(write.body).to.deep.equal({ ok: true });
  });

  it("protect(['read', 'write']) needs both scopes", async () => {
    const { app, oauth } = setup();
    app.get('/api/both', oauth.protect(['read', 'write']), (_req, res) => {
      res.json({ ok: true });
    });
    expect((await bearer(app, '/api/both', await serviceToken(app, 'write'))).status).to.equal(403);
    expect((await bearer(app, '/api/both', await serviceToken(app, 'read write'))).status).to.equal(
      200,
    );
  });

  it('protect({ scopes: ... }) (misspelled) is a TypeError naming the key and the right one', () => {
    const { oauth } = setup();
    expect(() => oauth.protect({ scopes: 'write' } as never)).to.throw(
      TypeError,
      'protect(): options has an unknown key "scopes"; did you mean "scope"?',
    );
    expect(() => oauth.protect({ Realm: 'x' } as never)).to.throw(
      TypeError,
      /did you mean "realm"/,
    );
    expect(() => oauth.protect({ checkRevokation: false } as never)).to.throw(
      TypeError,
      /did you mean "checkRevocation"/,
    );
  });

  it('a scope that names nothing is a TypeError, not a route open to every token', () => {
    const { oauth } = setup();
    for (const scope of ['', '   ', [] as string[]]) {
      expect(() => oauth.protect(scope), JSON.stringify(scope)).to.throw(
        TypeError,
        /options\.scope names no scope/,
      );
      expect(() => oauth.protect({ scope }), JSON.stringify(scope)).to.throw(
        TypeError,
        /options\.scope names no scope/,
      );
    }
    expect(() => oauth.protect(42 as never)).to.throw(TypeError, /options object or a scope/);
    expect(() => oauth.protect('admin')).to.throw(TypeError, /"admin"/);
  });

  it('verifyBearer() takes the same options and refuses the same misspelling', async () => {
    const { oauth } = setup();
    const { verifyBearer } = await import('../../index.js');
    const request = new Request('https://api.example.test/', {
      headers: { Authorization: 'Bearer abc' },
    });
    await verifyBearer(oauth.provider, request, { scopes: 'write' } as never).then(
      () => expect.fail('verifyBearer accepted a misspelled option'),
      (err: unknown) => {
        expect(err).to.be.instanceOf(TypeError);
        expect((err as Error).message).to.equal(
          'verifyBearer(): options has an unknown key "scopes"; did you mean "scope"?',
        );
      },
    );
  });
});
