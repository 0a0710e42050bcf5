/**
 * Client ID Metadata Documents through the provider (lib/engine/clients.ts and
 * lib/client-id-documents/resolver.ts): SSRF protection on by default, client id
 * URLs of the wrong shape never fetched, caching on the provider's clock,
 * shared and capped fetches, configured clients first, and the registry kept
 * apart from document URLs.
 */
import { expect } from 'chai';
import { defineClient, Provider, type Logger, type ProviderOptions } from '../../index.js';
import type { ClientIdDocumentOptions } from '../../lib/client-id-documents/options.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';
import { documentServer, testCertificate, type DocumentServer } from './document-server.js';

const ISSUER = 'https://auth.example.test';
const CB = 'https://app.example/cb';

interface Logged {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

describe('client id documents: the provider', () => {
  let server: DocumentServer;
  let clock: FrozenClock;
  let logs: Logged[];
  let n = 0;
  before(async () => {
    server = await documentServer();
  });
  after(() => server.close());
  beforeEach(() => {
    clock = frozenClock();
    logs = [];
  });

  const logger: Logger = {
    debug: (obj, msg) => logs.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }),
    info: () => {},
    warn: (obj, msg) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    error: () => {},
  };
  const provider = (
    documents: boolean | ClientIdDocumentOptions = {},
    extra: Partial<ProviderOptions> = {},
  ) =>
    new Provider({
      issuer: ISSUER,
      clock,
      logger,
      scopes: { available: ['profile'] },
      clientIdMetadataDocuments:
        typeof documents === 'boolean'
          ? documents
          : { allowPrivateAddresses: true, ca: testCertificate().cert, timeout: 2, ...documents },
      ...extra,
    });
  const fresh = () => {
    n += 1;
    return server.url(`/p/${n}.json`);
  };
  const serve = (url: string, extra: Record<string, unknown> = {}, headers = {}) =>
    server.json(
      new URL(url).pathname,
      { client_id: url, client_name: 'Agent', redirect_uris: [CB], ...extra },
      headers,
    );
  const reasons = () => logs.map((l) => l.obj['reason']);

  it('turns a valid document into a public, PKCE-requiring client with source metadata-document', async () => {
    const url = fresh();
    serve(url, { grant_types: ['authorization_code', 'refresh_token'], scope: 'profile' });
    const client = await provider().stores.clients.find(url);
    expect(client).to.deep.include({
      id: url,
      name: 'Agent',
      redirectUris: [CB],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      scopes: ['profile'],
      tokenEndpointAuthMethods: ['none'],
      requirePkce: true,
      firstParty: false,
      resourceServer: false,
      source: 'metadata-document',
    });
    expect(client?.secretHash).to.equal(undefined);
  });

  it('a document asking for the password grant is refused, even where the server offers it (RFC 9700 2.4)', async () => {
    const url = fresh();
    serve(url, { grant_types: ['password'], response_types: [] });
    const withPassword = provider({}, { grants: { password: { verify: async () => undefined } } });
    expect(withPassword.grantTypes).to.include('password');
    expect(await withPassword.stores.clients.find(url)).to.equal(undefined);
  });

