/**
 * The signing-key rule of OpenID Connect (lib/endpoints/openid/signing-key.ts):
 * the active key signs every id_token, so with `options.openid` on it must be a
 * key clients can verify. OIDC Core 10.1: "the symmetric signing key used is
 * derived from the client_secret value" — an HS256 id_token signed with the
 * server's own secret could be checked by no client.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  createAuthorizationServer,
  generateSigningKey,
  Provider,
  type ProviderOptions,
} from '../../index.js';
import { authorizeApp, ISSUER } from '../support/authorize-app.js';

const HS_SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const openid = { claims: () => ({}) };

function build(options: Partial<ProviderOptions>): Provider {
  return new Provider({ issuer: ISSUER, ...options });
}

function message(kid: string): string {
  return `options.signingKeys: the active key "${kid}" is an HS256 secret, but options.openid signs id_tokens with the active key and clients cannot verify an HS256 id_token (OpenID Connect Core 10.1 keys it with the client's secret); make an asymmetric key (ES256, ES384, EdDSA, RS256 or PS256, e.g. made by \`npx oauth2-stateless keys\`) the first of options.signingKeys or name it in options.activeKeyId`;
}

describe('OpenID Connect: the key that signs id_tokens', () => {
  it('openid with an HS256 active key is a TypeError naming the key and the fix', () => {
    expect(() => build({ openid, signingKeys: [{ secret: HS_SECRET, kid: 'hs-1' }] }))
      .to.throw(TypeError)
      .with.property('message', message('hs-1'));
  });

  it('an HS256 key made active by activeKeyId is refused the same way', () => {
    const es = generateSigningKey('ES256');
    expect(() =>
      build({
        openid,
        signingKeys: [es, { secret: HS_SECRET, kid: 'hs-2' }],
        activeKeyId: 'hs-2',
      }),
    ).to.throw(TypeError, message('hs-2'));
  });

  it('createAuthorizationServer refuses it too (the same check)', () => {
    expect(() =>
      createAuthorizationServer({
        issuer: ISSUER,
        openid,
        signingKeys: [{ secret: HS_SECRET, kid: 'hs-3' }],
      }),
    ).to.throw(TypeError, message('hs-3'));
  });

  it('without openid an HS256 key still signs access tokens (OAuth only)', () => {
    const provider = build({ signingKeys: [{ secret: HS_SECRET, kid: 'hs-4' }] });
    expect(provider.config.keys.active.alg).to.equal('HS256');
  });

  it('an asymmetric active key with a retired HS256 key beside it is accepted; only it is advertised and published', async () => {
    const es = generateSigningKey('ES256');
    const fixture = authorizeApp({
      provider: { openid, signingKeys: [es, { secret: HS_SECRET, kid: 'old-hs' }] },
    });
    const discovery = await request(fixture.app).get('/.well-known/openid-configuration');
    expect(discovery.status).to.equal(200);
    expect(discovery.body.id_token_signing_alg_values_supported).to.deep.equal(['ES256']);
    const jwks = await request(fixture.app).get('/jwks');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).to.deep.equal([es.kid]);
  });

  it('the default (an ephemeral ES256 key) works with openid', () => {
    expect(build({ openid }).config.keys.active.alg).to.equal('ES256');
  });
});
