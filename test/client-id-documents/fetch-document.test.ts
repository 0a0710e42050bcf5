/**
 * The guarded GET of a Client ID Metadata Document
 * (lib/client-id-documents/fetch-document.ts), against a real HTTPS server on
 * loopback. Each SSRF and exhaustion refusal has its test; refusals of
 * addresses other than loopback use an injected resolver (the one the
 * connection itself uses), so no test depends on the machine's DNS but
 * `localhost`.
 */
import { expect } from 'chai';
import type { LookupAddress } from 'node:dns';
import {
  DOCUMENT_USER_AGENT,
  fetchDocument,
  type FetchDocumentOptions,
} from '../../lib/client-id-documents/fetch-document.js';
import { documentServer, testCertificate, type DocumentServer } from './document-server.js';

const DOC = { client_id: 'x', client_name: 'X', redirect_uris: ['https://x.example/cb'] };

describe('client id documents: fetching', () => {
  let server: DocumentServer;
  let options: FetchDocumentOptions;
  before(async () => {
    server = await documentServer();
    options = {
      timeout: 2,
      maxBytes: 5120,
      allowPrivateAddresses: true,
      ca: [testCertificate().cert],
    };
  });
  after(() => server.close());

  const fetchPath = (path: string, more: Partial<FetchDocumentOptions> = {}) =>
    fetchDocument(new URL(server.url(path)), { ...options, ...more });
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    const err = await promise.then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: Error) => e,
    );
    expect(err.name).to.equal('DocumentFetchError');
    return err.message;
  };

  it('GETs the JSON document with Accept, a fixed User-Agent and no credentials', async () => {
    server.json('/ok.json', DOC, { 'cache-control': 'max-age=600', 'set-cookie': 'a=b' });
    const fetched = await fetchPath('/ok.json');
    expect(fetched.body).to.deep.equal(DOC);
    expect(fetched.cacheControl).to.equal('max-age=600');
    expect(fetched.date).to.be.a('string');
    const seen = server.seen.filter((r) => r.path === '/ok.json');
    expect(seen).to.have.length(1);
    expect(seen[0]?.headers['accept']).to.equal('application/json');
    expect(seen[0]?.headers['user-agent']).to.equal(DOCUMENT_USER_AGENT);
    expect(seen[0]?.headers['accept-encoding']).to.equal('identity');
    expect(seen[0]?.headers['cookie']).to.equal(undefined);
    expect(seen[0]?.headers['authorization']).to.equal(undefined);
    // A cookie set by the remote is never sent back.
    await fetchPath('/ok.json');
    expect(server.seen.filter((r) => r.path === '/ok.json')[1]?.headers['cookie']).to.equal(
      undefined,
    );
  });

  it('takes application/json with a UTF-8 charset', async () => {
    server.route('/charset.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'Application/JSON; charset="UTF-8"' }).end('{"a":1}');
    });
    expect((await fetchPath('/charset.json')).body).to.deep.equal({ a: 1 });
  });

  for (const status of [301, 302, 303, 307, 308]) {
    it(`refuses a ${status} redirect and never follows it`, async () => {
      server.route(`/moved-${status}`, (_req, res) => {
        res.writeHead(status, { location: server.url('/ok.json') }).end();
      });
      const before = server.hits('/ok.json');
      expect(await refusal(fetchPath(`/moved-${status}`))).to.equal(
        `status ${status}: redirects are not followed`,
      );
      expect(server.hits('/ok.json')).to.equal(before);
    });
  }

  it('refuses any status but 200', async () => {
    expect(await refusal(fetchPath('/missing.json'))).to.equal('status 404');
    server.route('/created', (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
    expect(await refusal(fetchPath('/created'))).to.equal('status 201');
    server.route('/broken', (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
    });
    expect(await refusal(fetchPath('/broken'))).to.equal('status 500');
  });

  const types: readonly (readonly [string | undefined, string])[] = [
    ['text/html', 'content type "text/html", not JSON'],
    ['text/plain; charset=utf-8', 'content type "text/plain; charset=utf-8", not JSON'],
    ['application/jsonp', 'content type "application/jsonp", not JSON'],
    ['application/json-seq', 'content type "application/json-seq", not JSON'],
    ['application/jwk-set+json', 'content type "application/jwk-set+json", not JSON'],
    [undefined, 'content type "", not JSON'],
    ['application/json; charset=iso-8859-1', 'charset iso-8859-1, not UTF-8'],
  ];
  for (const [type, message] of types) {
    it(`refuses the content type ${JSON.stringify(type)}`, async () => {
      const path = `/type-${encodeURIComponent(type ?? 'none')}`;
      server.route(path, (_req, res) => {
        if (type !== undefined) res.setHeader('content-type', type);
        res.writeHead(200).end(JSON.stringify(DOC));
      });
      expect(await refusal(fetchPath(path))).to.equal(message);
    });
  }

  it('refuses a body over maxBytes announced by Content-Length, before reading it', async () => {
    // The body never comes: only a refusal from the header can answer before the timeout.
    server.route('/big.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '6000' });
      res.write('{');
    });
    expect(await refusal(fetchPath('/big.json'))).to.equal(
      'Content-Length 6000 is over 5120 bytes',
    );
  });

  it('refuses a chunked body once it grows over maxBytes, and stops reading', async () => {
    let written = 0;
    server.route('/endless.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"padding":"');
      const more = () => {
        if (res.destroyed || written > 10_000_000) return void res.end();
        written += 4096;
        res.write('x'.repeat(4096), () => setImmediate(more));
      };
      more();
    });
    expect(await refusal(fetchPath('/endless.json'))).to.equal('body is over 5120 bytes');
    expect(written).to.be.below(10_000_000);
  });

  it('takes a body of exactly maxBytes', async () => {
    const body = JSON.stringify({ p: 'x'.repeat(100) });
    server.route('/exact.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body); // chunked: no Content-Length
      res.end();
    });
    const fetched = await fetchPath('/exact.json', { maxBytes: Buffer.byteLength(body) });
    expect(fetched.body).to.deep.equal({ p: 'x'.repeat(100) });
    expect(await refusal(fetchPath('/exact.json', { maxBytes: body.length - 1 }))).to.equal(
      `body is over ${body.length - 1} bytes`,
    );
  });

  const bodies: readonly (readonly [string, Buffer | string, string])[] = [
    [
      'invalid UTF-8',
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      'body is not UTF-8 JSON',
    ],
    ['not JSON', '{client_id: x}', 'body is not UTF-8 JSON'],
    ['an array', '[1,2]', 'body is not a JSON object'],
    ['null', 'null', 'body is not a JSON object'],
    ['a string', '"https://x"', 'body is not a JSON object'],
    ['empty', '', 'body is not UTF-8 JSON'],
  ];
  for (const [what, body, message] of bodies) {
    it(`refuses a body that is ${what}`, async () => {
      const path = `/body-${what.replace(/\W/g, '-')}`;
      server.route(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
      expect(await refusal(fetchPath(path))).to.equal(message);
    });
  }

  it('gives up on a server that never answers, after timeout seconds', async () => {
    server.route('/silent', () => {});
    expect(await refusal(fetchPath('/silent', { timeout: 0.2 }))).to.equal(
      'no answer within 0.2 s',
    );
  });

  it('gives up on a body that never ends, after timeout seconds', async () => {
    server.route('/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    });
    expect(await refusal(fetchPath('/trickle', { timeout: 0.2 }))).to.equal(
      'no answer within 0.2 s',
    );
  });

  it('refuses a certificate it does not trust', async () => {
    server.json('/ok.json', DOC);
    // Node 24 adds a hint after the reason ("; if the root CA is installed locally, …").
    expect(await refusal(fetchPath('/ok.json', { ca: undefined }))).to.match(
      /^self-signed certificate(;|$)/,
    );
  });

  describe('SSRF: non-public addresses are refused unless allowPrivateAddresses', () => {
    const strict = () => ({ ...options, allowPrivateAddresses: false });
    const at = (url: string, more: Partial<FetchDocumentOptions> = {}) =>
      fetchDocument(new URL(url), { ...strict(), ...more });

    it('a loopback IPv4 literal (127.0.0.1), and nothing is sent', async () => {
      const before = server.seen.length;
      expect(await refusal(at(server.url('/ok.json')))).to.equal('127.0.0.1 is loopback');
      expect(server.seen.length).to.equal(before);
    });

    it('a loopback IPv6 literal ([::1])', async () => {
      expect(await refusal(at(`https://[::1]:${server.port}/ok.json`))).to.equal('::1 is loopback');
    });

    it('an IPv4-mapped IPv6 loopback literal ([::ffff:127.0.0.1])', async () => {
      expect(await refusal(at(`https://[::ffff:127.0.0.1]:${server.port}/ok.json`))).to.equal(
        '::ffff:7f00:1 is loopback (IPv4 127.0.0.1)',
      );
    });

    it('localhost, through the system resolver', async () => {
      const message = await refusal(at(`https://localhost:${server.port}/ok.json`));
      expect(message).to.match(/^localhost resolves to (127\.0\.0\.1|::1), which is loopback$/);
    });

    it('private and link-local literals (10/8, 192.168/16, 172.16/12, fc00::/7, 169.254.169.254)', async () => {
      const cases = [
        ['https://10.1.2.3/c.json', '10.1.2.3 is private'],
        ['https://192.168.0.10/c.json', '192.168.0.10 is private'],
        ['https://172.16.0.1/c.json', '172.16.0.1 is private'],
        ['https://[fc00::1]/c.json', 'fc00::1 is unique local (private)'],
        ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is link-local'],
        ['https://0.0.0.0/c.json', '0.0.0.0 is this network'],
      ] as const;
      for (const [url, message] of cases) expect(await refusal(at(url))).to.equal(message);
    });

    const names: readonly (readonly [string, LookupAddress[], string])[] = [
      ['10/8', [{ address: '10.0.0.7', family: 4 }], 'resolves to 10.0.0.7, which is private'],
      [
        '192.168/16',
        [{ address: '192.168.1.1', family: 4 }],
        'resolves to 192.168.1.1, which is private',
      ],
      [
        '172.16/12',
        [{ address: '172.20.0.1', family: 4 }],
        'resolves to 172.20.0.1, which is private',
      ],
      [
        'fc00::/7',
        [{ address: 'fd00::5', family: 6 }],
        'resolves to fd00::5, which is unique local (private)',
      ],
      [
        'the cloud metadata address',
        [{ address: '169.254.169.254', family: 4 }],
        'resolves to 169.254.169.254, which is link-local',
      ],
      [
        'a v4-mapped loopback',
        [{ address: '::ffff:127.0.0.1', family: 6 }],
        'resolves to ::ffff:127.0.0.1, which is loopback (IPv4 127.0.0.1)',
      ],
      [
        'a public and a private address (all are checked)',
        [
          { address: '93.184.215.14', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ],
        'resolves to 10.0.0.1, which is private',
      ],
    ];
    for (const [what, addresses, message] of names) {
      it(`a name resolving to ${what}`, async () => {
        let asked = 0;
        const resolve = async () => {
          asked += 1;
          return addresses;
        };
        const url = `https://client.test:${server.port}/ok.json`;
        expect(await refusal(at(url, { resolve }))).to.equal(`client.test ${message}`);
        expect(asked).to.equal(1);
      });
    }

    it('a name that does not resolve', async () => {
      const resolve = async () => {
        throw new Error('queryA ENOTFOUND nowhere.test');
      };
      expect(await refusal(at('https://nowhere.test/c.json', { resolve }))).to.equal(
        'cannot resolve nowhere.test: queryA ENOTFOUND nowhere.test',
      );
      expect(
        await refusal(at('https://nowhere.test/c.json', { resolve: async () => [] })),
      ).to.equal('nowhere.test has no address');
    });

    it('allowPrivateAddresses: true connects to the address the resolver gave, resolved once', async () => {
      server.json('/ok.json', DOC);
      let asked = 0;
      const resolve = async (host: string) => {
        asked += 1;
        expect(host).to.equal('client.test');
        return [{ address: '127.0.0.1', family: 4 }];
      };
      const url = `https://client.test:${server.port}/ok.json`;
      const fetched = await at(url, { resolve, allowPrivateAddresses: true });
      expect(fetched.body).to.deep.equal(DOC);
      expect(asked).to.equal(1);
      expect(server.seen.at(-1)?.headers['host']).to.equal(`client.test:${server.port}`);
    });
  });
});
