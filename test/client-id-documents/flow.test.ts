/**
 * Client ID Metadata Documents end to end: an Express app with
 * `clientIdMetadataDocuments` on, its clients' documents served by a real HTTPS
 * server on loopback (hence `allowPrivateAddresses: true`, said explicitly, and
 * the test CA). A client whose `client_id` is its document's URL gets the consent
 * page (with the not-pre-registered notice and where the user goes), a code, and
 * tokens with PKCE; every document that cannot be had is an unknown client at
 * both endpoints, its reason in the log only.
 */
import { expect } from 'chai';
import request from 'supertest';
import { defineClient, type Logger } from '../../index.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectErrorPage,
  expectRedirect,
  signedIn,
  spaParams,
  VERIFIER,
  type AuthorizeApp,
} from '../support/authorize-app.js';
import { documentServer, testCertificate, type DocumentServer } from './document-server.js';

interface LogEntry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(entries: LogEntry[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) =>
    entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A valid document for `url`, with `extra` members merged in (undefined drops one). */
function documentFor(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    client_id: url,
    client_name: 'Desktop Assistant',
    redirect_uris: [CB],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'profile read',
    ...extra,
  };
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete doc[k];
  return doc;
}

const UNKNOWN_CLIENT_PAGE = 'the client_id is unknown';

