/**
 * OpenID Connect `claims_locales` (OIDC Core 5.2, 3.1.2.1): checked at the
 * authorization endpoint, kept with the code, carried by the access token
 * (an opaque token's record, a JWT's `claims_locales`) and the refresh token,
 * and handed to the host's `claims()` at UserInfo, which keeps the
 * language-tagged forms of the claims the scope allows.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import request from 'supertest';
import type { ClaimsRequest, OpenIdOptions, ProviderOptions } from '../../index.js';
import { signAccessToken, type AccessTokenClaims } from '../../lib/tokens/jwt.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectErrorRedirect,
  expectRedirect,
  legacySecret,
  redeem,
  signIn,
  signedIn,
  spaParams,
  type AuthorizeApp,
} from '../support/authorize-app.js';
import { push, webRequest, webSecret } from '../par/support.js';

type Format = 'opaque' | 'jwt';

interface Fixture extends AuthorizeApp {
  /** What the claims callback was asked with, call by call. */
  calls: { subject: string; locales: readonly string[] }[];
}

const NAMES = {
  name: 'Alice',
  'name#de': 'Alicia',
  'name#ja-Kana-JP': 'アリス',
  'name#xx<script>': 'x',
  'name#': 'empty tag',
  'name#__proto__': 'proto',
  'nickname#de-DE-1996': 'Ali',
  'email#de': 'alice@example.de',
  '__proto__#de': 'nope',
  'sub#de': 'forged',
};

function oidcApp(
  format: Format = 'jwt',
  openid: Partial<OpenIdOptions> = {},
  provider: Partial<ProviderOptions> = {},
): Fixture {
  const calls: Fixture['calls'] = [];
  const fixture = authorizeApp({
    provider: {
      accessToken: { format },
      scopes: { available: ['profile', 'email', 'read'], default: ['profile'] },
      openid: {
        claims: (subject, _scopes, _client, { locales }: ClaimsRequest) => {
          calls.push({ subject, locales });
          // An own `__proto__` key, as JSON.parse makes one from a user's stored profile.
          const json = JSON.stringify(NAMES).replace('{', '{"__proto__":{"name":"polluted"},');
          return JSON.parse(json) as Record<string, unknown>;
        },
        ...openid,
      },
      grants: { authorizationCode: {}, refreshToken: {}, clientCredentials: {} },
      ...provider,
    },
  });
  return { ...fixture, calls };
}

type Tokens = { access_token: string; refresh_token: string };

async function tokensFor(fixture: AuthorizeApp, extra: Record<string, string>): Promise<Tokens> {
  const agent = await signedIn(fixture.app);
  const { form } = await consentPage(agent, spaParams({ scope: 'openid profile', ...extra }));
  const res = await decide(agent, { ...form, decision: 'allow' });
  const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
  const token = await redeem(fixture.app, { code });
  expect(token.status, token.text).to.equal(200);
  return token.body as Tokens;
}

function userInfo(fixture: AuthorizeApp, token: string): request.Test {
  return request(fixture.app).get('/userinfo').set('Authorization', `Bearer ${token}`);
}

/** What the token carries: the JWT's claim, or the opaque token's record. */
async function carried(fixture: AuthorizeApp, format: Format, token: string): Promise<unknown> {
  if (format === 'jwt') return decodeJwt(token)['claims_locales'];
  const id = createHash('sha256').update(token).digest('base64url');
  const record = await fixture.oauth.provider.stores.accessTokens.find(id);
  expect(record, 'the opaque token has a record').not.to.equal(undefined);
  return record?.claimsLocales;
}

const MALFORMED =
  'claims_locales must be at most 10 space-separated BCP 47 language tags of at most 35 characters (OpenID Connect Core 5.2)';

