/**
 * `private_key_jwt` with a `jwks_uri` (RFC 7591 2): the set fetched with the
 * library's guarded JSON GET (the SSRF rules of Client ID Metadata Documents),
 * cached, fetched again on an unknown `kid` at most once a minute per client,
 * and every fetch refusal an `invalid_client` with its private reason.
 */
import { expect } from 'chai';
import type { JWK } from 'jose';
import type { ProviderOptions } from '../../index.js';
import {
  documentServer,
  testCertificate,
  type DocumentServer,
} from '../client-id-documents/document-server.js';
import { expectOAuthError, expectTokenResponse } from '../http/token-assertions.js';
import {
  assertionParams,
  jwtHarness,
  keyPair,
  signAssertion,
  type JwtHarness,
  type KeyPair,
} from './jwt-support.js';

const PATH = '/jwks.json';

describe('private_key_jwt with a jwks_uri', () => {
  let server: DocumentServer;
  let key: KeyPair;
  before(async () => {
    server = await documentServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    key = await keyPair('ES256', 'u-1');
    server.json(PATH, { keys: [key.publicJwk] });
    server.seen.length = 0;
  });

  /** A harness whose `jwt-uri` client's keys are at the test server. */
  async function harness(allowPrivateAddresses = true, path = PATH): Promise<JwtHarness> {
    const overrides: Partial<ProviderOptions> = {
      clientAssertions: { jwksUri: { allowPrivateAddresses, ca: testCertificate().cert } },
    };
    return jwtHarness({
      ...overrides,
      clients: [
        {
          id: 'jwt-uri',
          tokenEndpointAuthMethods: ['private_key_jwt'],
          jwksUri: server.url(path),
          grantTypes: ['client_credentials'],
        },
      ],
    });
  }

  function assertion(h: JwtHarness, signer = key, kid = signer.publicJwk.kid): Promise<string> {
    return signAssertion({
      clientId: 'jwt-uri',
      key: signer.privateKey,
      alg: 'ES256',
      kid,
      now: h.clock(),
    });
  }

  async function refusal(h: JwtHarness, value: string): Promise<string | undefined> {
    const res = await h.token(assertionParams(value));
    expectOAuthError(res, 400, 'invalid_client', { description: 'client authentication failed' });
    await h.settle();
    return h.failures.at(-1)?.reason;
  }

  it('fetches the set once and keeps it; the request asks for a JWK Set, as this library', async () => {
    const h = await harness();
    expectTokenResponse(await h.token(assertionParams(await assertion(h))));
    expectTokenResponse(await h.token(assertionParams(await assertion(h))));
    expect(server.hits(PATH)).to.equal(1);
    const [seen] = server.seen;
    expect(seen?.headers['accept']).to.equal('application/json, application/jwk-set+json');
    expect(seen?.headers['user-agent']).to.equal('oauth2-stateless (client jwks_uri)');
    expect(seen?.headers['cookie']).to.equal(undefined);
  });

  it('accepts a set served as application/jwk-set+json (RFC 7517 8.5.1)', async () => {
    server.route(PATH, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
    });
    const h = await harness();
    expectTokenResponse(await h.token(assertionParams(await assertion(h))));
  });

  it('an unknown kid fetches the set again once: a rotated key is found', async () => {
    const h = await harness();
    expectTokenResponse(await h.token(assertionParams(await assertion(h))));
    const rotated = await keyPair('ES256', 'u-2');
    server.json(PATH, { keys: [key.publicJwk, rotated.publicJwk] });
    expectTokenResponse(await h.token(assertionParams(await assertion(h, rotated))));
    expect(server.hits(PATH)).to.equal(2);
  });

  it('an unknown kid is refused, and refetches at most once a minute per client', async () => {
    const h = await harness();
    const stranger = await keyPair('ES256', 'nobody');
    for (let i = 0; i < 5; i++)
      expect(await refusal(h, await assertion(h, stranger))).to.equal(
        'client assertion: no key of the client has this kid',
      );
    expect(server.hits(PATH), 'the first fetch and one refetch').to.equal(2);
    h.clock.advance(60);
    expect(await refusal(h, await assertion(h, stranger))).to.equal(
      'client assertion: no key of the client has this kid',
    );
    expect(server.hits(PATH)).to.equal(3);
  });

  const refusals: [string, (path: string) => void, RegExp][] = [
    [
      'a redirect',
      (path) =>
        server.route(path, (_req, res) => {
          res.writeHead(302, { location: 'https://127.0.0.1:1/' }).end();
        }),
      /status 302: redirects are not followed$/,
    ],
    [
      'a set too large',
      (path) => server.json(path, { keys: [{ kty: 'EC', pad: 'x'.repeat(60000) }] }),
      /is over 51200 bytes$/,
    ],
    [
      'a set holding a private key',
      (path) => server.json(path, { keys: [{ ...(key.publicJwk as JWK), d: 'secret' }] }),
      /the JWK Set has a private or symmetric key \(member 'd'\)$/,
    ],
    [
      'text/html',
      (path) =>
        server.route(path, (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' }).end('{}');
        }),
      /content type "text\/html", not JSON$/,
    ],
    ['a 404', () => undefined, /status 404$/],
  ];
  for (const [title, serve, reason] of refusals) {
    it(`${title}: invalid_client, its reason private`, async () => {
      const path = `/bad-${title.replace(/\W/g, '-')}.json`;
      serve(path);
      const h = await harness(true, path);
      const said = await refusal(h, await assertion(h));
      expect(said).to.match(/^client assertion: its jwks_uri gave no keys: /);
      expect(said).to.match(reason);
    });
  }

  // draft-ietf-oauth-client-id-metadata-document "Server-Side Request Forgery": the same rules.
  it('a jwks_uri on a loopback address is never fetched without allowPrivateAddresses', async () => {
    const h = await harness(false);
    expect(await refusal(h, await assertion(h))).to.equal(
      'client assertion: its jwks_uri gave no keys: 127.0.0.1 is loopback',
    );
    expect(server.hits(PATH)).to.equal(0);
  });

  it('a failed fetch is remembered: a flood of assertions fetches once', async () => {
    const h = await harness(true, '/missing.json');
    for (let i = 0; i < 3; i++)
      expect(await refusal(h, await assertion(h))).to.equal(
        'client assertion: its jwks_uri gave no keys: status 404',
      );
    expect(server.hits('/missing.json')).to.equal(1);
  });
});