describe('client id documents: end to end', () => {
  let server: DocumentServer;
  let fixture: AuthorizeApp;
  let logs: LogEntry[];
  let clientId: string;
  let n = 0;

  before(async () => {
    server = await documentServer();
  });
  after(() => server.close());

  beforeEach(() => {
    logs = [];
    n += 1;
    clientId = server.url(`/clients/${n}.json`);
    fixture = authorizeApp({
      provider: {
        logger: recordingLogger(logs),
        clientIdMetadataDocuments: {
          allowPrivateAddresses: true,
          ca: testCertificate().cert,
          timeout: 2,
        },
      },
    });
  });

  const path = () => new URL(clientId).pathname;
  const params = (extra: Record<string, string> = {}) =>
    spaParams({ client_id: clientId, ...extra });
  const refusals = () =>
    logs.filter((e) => e.msg === 'client id metadata document refused').map((e) => e.obj);

  it('metadata says client_id_metadata_document_supported when on, and not when off', async () => {
    const on = await request(fixture.app).get('/.well-known/oauth-authorization-server');
    expect(on.body['client_id_metadata_document_supported']).to.equal(true);
    const off = authorizeApp();
    const res = await request(off.app).get('/.well-known/oauth-authorization-server');
    expect(res.status).to.equal(200);
    expect(res.body).not.to.have.property('client_id_metadata_document_supported');
  });

  it('a valid document: consent page with the notice and hosts, code, PKCE token, API call', async () => {
    server.json(path(), documentFor(clientId));
    const alice = await signedIn(fixture.app);
    const { html, form } = await consentPage(alice, params());
    expect(html).to.include('<h1>Desktop Assistant wants to access your account</h1>');
    expect(html).to.include(
      `This app is not pre-registered by the operator of this server. It describes itself at <strong>127.0.0.1:${server.port}</strong>.`,
    );
    expect(html).to.include('You will then be sent to <strong>app.example</strong>.');
    expect(html).to.include(`Client ID: <code>${clientId}</code>`);

    const allowed = await decide(alice, { ...form, decision: 'allow' });
    const code = expectRedirect(allowed, CB, { status: 303 }).get('code') as string;
    const token = await request(fixture.app).post('/token').type('form').send({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CB,
      client_id: clientId,
      code_verifier: VERIFIER,
    });
    expect(token.status, JSON.stringify(token.body)).to.equal(200);
    expect(token.body.token_type).to.equal('Bearer');
    expect(token.body.scope).to.equal('profile read');
    expect(token.body.refresh_token).to.be.a('string');
    const api = await request(fixture.app)
      .get('/api/profile')
      .set('Authorization', `Bearer ${token.body.access_token}`);
    expect(api.body).to.deep.include({ sub: 'user-alice', client_id: clientId });

    // Refresh keeps working for the document client (a public client: client_id in the body).
    const refreshed = await request(fixture.app).post('/token').type('form').send({
      grant_type: 'refresh_token',
      refresh_token: token.body.refresh_token,
      client_id: clientId,
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
    // One fetch served the authorization request, the decision and both token requests.
    expect(server.hits(path())).to.equal(1);
  });

  it('PKCE stays required: a code request without code_challenge is refused', async () => {
    server.json(path(), documentFor(clientId));
    const alice = await signedIn(fixture.app);
    const { code_challenge: _c, code_challenge_method: _m, ...noPkce } = params();
    const res = await alice.get(authorizePath(noPkce));
    const error = expectRedirect(res, CB);
    expect(error.get('error')).to.equal('invalid_request');
  });

  it("escapes the document's client name", async () => {
    const evil = `<img src=x onerror=alert(1)> "Google"`;
    server.json(path(), documentFor(clientId, { client_name: evil }));
    const alice = await signedIn(fixture.app);
    const { html } = await consentPage(alice, params());
    expect(html).not.to.include('<img src=x');
    expect(html).to.include('&lt;img src=x onerror=alert(1)&gt; &#34;Google&#34;');
  });

  it('a configured client shows where the user goes and no notice; a registered one says so', async () => {
    const alice = await signedIn(fixture.app);
    const configured = await consentPage(alice, spaParams());
    expect(configured.html).to.include('You will then be sent to <strong>app.example</strong>.');
    expect(configured.html).not.to.include('pre-registered');

    await fixture.oauth.provider.stores.clients.save!(
      defineClient({
        id: 'self-registered',
        tokenEndpointAuthMethods: ['none'],
        name: 'Self Registered',
        redirectUris: ['http://127.0.0.1:7777/callback'],
        source: 'registration',
      }),
    );
    const registered = await consentPage(
      alice,
      spaParams({ client_id: 'self-registered', redirect_uri: 'http://127.0.0.1:7777/callback' }),
    );
    expect(registered.html).to.include(
      'This app registered itself; it is not pre-registered by the operator of this server.',
    );
    expect(registered.html).to.include('You will then be sent to <strong>127.0.0.1:7777</strong>.');
  });

  describe('a document that cannot be had is an unknown client, its reason logged only', () => {
    const cases: readonly (readonly [string, (url: string) => void, string])[] = [
      [
        'its client_id differs',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, { client_id: 'https://other.example/c.json' }),
          ),
        'its client_id "https://other.example/c.json" is not the URL it was fetched from',
      ],
      [
        'its client_id has a trailing slash more',
        (url) => server.json(new URL(url).pathname, documentFor(url, { client_id: `${url}/` })),
        'is not the URL it was fetched from',
      ],
      [
        'its client_id differs in case',
        (url) =>
          server.json(new URL(url).pathname, documentFor(url, { client_id: url.toUpperCase() })),
        'is not the URL it was fetched from',
      ],
      [
        'it has no client_id',
        (url) => server.json(new URL(url).pathname, documentFor(url, { client_id: undefined })),
        'its client_id undefined is not the URL it was fetched from',
      ],
      [
        'client_name is missing',
        (url) => server.json(new URL(url).pathname, documentFor(url, { client_name: undefined })),
        'client_name is missing',
      ],
      [
        'client_name is empty',
        (url) => server.json(new URL(url).pathname, documentFor(url, { client_name: ' ' })),
        'client_name is missing',
      ],
      [
        'redirect_uris is missing',
        (url) => server.json(new URL(url).pathname, documentFor(url, { redirect_uris: undefined })),
        'redirect_uris is missing',
      ],
      [
        'redirect_uris is empty',
        (url) => server.json(new URL(url).pathname, documentFor(url, { redirect_uris: [] })),
        'redirect_uris is missing',
      ],
      [
        'it has a client_secret',
        (url) => server.json(new URL(url).pathname, documentFor(url, { client_secret: 's3cret' })),
        'it has client_secret, which a document client cannot have',
      ],
      [
        'it has client_secret_expires_at',
        (url) =>
          server.json(new URL(url).pathname, documentFor(url, { client_secret_expires_at: 0 })),
        'it has client_secret_expires_at, which a document client cannot have',
      ],
      [
        'it asks for client_secret_basic',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, { token_endpoint_auth_method: 'client_secret_basic' }),
          ),
        'token_endpoint_auth_method "client_secret_basic" is refused: a document client holds no shared secret (none, or private_key_jwt with jwks_uri)',
      ],
      [
        'it asks for client_secret_post',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, { token_endpoint_auth_method: 'client_secret_post' }),
          ),
        'token_endpoint_auth_method "client_secret_post" is refused: a document client holds no shared secret (none, or private_key_jwt with jwks_uri)',
      ],
      [
        'it asks for client_secret_jwt',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, { token_endpoint_auth_method: 'client_secret_jwt' }),
          ),
        'token_endpoint_auth_method "client_secret_jwt" is refused: a document client holds no shared secret (none, or private_key_jwt with jwks_uri)',
      ],
      [
        'it asks for private_key_jwt with an inline jwks',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, {
              token_endpoint_auth_method: 'private_key_jwt',
              jwks: { keys: [] },
            }),
          ),
        'private_key_jwt here needs jwks_uri, not jwks',
      ],
      [
        'it asks for client_credentials',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, { grant_types: ['authorization_code', 'client_credentials'] }),
          ),
        "a public client (token_endpoint_auth_method 'none') cannot use client_credentials",
      ],
      [
        'a redirect URI has a fragment',
        (url) =>
          server.json(
            new URL(url).pathname,
            documentFor(url, { redirect_uris: ['https://app.example/cb#x'] }),
          ),
        "redirect_uris has 'https://app.example/cb#x', which has a fragment (RFC 6749 3.1.2)",
      ],
      [
        'its scope is not offered',
        (url) => server.json(new URL(url).pathname, documentFor(url, { scope: 'profile admin' })),
        "scope has 'admin', which this server does not offer",
      ],
      [
        'it is answered with a redirect',
        (url) =>
          server.route(new URL(url).pathname, (_req, res) => {
            res.writeHead(302, { location: 'https://127.0.0.1:1/elsewhere.json' }).end();
          }),
        'status 302: redirects are not followed',
      ],
      [
        'it is served as text/html',
        (url) =>
          server.route(new URL(url).pathname, (_req, res) => {
            res
              .writeHead(200, { 'content-type': 'text/html' })
              .end(JSON.stringify(documentFor(url)));
          }),
        'content type "text/html", not JSON',
      ],
      [
        'it is too large',
        (url) =>
          server.json(new URL(url).pathname, documentFor(url, { padding: 'x'.repeat(6000) })),
        'body is over 5120 bytes',
      ],
      ['it is not found', () => undefined, 'status 404'],
    ];
    for (const [what, serve, reason] of cases) {
      it(`${what}: invalid_client page and invalid_client at the token endpoint`, async () => {
        serve(clientId);
        const alice = await signedIn(fixture.app);
        const page = await alice.get(authorizePath(params()));
        expectErrorPage(page, 'invalid_client');
        expect(page.text).to.include(UNKNOWN_CLIENT_PAGE);
        expect(page.text).not.to.include('127.0.0.1:1');

        const token = await request(fixture.app).post('/token').type('form').send({
          grant_type: 'authorization_code',
          code: 'whatever',
          redirect_uri: CB,
          client_id: clientId,
          code_verifier: VERIFIER,
        });
        expect(token.status).to.equal(400);
        expect(token.headers['www-authenticate']).to.equal(undefined);
        expect(token.body).to.deep.equal({
          error: 'invalid_client',
          error_description: 'client authentication failed',
        });
        expect(token.headers['cache-control']).to.equal('no-store');

        const logged = refusals();
        expect(logged.length).to.be.at.least(1);
        expect(logged[0]?.['clientId']).to.equal(clientId);
        expect(String(logged[0]?.['reason'])).to.include(reason);
        // The failure was remembered: both endpoints were answered with one fetch.
        expect(server.hits(path())).to.be.at.most(1);
      });
    }
  });
});
