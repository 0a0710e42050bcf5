/**
 * openid-client (a client library written by others) authenticates with
 * `client.PrivateKeyJwt(privateKey)` and `client.ClientSecretJwt(secret)` at an
 * app of this test's own, for client_credentials; an assertion sent twice (a
 * fixed `jti`) is refused the second time.
 */
import { expect } from 'chai';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { createAuthorizationServer } from '../../index.js';
import { HMAC_SECRET, keyPair, type KeyPair } from './jwt-support.js';

describe('JWT client authentication with openid-client', function () {
  this.timeout(20_000);
  let server: Server;
  let issuer: string;
  let key: KeyPair;

  before(async () => {
    key = await keyPair('ES256', 'oc-1');
    let app: express.Express | undefined;
    server = createServer((req, res) => app?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const oauth = createAuthorizationServer({
      issuer,
      scopes: { available: ['read'], default: ['read'] },
      clients: [
        {
          id: 'signer',
          tokenEndpointAuthMethods: ['private_key_jwt'],
          jwks: { keys: [key.publicJwk] },
          grantTypes: ['client_credentials'],
        },
        {
          id: 'hmac',
          tokenEndpointAuthMethods: ['client_secret_jwt'],
          jwtSecret: HMAC_SECRET,
          grantTypes: ['client_credentials'],
        },
      ],
    });
    app = express().use(oauth.router());
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function discover(id: string, auth: client.ClientAuth): Promise<client.Configuration> {
    return client.discovery(new URL(issuer), id, undefined, auth, {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
  }

  it('the metadata lists private_key_jwt and its algorithms', async () => {
    const config = await discover('signer', client.PrivateKeyJwt(key.privateKey));
    const metadata = config.serverMetadata();
    expect(metadata.token_endpoint_auth_methods_supported).to.include('private_key_jwt');
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).to.include('ES256');
  });

  it('PrivateKeyJwt: client_credentials gives a token, twice (a fresh jti each time)', async () => {
    const config = await discover('signer', client.PrivateKeyJwt(key.privateKey));
    for (let i = 0; i < 2; i++) {
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
      expect(tokens.token_type.toLowerCase()).to.equal('bearer');
      expect(tokens.scope).to.equal('read');
    }
  });

  it('ClientSecretJwt: client_credentials gives a token', async () => {
    const config = await discover('hmac', client.ClientSecretJwt(HMAC_SECRET));
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens.access_token).to.be.a('string');
  });

  it('a replayed assertion (the same jti) is refused: invalid_client', async () => {
    const jti = `fixed-${Date.now()}`;
    const auth = client.PrivateKeyJwt(key.privateKey, {
      [client.modifyAssertion]: (_header, payload) => {
        payload.jti = jti;
      },
    });
    const config = await discover('signer', auth);
    await client.clientCredentialsGrant(config);
    const error = await client.clientCredentialsGrant(config).then(
      () => expect.fail('the replay was accepted'),
      (err: unknown) => err as client.ResponseBodyError,
    );
    expect(error).to.be.instanceOf(client.ResponseBodyError);
    expect(error.status).to.equal(400);
    expect(error.error).to.equal('invalid_client');
    expect(error.error_description).to.equal('client authentication failed');
  });
});
