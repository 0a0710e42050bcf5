/**
 * Protected resource metadata (RFC 9728): `oauth.protectedResource()` (Express)
 * and `fetchProtectedResource()` (Fetch) serve the document of one resource at
 * its well-known path, and the URL a `protect({ resource })` challenge names is
 * the one that serves it.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { fetchProtectedResource } from '../../lib/http/fetch.js';
import { protectedResourceMetadataUrl } from '../../lib/http/resource-metadata.js';
import { ISSUER, testApp } from '../support/fixtures.js';
import type { ProviderOptions } from '../../index.js';

const MCP = 'https://api.example.test/mcp';
const PATH = '/.well-known/oauth-protected-resource/mcp';

const DOCUMENT = {
  resource: MCP,
  authorization_servers: [ISSUER],
  scopes_supported: ['read', 'profile'],
  bearer_methods_supported: ['header'],
  resource_name: 'Example tools',
  // RFC 9728 2, RFC 9449: the DPoP proof algorithms protect() accepts (test/dpop/).
  dpop_signing_alg_values_supported: [
    'ES256',
    'ES384',
    'ES512',
    'EdDSA',
    'Ed25519',
    'PS256',
    'RS256',
  ],
};

function setup(overrides: Partial<ProviderOptions> = {}) {
  const { oauth, app } = testApp({
    resources: [{ resource: MCP, scopes: ['read', 'profile'] }],
    ...overrides,
  });
  app.use(oauth.protectedResource({ resource: MCP, resourceName: 'Example tools' }));
  app.get('/mcp', oauth.protect({ resource: MCP }), (_req, res) => {
    res.json({ ok: true });
  });
  return { oauth, app };
}

describe('protected resource metadata (RFC 9728)', () => {
  // RFC 9728 3.2: "A successful response MUST use the 200 OK HTTP status code and return a JSON
  // object using the application/json content type".
  it('GET at /.well-known/oauth-protected-resource/mcp → 200, the exact document, cacheable, CORS *', async () => {
    const { app } = setup();
    const res = await request(app).get(PATH);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('public, max-age=3600');
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    expect(res.body).to.deep.equal(DOCUMENT);
  });

  it('HEAD → 200 without a body; a query string is ignored', async () => {
    const { app } = setup();
    const head = await request(app).head(PATH);
    expect(head.status).to.equal(200);
    expect(head.text).to.equal(undefined);
    const query = await request(app).get(`${PATH}?x=1`);
    expect(query.body).to.deep.equal(DOCUMENT);
  });

  // RFC 9728 3.3: "The "resource" value returned MUST be identical to the protected resource's
  // resource identifier value into which the well-known URI path suffix was inserted".
  it('the challenge of protect({ resource }) names the URL that serves a document for that very resource', async () => {
    const { app } = setup();
    const challenge = (await request(app).get('/mcp')).headers['www-authenticate'] as string;
    const url = new URL(/resource_metadata="([^"]+)"/.exec(challenge)?.[1] ?? '');
    expect(url.href).to.equal(`https://api.example.test${PATH}`);
    const res = await request(app).get(url.pathname);
    expect(res.body.resource).to.equal(MCP);
  });

  it('the document never comes from the Host header', async () => {
    const { app } = setup();
    const res = await request(app).get(PATH).set('Host', 'evil.example');
    expect(res.body).to.deep.equal(DOCUMENT);
  });

  for (const [label, method, path] of [
    ['POST at the path', 'post', PATH],
    ['a trailing slash', 'get', `${PATH}/`],
    ['the root well-known path', 'get', '/.well-known/oauth-protected-resource'],
    ['another resource', 'get', '/.well-known/oauth-protected-resource/other'],
    ['a path below', 'get', `${PATH}/x`],
  ] as const) {
    it(`${label} goes to next() (here: 404)`, async () => {
      const { app } = setup();
      const res = await request(app)[method](path);
      expect(res.status).to.equal(404);
    });
  }

  it('works inside a router mounted at the root, as the MCP demo mounts it', async () => {
    const { oauth, app } = testApp({ resources: [{ resource: MCP }] });
    const router = express.Router();
    router.use(oauth.protectedResource({ resource: MCP }));
    app.use(router);
    const res = await request(app).get(PATH);
    expect(res.status).to.equal(200);
    expect(res.body.scopes_supported).to.deep.equal(['read', 'write', 'profile']);
  });

  describe('members', () => {
    it('scopes: the option, else the configured resource, else every scope offered; empty → left out', async () => {
      const { oauth, app } = testApp({ accessToken: { audience: MCP } });
      app.use(oauth.protectedResource({ resource: MCP }));
      expect((await request(app).get(PATH)).body.scopes_supported).to.deep.equal([
        'read',
        'write',
        'profile',
      ]);
      const other = testApp({ accessToken: { audience: MCP } });
      other.app.use(other.oauth.protectedResource({ resource: MCP, scopes: ['profile'] }));
      expect((await request(other.app).get(PATH)).body.scopes_supported).to.deep.equal(['profile']);
      const none = testApp({ accessToken: { audience: MCP } });
      none.app.use(none.oauth.protectedResource({ resource: MCP, scopes: [] }));
      expect((await request(none.app).get(PATH)).body).to.not.have.property('scopes_supported');
    });

    it('the human-readable links and the resource exactly as configured (no slash added)', async () => {
      const resource = 'https://api.example.test';
      const { oauth, app } = testApp({ accessToken: { audience: resource } });
      app.use(
        oauth.protectedResource({
          resource,
          scopes: ['read'],
          documentation: 'https://docs.example.test/api',
          policyUri: 'https://example.test/privacy',
          tosUri: 'https://example.test/terms',
        }),
      );
      const res = await request(app).get('/.well-known/oauth-protected-resource');
      expect(res.body).to.deep.equal({
        resource,
        authorization_servers: [ISSUER],
        scopes_supported: ['read'],
        bearer_methods_supported: ['header'],
        resource_documentation: 'https://docs.example.test/api',
        resource_policy_uri: 'https://example.test/privacy',
        resource_tos_uri: 'https://example.test/terms',
        dpop_signing_alg_values_supported: DOCUMENT.dpop_signing_alg_values_supported,
      });
    });

    it('protectedResourceMetadataUrl(): RFC 9728 3.1 examples', () => {
      const url = (resource: string) => protectedResourceMetadataUrl(new URL(resource));
      expect(url('https://resource.example.com')).to.equal(
        'https://resource.example.com/.well-known/oauth-protected-resource',
      );
      expect(url('https://resource.example.com/resource1')).to.equal(
        'https://resource.example.com/.well-known/oauth-protected-resource/resource1',
      );
      expect(url('http://127.0.0.1:8080/a/b/')).to.equal(
        'http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/b/',
      );
    });
  });

  describe('CORS', () => {
    it('a preflight is answered 204 for GET, HEAD', async () => {
      const { app } = setup();
      const res = await request(app)
        .options(PATH)
        .set('Origin', 'https://spa.example.test')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'mcp-protocol-version');
      expect(res.status).to.equal(204);
      expect(res.headers['access-control-allow-origin']).to.equal('*');
      expect(res.headers['access-control-allow-methods']).to.equal('GET, HEAD');
      expect(res.headers['access-control-allow-credentials']).to.equal(undefined);
    });

    it('a list policy echoes a listed origin only; cors: false adds nothing and passes OPTIONS on', async () => {
      const listed = setup({ cors: { origins: ['https://spa.example.test'] } });
      const ok = await request(listed.app).get(PATH).set('Origin', 'https://spa.example.test');
      expect(ok.headers['access-control-allow-origin']).to.equal('https://spa.example.test');
      expect(ok.headers['vary']).to.equal('Origin');
      const evil = await request(listed.app).get(PATH).set('Origin', 'https://evil.test');
      expect(evil.headers['access-control-allow-origin']).to.equal(undefined);
      const off = setup({ cors: false });
      const plain = await request(off.app).get(PATH).set('Origin', 'https://spa.example.test');
      expect(plain.status).to.equal(200);
      expect(plain.headers['access-control-allow-origin']).to.equal(undefined);
      expect(
        (await request(off.app).options(PATH)).headers['access-control-allow-methods'],
      ).to.equal(undefined);
    });
  });

  describe('options checked when the middleware is made', () => {
    const { oauth } = setup();
    for (const [label, options, message] of [
      ['no options', undefined, 'protectedResource(): options { resource } are required'],
      ['no resource', {}, 'protectedResource(): options.resource must be a URL'],
      [
        'a misspelled key',
        { resource: MCP, resource_name: 'x' },
        'protectedResource(): options has an unknown key "resource_name"; did you mean "resourceName"?',
      ],
      [
        'a scope the server does not offer',
        { resource: MCP, scopes: ['admin'] },
        'protectedResource(): options.scopes names "admin", which the provider does not offer',
      ],
      ['scopes as a string', { resource: MCP, scopes: 'read' }, 'options.scopes must be an array'],
      [
        'a documentation link that is no URL',
        { resource: MCP, documentation: 'docs' },
        'protectedResource(): options.documentation must be an absolute http(s) URL',
      ],
      [
        'a javascript: link',
        { resource: MCP, tosUri: 'javascript:alert(1)' },
        'options.tosUri must be an absolute http(s) URL',
      ],
      ['a resource name that is no string', { resource: MCP, resourceName: 5 }, 'resourceName'],
      [
        'a resource with a fragment',
        { resource: `${MCP}#x` },
        'protectedResource(): options.resource must have no query, fragment or user info',
      ],
    ] as const) {
      it(`${label} → TypeError`, () => {
        expect(() => oauth.protectedResource(options as never)).to.throw(TypeError, message);
      });
    }
  });

  describe('fetchProtectedResource() (Fetch)', () => {
    const origin = 'https://api.example.test';

    it('answers GET, HEAD and preflights at its path, and nothing else', async () => {
      const { oauth } = setup();
      const handle = fetchProtectedResource(oauth.provider, {
        resource: MCP,
        resourceName: 'Example tools',
      });
      const res = (await handle(new Request(origin + PATH))) as Response;
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('public, max-age=3600');
      expect(res.headers.get('access-control-allow-origin')).to.equal('*');
      expect(await res.json()).to.deep.equal(DOCUMENT);
      const head = (await handle(new Request(origin + PATH, { method: 'HEAD' }))) as Response;
      expect(head.status).to.equal(200);
      expect(await head.text()).to.equal('');
      const pre = (await handle(new Request(origin + PATH, { method: 'OPTIONS' }))) as Response;
      expect(pre.status).to.equal(204);
      expect(pre.headers.get('access-control-allow-methods')).to.equal('GET, HEAD');
      expect(await handle(new Request(origin + PATH, { method: 'POST' }))).to.equal(undefined);
      expect(await handle(new Request(`${origin}${PATH}/`))).to.equal(undefined);
      expect(await handle(new Request(`${origin}/mcp`))).to.equal(undefined);
    });

    it('checks its options', () => {
      const { oauth } = setup();
      expect(() => fetchProtectedResource(oauth.provider, { resource: 'x' })).to.throw(
        TypeError,
        'fetchProtectedResource(): options.resource must be a URL',
      );
    });
  });
});