for (const format of ['jwt', 'opaque'] as const) {
  describe(`OpenID Connect claims_locales, ${format} access tokens (OIDC Core 5.2)`, () => {
    it('authorize with claims_locales=de → the token carries it → UserInfo: the callback got [de], name#de kept, malformed tags dropped', async () => {
      const fixture = oidcApp(format);
      const body = await tokensFor(fixture, { claims_locales: 'de' });
      expect(fixture.codes.saved[0]?.claimsLocales).to.deep.equal(['de']);
      const expected = format === 'jwt' ? 'de' : ['de'];
      expect(await carried(fixture, format, body.access_token)).to.deep.equal(expected);

      const res = await userInfo(fixture, body.access_token);
      expect(res.status, res.text).to.equal(200);
      expect(fixture.calls).to.deep.equal([{ subject: 'user-alice', locales: ['de'] }]);
      // OIDC Core 5.2: "name#ja-Kana-JP"; only the scope's claims, with a well-formed tag.
      expect(res.body).to.deep.equal({
        sub: 'user-alice',
        name: 'Alice',
        'name#de': 'Alicia',
        'name#ja-Kana-JP': 'アリス',
        'nickname#de-DE-1996': 'Ali',
      });
      expect(Object.getPrototypeOf(res.body)).to.equal(Object.prototype);
    });

    it('a refresh keeps the locales: the new access token carries them, UserInfo asks with them', async () => {
      const fixture = oidcApp(format);
      const body = await tokensFor(fixture, { claims_locales: 'fr-CA fr' });
      const res = await request(fixture.app)
        .post('/token')
        .type('form')
        .send({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: body.refresh_token });
      expect(res.status, res.text).to.equal(200);
      const expected = format === 'jwt' ? 'fr-CA fr' : ['fr-CA', 'fr'];
      expect(await carried(fixture, format, res.body.access_token)).to.deep.equal(expected);
      // And the rotated refresh token keeps them for the next refresh.
      const next = await request(fixture.app).post('/token').type('form').send({
        grant_type: 'refresh_token',
        client_id: 'spa',
        refresh_token: res.body.refresh_token,
      });
      expect((await userInfo(fixture, next.body.access_token)).status).to.equal(200);
      expect(fixture.calls.map((c) => c.locales)).to.deep.equal([['fr-CA', 'fr']]);
    });

    it('no claims_locales: the callback gets [], the token carries nothing', async () => {
      const fixture = oidcApp(format);
      const body = await tokensFor(fixture, {});
      expect(await carried(fixture, format, body.access_token)).to.equal(undefined);
      expect(fixture.codes.saved[0]).not.to.have.property('claimsLocales');
      await userInfo(fixture, body.access_token);
      expect(fixture.calls).to.deep.equal([{ subject: 'user-alice', locales: [] }]);
    });
  });
}

describe('OpenID Connect claims_locales at the authorization endpoint', () => {
  it('tags are kept in their written form, in order, each once', async () => {
    const fixture = oidcApp();
    await tokensFor(fixture, { claims_locales: 'DE-ch de-ch ja-kana-jp' });
    expect(fixture.codes.saved[0]?.claimsLocales).to.deep.equal(['de-CH', 'ja-Kana-JP']);
  });

  it('ten tags of 35 characters pass', async () => {
    const tag = (i: number) => `de-${String(i).padStart(8, '0')}-abcdefgh-abcdefgh-abcde`;
    const tags = Array.from({ length: 10 }, (_, i) => tag(i));
    expect(tags[0]).to.have.length(35);
    const fixture = oidcApp();
    await tokensFor(fixture, { claims_locales: tags.join(' ') });
    expect(fixture.codes.saved[0]?.claimsLocales).to.have.length(10);
  });

  const BAD: readonly [string, string][] = [
    ['eleven tags', Array.from({ length: 11 }, (_, i) => `de-${i}x`).join(' ')],
    ['a tag of 36 characters', `de-${'abcdefgh-'.repeat(3)}abcdef`],
    ['two spaces', 'de  en'],
    ['a comma', 'de,en'],
    ['markup', 'de <script>'],
    ['__proto__', '__proto__'],
    ['a tab', 'de\ten'],
    ['a leading space', ' de'],
  ];
  for (const [what, value] of BAD) {
    it(`${what} → invalid_request, redirected with state and iss; nothing issued`, async () => {
      const fixture = oidcApp();
      const agent = await signedIn(fixture.app);
      const res = await agent.get(
        authorizePath(spaParams({ scope: 'openid', claims_locales: value })),
      );
      const params = expectErrorRedirect(res, 'invalid_request');
      expect(params.get('error_description')).to.equal(MALFORMED);
      expect(fixture.codes.saved).to.have.length(0);
    });
  }

  it('a repeated claims_locales → invalid_request (RFC 6749 3.1)', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    const query = `${new URLSearchParams(spaParams({ scope: 'openid' }))}&claims_locales=de&claims_locales=en`;
    expectErrorRedirect(await agent.get(`/authorize?${query}`), 'invalid_request');
  });

  it('a request without openid ignores claims_locales, even a malformed one', async () => {
    const fixture = oidcApp();
    const agent = await signedIn(fixture.app);
    const { form } = await consentPage(
      agent,
      spaParams({ scope: 'profile', claims_locales: '!!' }),
    );
    await decide(agent, { ...form, decision: 'allow' });
    expect(fixture.codes.saved[0]).not.to.have.property('claimsLocales');
  });

  it('claims_locales survives the login round trip (the way back is the checked request)', async () => {
    const fixture = oidcApp();
    const agent = request.agent(fixture.app);
    const first = await agent.get(
      authorizePath(spaParams({ scope: 'openid', claims_locales: 'de', junk: 'x'.repeat(100) })),
    );
    expect(first.status).to.equal(302);
    expect(first.headers['location']).to.equal('/login');
    const back = await signIn(agent);
    expect(new URL(back, 'http://x').searchParams.get('claims_locales')).to.equal('de');
    expect(back).not.to.include('junk');
    const { form } = await consentPage(agent, [...new URL(back, 'http://x').searchParams]);
    await decide(agent, { ...form, decision: 'allow' });
    expect(fixture.codes.saved.at(-1)?.claimsLocales).to.deep.equal(['de']);
  });

  it('a pushed request (RFC 9126) keeps claims_locales', async () => {
    const fixture = oidcApp();
    const pushed = await push(
      fixture.app,
      webRequest({ scope: 'openid profile', claims_locales: 'es-419' }),
      ['web', webSecret.secret],
    );
    expect(pushed.status, pushed.text).to.equal(201);
    const agent = await signedIn(fixture.app);
    const { form } = await consentPage(agent, {
      client_id: 'web',
      request_uri: pushed.body.request_uri,
    });
    await decide(agent, { ...form, decision: 'allow' });
    expect(fixture.codes.saved[0]?.claimsLocales).to.deep.equal(['es-419']);
  });

  it('at the push, a malformed claims_locales is a JSON invalid_request', async () => {
    const fixture = oidcApp();
    const res = await push(fixture.app, webRequest({ scope: 'openid', claims_locales: 'de  en' }), [
      'web',
      webSecret.secret,
    ]);
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ error: 'invalid_request', error_description: MALFORMED });
  });
});

