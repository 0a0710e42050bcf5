/**
 * openid-client 6 drives DPoP at the token endpoint (RFC 9449 5): it reads
 * `dpop_signing_alg_values_supported`, sends proofs with its own DPoP handle,
 * follows `use_dpop_nonce` with the server's `DPoP-Nonce`, and gets DPoP-bound
 * tokens whose `cnf.jkt` is its key's thumbprint.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as client from 'openid-client';
import { createAuthorizationServer, type ProviderOptions } from '../../index.js';
import { providerOptions, secrets } from '../support/fixtures.js';
import { jwtClaims } from './token-support.js';

describe('DPoP at the token endpoint with openid-client', function () {
  this.timeout(20_000);
  let server: Server;
  let app: express.Express = express();
  let issuer: string;

  before(async () => {
    server = createServer((req, res) => app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function configure(overrides: Partial<ProviderOptions> = {}) {
    const oauth = createAuthorizationServer(providerOptions({ issuer, ...overrides }));
    app = express();
    app.use(oauth.router());
    return client.discovery(new URL(issuer), 'service', secrets.service.secret, undefined, {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
  }

  async function thumbprint(keyPair: client.CryptoKeyPair): Promise<string> {
    return calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
  }

  it('discovers dpop_signing_alg_values_supported', async () => {
    const config = await configure();
    expect(config.serverMetadata().dpop_signing_alg_values_supported).to.include('ES256');
  });

  it('gets a DPoP-bound token with clientCredentialsGrant and getDPoPHandle', async () => {
    const config = await configure();
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    expect(tokens.token_type).to.equal('dpop');
    expect(jwtClaims(tokens.access_token)['cnf']).to.deep.equal({
      jkt: await thumbprint(keyPair),
    });
  });

  it('retries on use_dpop_nonce with the DPoP-Nonce it was given (server nonces on)', async () => {
    const config = await configure({ dpop: { nonces: { secret: 's'.repeat(32) } } });
    const keyPair = await client.randomDPoPKeyPair('PS256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    // openid-client retries once by itself with the DPoP-Nonce of the use_dpop_nonce answer.
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    expect(tokens.token_type).to.equal('dpop');
    expect(jwtClaims(tokens.access_token)['cnf']).to.deep.equal({
      jkt: await thumbprint(keyPair),
    });
  });

  // openid-client's EdDSA key pair signs with the RFC 9864 name "Ed25519", not "EdDSA".
  it('takes openid-client EdDSA proofs, signed as alg Ed25519 (RFC 9864)', async () => {
    const config = await configure();
    const keyPair = await client.randomDPoPKeyPair('EdDSA');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
    expect(tokens.token_type).to.equal('dpop');
    expect(jwtClaims(tokens.access_token)['cnf']).to.deep.equal({
      jkt: await thumbprint(keyPair),
    });
  });

  it('gets a Bearer token without a DPoP handle', async () => {
    const config = await configure();
    const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
    expect(tokens.token_type).to.equal('bearer');
  });
});