  it('ignores unknown members, __proto__ and constructor included, and pollutes nothing', async () => {
    const url = fresh();
    server.route(new URL(url).pathname, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `{"client_id":${JSON.stringify(url)},"client_name":"Agent","redirect_uris":["${CB}"],` +
          '"__proto__":{"firstParty":true,"polluted":1},"constructor":{"prototype":{"polluted":1}},' +
          '"first_party":true,"resource_server":true,"require_pkce":false,"x-extra":"y"}',
      );
    });
    const client = await provider().stores.clients.find(url);
    expect(client?.firstParty).to.equal(false);
    expect(client?.resourceServer).to.equal(false);
    expect(client?.requirePkce).to.equal(true);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(({} as Record<string, unknown>)['firstParty']).to.equal(undefined);
  });

  describe('SSRF: the default refuses non-public addresses', () => {
    it('a document on loopback is not fetched without allowPrivateAddresses', async () => {
      const url = fresh();
      serve(url);
      const strict = provider({ allowPrivateAddresses: false });
      expect(await strict.stores.clients.find(url)).to.equal(undefined);
      expect(server.hits(new URL(url).pathname)).to.equal(0);
      expect(logs).to.deep.equal([
        {
          level: 'debug',
          obj: { clientId: url, reason: '127.0.0.1 is loopback' },
          msg: 'client id metadata document refused',
        },
      ]);
    });

    it('`true` means the defaults, so loopback is refused too', async () => {
      const url = fresh();
      serve(url);
      expect(await provider(true).stores.clients.find(url)).to.equal(undefined);
      expect(reasons()).to.deep.equal(['127.0.0.1 is loopback']);
    });

    it('localhost and the cloud metadata address are refused', async () => {
      const strict = provider({ allowPrivateAddresses: false });
      const local = `https://localhost:${server.port}/p/x.json`;
      expect(await strict.stores.clients.find(local)).to.equal(undefined);
      expect(
        await strict.stores.clients.find('https://169.254.169.254/latest/meta-data/iam'),
      ).to.equal(undefined);
      expect(reasons()[0]).to.match(
        /^localhost resolves to (127\.0\.0\.1|::1), which is loopback$/,
      );
      expect(reasons()[1]).to.equal('169.254.169.254 is link-local');
    });
  });

  describe('client ids of the wrong shape are unknown and never fetched', () => {
    const ids: readonly (readonly [string, string])[] = [
      ['https://127.0.0.1:1', 'the client_id has no path'],
      ['https://127.0.0.1:1/', 'the client_id has no path'],
      ['https://127.0.0.1:1/c.json#x', 'the client_id has a fragment'],
      ['https://u:p@127.0.0.1:1/c.json', 'the client_id has a username or password'],
      ['https://127.0.0.1:1/a/../c.json', 'the client_id has a dot segment in its path'],
      [
        'HTTPS://127.0.0.1:1/c.json',
        'the client_id is not in canonical form (https://127.0.0.1:1/c.json)',
      ],
    ];
    for (const [id, reason] of ids) {
      it(`${id}: ${reason}`, async () => {
        const before = server.seen.length;
        expect(await provider().stores.clients.find(id)).to.equal(undefined);
        expect(reasons()).to.deep.equal([reason]);
        expect(server.seen.length).to.equal(before);
      });
    }

    it('a non-https URL is no document: it is looked up in the registry like any id', async () => {
      const p = provider();
      const id = server.url('/p/plain.json').replace('https:', 'http:');
      expect(await p.stores.clients.find(id)).to.equal(undefined);
      expect(logs).to.deep.equal([]);
      await p.stores.clients.save!(
        defineClient({ id, tokenEndpointAuthMethods: ['none'], redirectUris: [CB] }),
      );
      expect((await p.stores.clients.find(id))?.id).to.equal(id);
    });
  });

  describe('caching', () => {
    it('keeps a document as long as max-age says, on the provider clock', async () => {
      const url = fresh();
      serve(url, { client_name: 'First' }, { 'cache-control': 'max-age=600' });
      const p = provider();
      expect((await p.stores.clients.find(url))?.name).to.equal('First');
      serve(url, { client_name: 'Second' }, { 'cache-control': 'max-age=600' });
      clock.advance(599);
      expect((await p.stores.clients.find(url))?.name).to.equal('First');
      clock.advance(1);
      expect((await p.stores.clients.find(url))?.name).to.equal('Second');
      expect(server.hits(new URL(url).pathname)).to.equal(2);
    });

    it('fetches a no-store document on every use', async () => {
      const url = fresh();
      serve(url, {}, { 'cache-control': 'no-store' });
      const p = provider();
      for (let i = 0; i < 3; i += 1) expect((await p.stores.clients.find(url))?.id).to.equal(url);
      expect(server.hits(new URL(url).pathname)).to.equal(3);
    });

    it('remembers a failure for cache.failureAge seconds', async () => {
      const url = fresh();
      const p = provider({ cache: { failureAge: 10 } });
      for (let i = 0; i < 5; i += 1) expect(await p.stores.clients.find(url)).to.equal(undefined);
      expect(server.hits(new URL(url).pathname)).to.equal(1);
      expect(reasons()).to.deep.equal(Array(5).fill('status 404'));
      serve(url);
      clock.advance(9);
      expect(await p.stores.clients.find(url)).to.equal(undefined);
      clock.advance(1);
      expect((await p.stores.clients.find(url))?.id).to.equal(url);
      expect(server.hits(new URL(url).pathname)).to.equal(2);
    });

    it('parallel lookups of one URL make one fetch', async () => {
      const url = fresh();
      const path = new URL(url).pathname;
      const waiting: (() => void)[] = [];
      server.route(path, (_req, res) => {
        waiting.push(() =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ client_id: url, client_name: 'A', redirect_uris: [CB] })),
        );
      });
      const p = provider();
      const lookups = Array.from({ length: 25 }, () => p.stores.clients.find(url));
      while (waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
      waiting.forEach((answer) => answer());
      const clients = await Promise.all(lookups);
      expect(clients.every((c) => c?.id === url)).to.equal(true);
      expect(server.hits(path)).to.equal(1);
    });

    it('refuses lookups past maxConcurrentFetches (a warning), without remembering them', async () => {
      const paths = [fresh(), fresh(), fresh()];
      const waiting: (() => void)[] = [];
      for (const url of paths)
        server.route(new URL(url).pathname, (_req, res) => {
          waiting.push(() =>
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ client_id: url, client_name: 'A', redirect_uris: [CB] })),
          );
        });
      const p = provider({ maxConcurrentFetches: 2 });
      const running = [p.stores.clients.find(paths[0]!), p.stores.clients.find(paths[1]!)];
      expect(await p.stores.clients.find(paths[2]!)).to.equal(undefined);
      expect(logs).to.deep.equal([
        {
          level: 'warn',
          obj: { clientId: paths[2], reason: '2 documents are being fetched already' },
          msg: 'client id metadata document: too many fetches',
        },
      ]);
      while (waiting.length < 2) await new Promise((r) => setTimeout(r, 5));
      waiting.splice(0).forEach((answer) => answer());
      expect((await Promise.all(running)).map((c) => c?.id)).to.deep.equal(paths.slice(0, 2));
      const third = p.stores.clients.find(paths[2]!);
      while (waiting.length < 1) await new Promise((r) => setTimeout(r, 5));
      waiting.splice(0).forEach((answer) => answer());
      expect((await third)?.id).to.equal(paths[2]);
    });

    it('a server that never answers is an unknown client after the timeout', async () => {
      const url = fresh();
      server.route(new URL(url).pathname, () => {});
      expect(await provider({ timeout: 0.2 }).stores.clients.find(url)).to.equal(undefined);
      expect(reasons()).to.deep.equal(['no answer within 0.2 s']);
    });
  });

  describe('configured clients and the registry', () => {
    it('a configured client with a URL id is found first, never fetched', async () => {
      const url = fresh();
      serve(url, { client_name: 'From the document' });
      const p = provider(
        {},
        {
          clients: [
            { id: url, name: 'Configured', tokenEndpointAuthMethods: ['none'], redirectUris: [CB] },
          ],
        },
      );
      expect((await p.stores.clients.find(url))?.name).to.equal('Configured');
      expect(server.hits(new URL(url).pathname)).to.equal(0);
    });

    it('with documents on, an https id cannot be saved to or deleted from the registry', async () => {
      const p = provider();
      const client = defineClient({
        id: 'https://app.example/client.json',
        tokenEndpointAuthMethods: ['none'],
        redirectUris: [CB],
      });
      const message =
        'clients.save(): "https://app.example/client.json" is an https URL, which names a Client ID Metadata Document while options.clientIdMetadataDocuments is on; give the client another id';
      let error: unknown;
      await p.stores.clients.save!(client).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.equal(message);
      await p.stores.clients.delete!(client.id).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal(message.replace('save()', 'delete()'));
    });

    it('with documents off, an https id is an ordinary registry id and nothing is fetched', async () => {
      const url = fresh();
      serve(url);
      const p = provider(false);
      expect(await p.stores.clients.find(url)).to.equal(undefined);
      await p.stores.clients.save!(
        defineClient({
          id: url,
          name: 'Saved',
          tokenEndpointAuthMethods: ['none'],
          redirectUris: [CB],
        }),
      );
      expect((await p.stores.clients.find(url))?.name).to.equal('Saved');
      expect(server.hits(new URL(url).pathname)).to.equal(0);
      expect(p.metadata()).not.to.have.property('client_id_metadata_document_supported');
    });
  });
});