describe('OpenID Connect claims_locales_supported (options.openid.claimsLocales)', () => {
  it('a request keeps only offered tags; a tag falls back to its offered language; none left keeps nothing', async () => {
    const fixture = oidcApp('jwt', { claimsLocales: ['en', 'DE', 'ja-Kana-JP'] });
    const body = await tokensFor(fixture, { claims_locales: 'fr de-CH ja-Kana-JP en de' });
    expect(fixture.codes.saved[0]?.claimsLocales).to.deep.equal(['de', 'ja-Kana-JP', 'en']);
    expect(decodeJwt(body.access_token)['claims_locales']).to.equal('de ja-Kana-JP en');

    const none = await tokensFor(fixture, { claims_locales: 'fr it' });
    expect(fixture.codes.saved[1]).not.to.have.property('claimsLocales');
    expect(decodeJwt(none.access_token)).not.to.have.property('claims_locales');
  });

  it('discovery lists them in their written form, only when declared', async () => {
    const fixture = oidcApp('jwt', { claimsLocales: ['en', 'DE-ch', 'en'] });
    const res = await request(fixture.app).get('/.well-known/openid-configuration');
    expect(res.body.claims_locales_supported).to.deep.equal(['en', 'de-CH']);
    const plain = await request(oidcApp().app).get('/.well-known/openid-configuration');
    expect(plain.body).not.to.have.property('claims_locales_supported');
  });

  const BAD: readonly [unknown, string][] = [
    ['de', 'options.openid.claimsLocales must be a non-empty array of at most 100 BCP 47'],
    [[], 'options.openid.claimsLocales must be a non-empty array of at most 100 BCP 47'],
    [
      ['en', 'not a tag'],
      `options.openid.claimsLocales must be a non-empty array of at most 100 BCP 47 language tags (e.g. ['en', 'de', 'ja-Kana-JP']): "not a tag" is not one`,
    ],
    [['__proto__'], '"__proto__" is not one'],
    [[42], '42 is not one'],
  ];
  for (const [value, message] of BAD) {
    it(`claimsLocales ${JSON.stringify(value)} → TypeError`, () => {
      expect(() => oidcApp('jwt', { claimsLocales: value as string[] })).to.throw(
        TypeError,
        message,
      );
    });
  }
});

