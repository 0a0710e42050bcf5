/**
 * Authorization server metadata (RFC 8414) and the JWKS document (RFC 7517),
 * served by router() on a real Express app.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import express from 'express';
import { decodeProtectedHeader } from 'jose';
import request from 'supertest';
import {
  createAuthorizationServer,
  generateSigningKey,
  importSigningKey,
  METADATA_PATH,
  type ProviderOptions,
} from '../../index.js';
import { frozenClock, ISSUER, secrets, testApp } from '../support/fixtures.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function app(overrides: Partial<ProviderOptions> = {}): express.Express {
  return testApp({ clock: frozenClock(), ...overrides }).app;
}

async function metadata(server: express.Express): Promise<Record<string, unknown>> {
  const res = await request(server).get(METADATA_PATH);
  expect(res.status).to.equal(200);
  expect(res.headers['content-type']).to.match(/^application\/json/);
  return res.body as Record<string, unknown>;
}

async function serviceToken(server: express.Express, path = '/token'): Promise<string> {
  const res = await request(server)
    .post(path)
    .auth('service', secrets.service.secret)
    .type('form')
    .send({ grant_type: 'client_credentials' });
  expect(res.status).to.equal(200);
  return res.body.access_token as string;
}

describe('metadata (RFC 8414) and JWKS', () => {
  describe('the metadata document', () => {
    it('is served at /.well-known/oauth-authorization-server', () => {
      expect(METADATA_PATH).to.equal('/.well-known/oauth-authorization-server');
    });

    // RFC 8414 2: "issuer REQUIRED. The authorization server's issuer identifier, which is a
    // URL that uses the "https" scheme and has no query or fragment components."
    // RFC 8414 3.3: "The "issuer" value returned MUST be identical to the authorization server's
    // issuer identifier value into which the well-known URI string was inserted"
    it('names the issuer and the endpoints as absolute URLs under it', async () => {
      const doc = await metadata(app());
      expect(doc).to.include({
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/token`,
        revocation_endpoint: `${ISSUER}/revoke`,
        introspection_endpoint: `${ISSUER}/introspect`,
        jwks_uri: `${ISSUER}/jwks`,
      });
      for (const name of [
        'token_endpoint',
        'revocation_endpoint',
        'introspection_endpoint',
        'jwks_uri',
      ]) {
        const url = new URL(doc[name] as string);
        expect(url.protocol).to.equal('https:');
        expect(`${url.origin}${url.pathname}`.startsWith(`${ISSUER}/`)).to.equal(true);
      }
    });

    it('a trailing slash on the configured issuer is dropped, so no "//" appears in URLs', async () => {
      const doc = await metadata(app({ issuer: `${ISSUER}/` }));
      expect(doc['issuer']).to.equal(ISSUER);
      expect(doc['token_endpoint']).to.equal(`${ISSUER}/token`);
    });

    // RFC 8414 2: "grant_types_supported OPTIONAL. JSON array containing a list of the OAuth 2.0
    // grant type values that this authorization server supports."
    it('grant_types_supported lists exactly the enabled grants (password on)', async () => {
      const doc = await metadata(app());
      expect(doc['grant_types_supported']).to.have.members([
        'authorization_code',
        'client_credentials',
        'refresh_token',
        'password',
      ]);
      expect(doc['grant_types_supported']).to.have.length(4);
      expect(doc['response_types_supported']).to.deep.equal(['code']);
    });

    it('grant_types_supported lists exactly the enabled grants (password off, default)', async () => {
      const doc = await metadata(app({ grants: {} }));
      expect(doc['grant_types_supported']).to.have.members([
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);
      expect(doc['grant_types_supported']).to.have.length(3);
    });

    it('grant_types_supported follows grants switched off', async () => {
      const doc = await metadata(
        app({ grants: { authorizationCode: false, refreshToken: false } }),
      );
      expect(doc['grant_types_supported']).to.deep.equal(['client_credentials']);
      expect(doc['response_types_supported']).to.deep.equal([]);
    });

    // RFC 8414 2: "authorization_endpoint URL of the authorization server's authorization
    // endpoint [RFC6749]. This is REQUIRED unless no grant types are supported that use the
    // authorization endpoint."
    it('authorization_endpoint is given when the authorization_code grant is enabled', async () => {
      const doc = await metadata(app());
      expect(doc['authorization_endpoint']).to.equal(`${ISSUER}/authorize`);
    });

    it('scopes_supported and the client authentication methods', async () => {
      const doc = await metadata(app());
      expect(doc['scopes_supported']).to.deep.equal(['read', 'write', 'profile']);
      const confidential = [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'client_secret_jwt',
      ];
      expect(doc['token_endpoint_auth_methods_supported']).to.have.members([
        ...confidential,
        'none',
      ]);
      expect(doc['revocation_endpoint_auth_methods_supported']).to.have.members([
        ...confidential,
        'none',
      ]);
      // introspection refuses public clients, so "none" is not offered there
      expect(doc['introspection_endpoint_auth_methods_supported']).to.have.members(confidential);
    });

    // RFC 8414 2: "token_endpoint_auth_signing_alg_values_supported ... This metadata entry MUST
    // be present if either of these authentication methods are specified in the
    // "token_endpoint_auth_methods_supported" entry. ... The value "none" MUST NOT be used."
    it('lists the signing algorithms of private_key_jwt and client_secret_jwt, never none', async () => {
      const doc = await metadata(app());
      const algs = [
        ...['RS', 'PS', 'ES'].flatMap((f) => [`${f}256`, `${f}384`, `${f}512`]),
        'EdDSA',
        'Ed25519',
        'HS256',
        'HS384',
        'HS512',
      ];
      for (const prefix of ['token', 'revocation', 'introspection']) {
        const member = `${prefix}_endpoint_auth_signing_alg_values_supported`;
        expect(doc[member], member).to.have.members(algs);
      }
    });

    // RFC 8414 2: "code_challenge_methods_supported OPTIONAL. JSON array containing a list of
    // Proof Key for Code Exchange (PKCE) [RFC7636] code challenge methods supported by this
    // authorization server."
    it("code_challenge_methods_supported is ['S256'], or ['S256', 'plain'] with pkce.allowPlain", async () => {
      expect((await metadata(app()))['code_challenge_methods_supported']).to.deep.equal(['S256']);
      expect(
        (await metadata(app({ pkce: { allowPlain: true } })))['code_challenge_methods_supported'],
      ).to.deep.equal(['S256', 'plain']);
    });

    it('is cacheable by anyone (Cache-Control public) and readable cross-origin', async () => {
      const res = await request(app()).get(METADATA_PATH);
      expect(res.headers['cache-control']).to.equal('public, max-age=3600');
      expect(res.headers['access-control-allow-origin']).to.equal('*');
    });

    it('POST → 405 with Allow: GET, HEAD', async () => {
      const res = await request(app()).post(METADATA_PATH);
      expect(res.status).to.equal(405);
      expect(res.headers['allow']).to.equal('GET, HEAD');
    });

    it('custom endpoint paths are reflected and actually served by router()', async () => {
      const server = app({
        endpoints: {
          token: '/oauth/token',
          revocation: '/oauth/revoke',
          introspection: '/oauth/introspect',
          jwks: '/keys.json',
        },
      });
      const doc = await metadata(server);
      expect(doc).to.include({
        token_endpoint: `${ISSUER}/oauth/token`,
        revocation_endpoint: `${ISSUER}/oauth/revoke`,
        introspection_endpoint: `${ISSUER}/oauth/introspect`,
        jwks_uri: `${ISSUER}/keys.json`,
      });
      const path = (name: string): string => new URL(doc[name] as string).pathname;
      const token = await serviceToken(server, path('token_endpoint'));
      const active = await request(server)
        .post(path('introspection_endpoint'))
        .auth('rs', secrets.rs.secret)
        .type('form')
        .send({ token });
      expect(active.status).to.equal(200);
      expect(active.body.active).to.equal(true);
      const revoked = await request(server)
        .post(path('revocation_endpoint'))
        .auth('service', secrets.service.secret)
        .type('form')
        .send({ token });
      expect(revoked.status).to.equal(200);
      const keys = await request(server).get(path('jwks_uri'));
      expect(keys.status).to.equal(200);
      expect(keys.body.keys).to.have.length(1);
      // the default paths are no longer served
      expect(
        (
          await request(server)
            .post('/token')
            .type('form')
            .send({ grant_type: 'client_credentials' })
        ).status,
      ).to.equal(404);
      expect((await request(server).get('/jwks')).status).to.equal(404);
    });
  });

  describe('JWKS', () => {
    it('the default key: public members only, with kid, alg and use "sig"', async () => {
      const res = await request(app()).get('/jwks');
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.equal('public, max-age=300');
      expect(res.body.keys).to.have.length(1);
      const [jwk] = res.body.keys as Record<string, unknown>[];
      expect(jwk).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(jwk?.['kid']).to.be.a('string').and.not.equal('');
      for (const member of PRIVATE_MEMBERS) expect(jwk).not.to.have.property(member);
    });

    it('several signing keys: all asymmetric ones are published without private members; activeKeyId signs', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
      const es = generateSigningKey('ES256');
      const ed = generateSigningKey('EdDSA');
      const rs = importSigningKey({ pem: rsa, alg: 'RS256', kid: 'rsa-2026' });
      const hmac = { secret: 'this-shared-secret-is-32-bytes-long!', kid: 'hmac' };
      const server = app({ signingKeys: [es, ed, rs, hmac], activeKeyId: 'rsa-2026' });

      const res = await request(server).get('/jwks');
      expect(res.status).to.equal(200);
      const keys = res.body.keys as Record<string, unknown>[];
      expect(keys.map((k) => k['kid'])).to.have.members([es.kid, ed.kid, 'rsa-2026']);
      expect(keys.map((k) => k['alg'])).to.have.members(['ES256', 'EdDSA', 'RS256']);
      for (const jwk of keys) {
        expect(jwk['use']).to.equal('sig');
        for (const member of PRIVATE_MEMBERS)
          expect(jwk, `${String(jwk['kid'])} has ${member}`).not.to.have.property(member);
      }
      expect(JSON.stringify(res.body)).not.to.contain(hmac.secret);

      const token = await serviceToken(server);
      expect(decodeProtectedHeader(token)).to.include({
        kid: 'rsa-2026',
        alg: 'RS256',
        typ: 'at+jwt',
      });
      const api = await request(server).get('/api/read').set('Authorization', `Bearer ${token}`);
      expect(api.status).to.equal(200);
    });

    it('without activeKeyId the first key signs', async () => {
      const first = generateSigningKey('ES384');
      const second = generateSigningKey('ES256');
      const server = app({ signingKeys: [first, second] });
      expect(decodeProtectedHeader(await serviceToken(server))).to.include({
        kid: first.kid,
        alg: 'ES384',
      });
    });

    it('an HS256-secret provider publishes an empty key set and its tokens still verify at protect()', async () => {
      const server = app({ signingKeys: [{ secret: 'a-32-byte-or-longer-shared-secret!!' }] });
      const res = await request(server).get('/jwks');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ keys: [] });
      const token = await serviceToken(server);
      expect(decodeProtectedHeader(token)).to.include({ alg: 'HS256', typ: 'at+jwt' });
      const api = await request(server).get('/api/read').set('Authorization', `Bearer ${token}`);
      expect(api.status).to.equal(200);
      expect(api.body).to.deep.equal({ sub: 'service', client_id: 'service', scope: ['read'] });
    });
  });
});

describe('metadata location (RFC 8414 3)', () => {
  // RFC 8414 3: "...the well-known URI string is inserted into the authorization server's
  // issuer identifier between the host component and the path component, if any."
  it('is /.well-known/oauth-authorization-server for an issuer without a path', () => {
    expect(
      createAuthorizationServer({ issuer: 'https://auth.example.test' }).metadataPath,
    ).to.equal('/.well-known/oauth-authorization-server');
    expect(
      createAuthorizationServer({ issuer: 'https://auth.example.test/' }).metadataPath,
    ).to.equal('/.well-known/oauth-authorization-server');
  });

  it('puts the issuer path after the well-known string, and serves the document there when mounted', async () => {
    const oauth = createAuthorizationServer({ issuer: 'https://example.test/tenant/a' });
    expect(oauth.metadataPath).to.equal('/.well-known/oauth-authorization-server/tenant/a');
    const app = express();
    app.use('/tenant/a', oauth.router());
    app.get(oauth.metadataPath, oauth.metadata());
    const res = await request(app).get('/.well-known/oauth-authorization-server/tenant/a');
    expect(res.status).to.equal(200);
    expect(res.body.issuer).to.equal('https://example.test/tenant/a');
    expect(res.body.token_endpoint).to.equal('https://example.test/tenant/a/token');
    const token = await request(app)
      .post('/tenant/a/token')
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(token.status).to.equal(401);
  });
});
