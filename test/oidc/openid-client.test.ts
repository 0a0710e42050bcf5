/**
 * openid-client 6 in its default OpenID Connect discovery mode (no `algorithm`:
 * it reads `/.well-known/openid-configuration`) completes a code flow with a
 * nonce, validates the id_token (signature from jwks_uri, iss, aud, nonce) and
 * reads UserInfo.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import * as client from 'openid-client';
import { createAuthorizationServer } from '../../index.js';
import { providerOptions } from '../support/fixtures.js';

describe('OpenID Connect with openid-client (default discovery)', function () {
  this.timeout(20_000);
  let server: Server;
  let issuer: string;
  let lastCode = '';

  before(async () => {
    const app = express();
    server = createServer((req, res) => app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const oauth = createAuthorizationServer(
      providerOptions({
        issuer,
        clients: [
          {
            id: 'rp',
            tokenEndpointAuthMethods: ['none'],
            redirectUris: ['http://127.0.0.1/cb'],
          },
        ],
        scopes: { available: ['profile', 'email'] },
        openid: {
          claims: () => ({ name: 'Alice', email: 'alice@example.com', email_verified: true }),
        },
      }),
    );
    app.use(oauth.router({ authorize: false }));
    // Stands in for the consent step: issues a code as the authorization endpoint would.
    app.get('/test/code', async (req, res) => {
      const q = req.query as Record<string, string>;
      const { code } = await oauth.provider.issueAuthorizationCode({
        client: (await oauth.provider.stores.clients.find('rp'))!,
        subject: 'user-7a1ce',
        scope: q['scope']!.split(' '),
        redirectUri: 'http://127.0.0.1/cb',
        codeChallenge: q['code_challenge'],
        nonce: q['nonce'],
        authTime: 1_700_000_000,
      });
      lastCode = code;
      res.end();
    });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('discovers, redeems with expectedNonce, validates the id_token and reads UserInfo', async () => {
    const config = await client.discovery(new URL(issuer), 'rp', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().userinfo_endpoint).to.equal(`${issuer}/userinfo`);
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const nonce = client.randomNonce();
    const scope = 'openid profile email';
    await fetch(
      `${issuer}/test/code?${new URLSearchParams({ scope, code_challenge: challenge, nonce })}`,
    );
    const callback = new URL(
      `http://127.0.0.1/cb?code=${lastCode}&iss=${encodeURIComponent(issuer)}`,
    );
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).to.equal('user-7a1ce');
    expect(claims.nonce).to.equal(nonce);
    expect(claims.auth_time).to.equal(1_700_000_000);
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).to.deep.equal({
      sub: 'user-7a1ce',
      name: 'Alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  });
});