describe('OpenID Connect claims_locales in a JWT access token, read back', () => {
  /** A token of the server's own key, from a real one's claims with `change` applied. */
  async function forged(fixture: AuthorizeApp, change: Record<string, unknown>): Promise<string> {
    const body = await tokensFor(fixture, { claims_locales: 'de' });
    const claims = { ...decodeJwt(body.access_token), ...change } as unknown as AccessTokenClaims;
    return signAccessToken(fixture.oauth.provider.config.keys, claims);
  }

  it('the re-signed token itself passes (the forgery helper is sound)', async () => {
    const fixture = oidcApp();
    const res = await userInfo(fixture, await forged(fixture, { claims_locales: 'en de' }));
    expect(res.status, res.text).to.equal(200);
    expect(fixture.calls[0]?.locales).to.deep.equal(['en', 'de']);
  });

  const BAD: readonly [string, unknown][] = [
    ['a number', 42],
    ['an array', ['de']],
    ['an empty string', ''],
    ['eleven tags', Array.from({ length: 11 }, (_, i) => `de-${i}x`).join(' ')],
    ['two spaces', 'de  en'],
    ['a malformed tag', 'de <b>'],
  ];
  for (const [what, value] of BAD) {
    it(`claims_locales as ${what} → 401 invalid_token at UserInfo and at protect()`, async () => {
      const fixture = oidcApp();
      const token = await forged(fixture, { claims_locales: value });
      const res = await userInfo(fixture, token);
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({
        error: 'invalid_token',
        error_description: 'the access token is invalid',
      });
      expect(res.headers['www-authenticate']).to.equal(
        'Bearer realm="api", error="invalid_token", error_description="the access token is invalid"',
      );
      expect(fixture.calls).to.have.length(0);
      const api = await request(fixture.app)
        .get('/api/profile')
        .set('Authorization', `Bearer ${token}`);
      expect(api.status).to.equal(401);
    });
  }

  it('a gty other than client_credentials → 401 invalid_token', async () => {
    const fixture = oidcApp();
    const res = await userInfo(fixture, await forged(fixture, { gty: 'authorization_code' }));
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
  });
});

describe('UserInfo refuses client_credentials tokens (OIDC Core 5.3)', () => {
  function machineToken(fixture: AuthorizeApp): request.Test {
    return request(fixture.app)
      .post('/token')
      .type('form')
      .auth('machine', legacySecret.secret)
      .send({ grant_type: 'client_credentials', scope: 'openid profile' });
  }

  for (const format of ['jwt', 'opaque'] as const) {
    it(`${format}: a client_credentials token with openid → 401 invalid_token, the callback never asked`, async () => {
      // OIDC Core 5.3: UserInfo "returns Claims about the authenticated End-User";
      // RFC 6750 3.1 invalid_token: "invalid for other reasons".
      const fixture = oidcApp(format);
      const token = await machineToken(fixture);
      expect(token.status, token.text).to.equal(200);
      expect(token.body.scope).to.equal('openid profile');
      for (const method of ['get', 'post'] as const) {
        const res = await request(fixture.app)
          [method]('/userinfo')
          .set('Authorization', `Bearer ${token.body.access_token}`);
        expect(res.status).to.equal(401);
        expect(res.headers['cache-control']).to.equal('no-store');
        expect(res.body).to.deep.equal({
          error: 'invalid_token',
          error_description: 'the access token is not for an end-user',
        });
        expect(res.headers['www-authenticate']).to.equal(
          'Bearer realm="api", error="invalid_token", error_description="the access token is not for an end-user"',
        );
      }
      expect(fixture.calls).to.have.length(0);
      if (format === 'jwt')
        expect(decodeJwt(token.body.access_token)['gty']).to.equal('client_credentials');
    });
  }

  it('a user whose subject equals a client id is still a user: the check is the grant type', async () => {
    const app = authorizeApp({
      authorize: {
        siteAdapter: {
          currentUser: () => ({ subject: 'machine' }),
          login: () => undefined,
        },
      },
      provider: {
        openid: { claims: () => ({ name: 'A user called machine' }) },
      },
    });
    const agent = request.agent(app.app);
    const { form } = await consentPage(agent, spaParams({ scope: 'openid profile' }));
    const res = await decide(agent, { ...form, decision: 'allow' });
    const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
    const token = (await redeem(app.app, { code })).body as Tokens;
    const info = await userInfo(app, token.access_token);
    expect(info.status, info.text).to.equal(200);
    expect(info.body).to.deep.equal({ sub: 'machine', name: 'A user called machine' });
  });
});
