/**
 * The client_credentials grant, driven through the engine (`provider.token`)
 * without HTTP: scopes, unique tokens, per-grant lifetimes and the RFC 9068 JWT.
 */
import { expect } from 'chai';
import { Provider, type EngineResponse, type ProviderOptions } from '../../index.js';
import {
  frozenClock,
  ISSUER,
  providerOptions,
  secrets,
  type FrozenClock,
} from '../support/fixtures.js';
import { basic, expectError, expectTokens } from '../support/engine.js';

const SERVICE = basic('service', secrets.service.secret);

/** The decoded header and payload of a compact JWS (not verified). */
function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const parts = token.split('.');
  expect(parts, 'a compact JWS has three parts').to.have.length(3);
  const decode = (part: string | undefined): Record<string, unknown> =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(parts[0]), payload: decode(parts[1]) };
}

describe('client_credentials grant (engine)', () => {
  let clock: FrozenClock;
  let provider: Provider;
  const make = (overrides: Partial<ProviderOptions> = {}): Provider =>
    new Provider(providerOptions({ clock, ...overrides }));
  const request = (scope?: string, authorization = SERVICE): Promise<EngineResponse> =>
    provider.token({
      params:
        scope === undefined
          ? { grant_type: 'client_credentials' }
          : { grant_type: 'client_credentials', scope },
      authorization,
    });

  beforeEach(() => {
    clock = frozenClock();
    provider = make();
  });

  describe('scope', () => {
    it("grants the server's default scope when the request names none, and no refresh token", async () => {
      // RFC 6749 3.3: "If the client omits the scope parameter when requesting authorization, the
      // authorization server MUST either process the request using a pre-defined default value or fail
      // the request indicating an invalid scope."
      // RFC 6749 4.4.3: "A refresh token SHOULD NOT be included."
      const body = expectTokens(await request());
      expect(body.scope).to.equal('read');
      expect(body.token_type).to.equal('Bearer');
      expect(body).to.not.have.property('refresh_token');
      const info = await provider.verifyAccessToken(body.access_token);
      expect(info.subject).to.equal('service');
      expect(info.scope).to.deep.equal(['read']);
    });

    it('grants a requested scope the client may use', async () => {
      expect(expectTokens(await request('read write')).scope).to.equal('read write');
    });

    it('refuses a scope the client may not use (invalid_scope)', async () => {
      // RFC 6749 5.2, invalid_scope: "The requested scope is invalid, unknown, malformed, or exceeds the
      // scope granted by the resource owner."
      expectError(await request('profile'), 400, 'invalid_scope');
      expectError(await request('read profile'), 400, 'invalid_scope');
    });

    it('refuses an unknown scope (invalid_scope)', async () => {
      expectError(await request('admin'), 400, 'invalid_scope');
    });

    it('refuses a malformed scope (invalid_scope)', async () => {
      // RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
      expectError(await request('read"'), 400, 'invalid_scope');
      expectError(await request('re\\ad'), 400, 'invalid_scope');
    });
  });

  it('refuses a client not registered for the grant (unauthorized_client)', async () => {
    // RFC 6749 5.2, unauthorized_client: "The authenticated client is not authorized to use this
    // authorization grant type."
    const res = await provider.token({
      params: { grant_type: 'client_credentials', client_id: 'spa' },
    });
    expectError(res, 400, 'unauthorized_client');
  });

  describe('uniqueTokens', () => {
    beforeEach(() => {
      // Unique tokens need a record per token: allow-list JWTs.
      provider = make({
        accessToken: { revocation: 'allow-list' },
        grants: { clientCredentials: { uniqueTokens: true } },
      });
    });

    it('hands out the same live access token again, with the remaining lifetime', async () => {
      const a = expectTokens(await request());
      expect(a.expires_in).to.equal(3600);
      clock.advance(100);
      const b = expectTokens(await request());
      expect(b.access_token).to.equal(a.access_token);
      expect(b.expires_in).to.equal(3500);
      expect(b.scope).to.equal('read');
      expect((await provider.verifyAccessToken(b.access_token)).subject).to.equal('service');
    });

    it('makes a different token for a different scope', async () => {
      const a = expectTokens(await request('read'));
      const b = expectTokens(await request('read write'));
      expect(b.access_token).to.not.equal(a.access_token);
      expect(b.scope).to.equal('read write');
      // Order does not matter: the same scope set finds the same token.
      expect(expectTokens(await request('write read')).access_token).to.equal(b.access_token);
    });

    it('makes a new token once the old one expired', async () => {
      const a = expectTokens(await request());
      clock.advance(3600);
      const b = expectTokens(await request());
      expect(b.access_token).to.not.equal(a.access_token);
      expect(b.expires_in).to.equal(3600);
    });
  });

  it('makes a new token for each request without uniqueTokens', async () => {
    const a = expectTokens(await request());
    const b = expectTokens(await request());
    expect(b.access_token).to.not.equal(a.access_token);
  });

  it('uses the per-grant accessTokenLifetime for expires_in and the exp claim', async () => {
    provider = make({ grants: { clientCredentials: { accessTokenLifetime: 300 } } });
    const body = expectTokens(await request());
    expect(body.expires_in).to.equal(300);
    const { payload } = decodeJwt(body.access_token);
    const now = Math.floor(clock() / 1000);
    expect(payload['iat']).to.equal(now);
    expect(payload['exp']).to.equal(now + 300);
  });

  it('issues an RFC 9068 JWT access token', async () => {
    // RFC 9068 2.1: "the "typ" value used SHOULD be "at+jwt"."
    // RFC 9068 2.2: iss, exp, aud, sub, client_id, iat and jti are REQUIRED; "In cases of access tokens
    // obtained through grants where no resource owner is involved, such as the client credentials
    // grant, the value of "sub" SHOULD correspond to an identifier the authorization server uses to
    // indicate the client application."
    const body = expectTokens(await request('read write'));
    const { header, payload } = decodeJwt(body.access_token);
    expect(header['typ']).to.equal('at+jwt');
    expect(header['alg']).to.equal('ES256');
    expect(header['kid']).to.be.a('string');
    const kids = provider.jwks().keys.map((k) => (k as { kid?: string }).kid);
    expect(kids).to.include(header['kid']);

    const now = Math.floor(clock() / 1000);
    expect(payload['iss']).to.equal(ISSUER);
    expect(payload['sub']).to.equal('service');
    expect(payload['aud']).to.equal(ISSUER);
    expect(payload['client_id']).to.equal('service');
    expect(payload['scope']).to.equal('read write');
    expect(payload['jti']).to.be.a('string').and.not.equal('');
    expect(payload['iat']).to.equal(now);
    expect(payload['exp']).to.equal(now + 3600);
  });

  it('gives every JWT its own jti', async () => {
    const a = decodeJwt(expectTokens(await request()).access_token).payload;
    const b = decodeJwt(expectTokens(await request()).access_token).payload;
    expect(a['jti']).to.not.equal(b['jti']);
  });
});
