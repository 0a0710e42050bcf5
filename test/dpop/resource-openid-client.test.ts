/**
 * openid-client's DPoP against protect(), over HTTP: a DPoP-bound token from the
 * token endpoint, then `fetchProtectedResource` with a proof per request, with and
 * without server nonces (openid-client retries once on `use_dpop_nonce`, which it
 * reads from the `DPoP` challenge next to the Bearer one). The client calls the
 * public https URLs; a custom fetch carries them to the app on a loopback port,
 * as a reverse proxy would: `htu` is checked against the configured origin, never
 * against the Host the app sees.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import * as client from 'openid-client';
import { ISSUER, secrets } from '../support/fixtures.js';
import { dpopApp, type DpopSetup } from './resource-support.js';

async function serve(setup: DpopSetup): Promise<{ server: Server; base: string }> {
  const server = createServer(setup.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The status and path of every answer the client got, in order. */
const seen: string[] = [];

/** A configuration of `service` whose requests to ISSUER go to `base` (the "proxy"). */
function configuration(base: string): client.Configuration {
  const config = new client.Configuration(
    { issuer: ISSUER, token_endpoint: `${ISSUER}/token` },
    'service',
    secrets.service.secret,
    client.ClientSecretBasic(secrets.service.secret),
  );
  config[client.customFetch] = async (url, options) => {
    const res = await fetch(url.replace(ISSUER, base), options);
    seen.push(`${res.status} ${new URL(url).pathname}`);
    return res;
  };
  client.allowInsecureRequests(config);
  return config;
}

for (const nonces of [false, true]) {
  describe(`openid-client fetchProtectedResource with DPoP at protect() (nonces ${nonces ? 'on' : 'off'})`, () => {
    let setup: DpopSetup;
    let server: Server;
    let base: string;
    before(async () => {
      // openid-client signs proofs at the real time: the provider's clock must be the real one.
      const clock = () => Date.now();
      setup = dpopApp(nonces ? { clock, dpop: { nonces: true } } : { clock });
      ({ server, base } = await serve(setup));
    });
    after(() => server.close());

    it('a bound token opens the route with a proof per request; the same token as Bearer is refused', async () => {
      const config = configuration(base);
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const DPoP = client.getDPoPHandle(config, keyPair);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'read' }, { DPoP });
      expect(tokens.token_type).to.equal('dpop');
      const url = new URL(`${ISSUER}/api/token`);
      for (let i = 0; i < 3; i++) {
        const res = await client.fetchProtectedResource(
          config,
          tokens.access_token,
          url,
          'GET',
          undefined,
          undefined,
          { DPoP },
        );
        expect(res.status, `request ${i + 1}`).to.equal(200);
        expect(((await res.json()) as { dpop?: boolean }).dpop).to.equal(true);
      }
      // RFC 9449 9: with nonces, the resource's first answer to a proof without one is 401
      // use_dpop_nonce; the client retries once with the DPoP-Nonce it got.
      seen.length = 0;
      const fresh = client.getDPoPHandle(config, keyPair);
      const again = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        url,
        'GET',
        undefined,
        undefined,
        { DPoP: fresh },
      );
      expect(again.status).to.equal(200);
      expect(seen).to.deep.equal(
        nonces ? ['401 /api/token', '200 /api/token'] : ['200 /api/token'],
      );
      const stolen = await fetch(`${base}/api/token`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(stolen.status).to.equal(401);
      const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
      await client
        .fetchProtectedResource(config, tokens.access_token, url, 'GET', undefined, undefined, {
          DPoP: thief,
        })
        .then(
          (res) => expect(res.status).to.equal(401),
          (err: { status?: number }) => expect(err.status).to.equal(401),
        );
    });
  });
}
