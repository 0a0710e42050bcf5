/**
 * protect({ resource }): a route that is an RFC 9728 protected resource. Only
 * tokens issued for it (RFC 8707 `resource`, its `aud`) pass, and every
 * challenge points to its metadata (`resource_metadata`, RFC 9728 5.1), built
 * from the option and never from the request. Express and Fetch alike.
 */
import { expect } from 'chai';
import type express from 'express';
import request from 'supertest';
import { verifyBearer, type AccessTokenInfo, type ProviderOptions } from '../../index.js';
import { quoted } from '../../lib/http/bearer.js';
import { ISSUER, secrets, testApp } from '../support/fixtures.js';

const MCP = 'https://api.example.test/mcp';
const METADATA = 'https://api.example.test/.well-known/oauth-protected-resource/mcp';
const CHALLENGE = `Bearer resource_metadata="${METADATA}"`;
const INVALID = 'the access token is invalid, expired or revoked';
const INVALID_CHALLENGE = `${CHALLENGE}, error="invalid_token", error_description="${INVALID}"`;
/** What a JWT that is valid but for another audience gets (lib/tokens/jwt-verify.ts). */
const OTHER_AUDIENCE = 'the access token is invalid';
const OTHER_CHALLENGE = `${CHALLENGE}, error="invalid_token", error_description="${OTHER_AUDIENCE}"`;

function setup(overrides: Partial<ProviderOptions> = {}) {
  const { oauth, app } = testApp({
    resources: [{ resource: MCP, scopes: ['read', 'profile'] }],
    ...overrides,
  });
  app.get('/mcp', oauth.protect({ resource: MCP }), (req, res) => {
    res.json(req.oauth2?.token);
  });
  app.get('/mcp/profile', oauth.protect({ resource: MCP, scope: 'profile' }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/mcp/realm', oauth.protect({ resource: MCP, realm: 'tools' }), (_req, res) => {
    res.json({ ok: true });
  });
  return { oauth, app };
}

/** A client_credentials token of `service`, for `resource` when given. */
async function serviceToken(app: express.Express, resource?: string): Promise<string> {
  const res = await request(app)
    .post('/token')
    .auth('service', secrets.service.secret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'read', ...(resource ? { resource } : {}) });
  expect(res.status, res.text).to.equal(200);
  return res.body.access_token as string;
}

function get(app: express.Express, path: string, token?: string): request.Test {
  const test = request(app).get(path);
  return token === undefined ? test : test.set('Authorization', `Bearer ${token}`);
}

describe('protect({ resource }) (RFC 9728 5.1, RFC 8707)', () => {
  // RFC 9728 5.1: "the protected resource MUST include ... the "resource_metadata" parameter
  // containing the URL of the protected resource metadata" in its WWW-Authenticate challenges.
  it('no token → 401 with exactly Bearer resource_metadata="…" and an empty body', async () => {
    const { app } = setup();
    const res = await get(app, '/mcp');
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(CHALLENGE);
    expect(res.text).to.equal('');
  });

  it('the metadata URL never comes from the Host header or X-Forwarded-*', async () => {
    const { app } = setup();
    const res = await get(app, '/mcp')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'http');
    expect(res.headers['www-authenticate']).to.equal(CHALLENGE);
  });

  it('a token issued for the resource passes; req.oauth2 says its audience', async () => {
    const { app } = setup();
    const res = await get(app, '/mcp', await serviceToken(app, MCP));
    expect(res.status).to.equal(200);
    const token = res.body as AccessTokenInfo;
    expect(token.audience).to.equal(MCP);
    expect(token.clientId).to.equal('service');
    expect(token.scope).to.deep.equal(['read']);
  });

  // RFC 8707 2: the resource server must check that the token was issued for it.
  it('a valid token for the default audience → 401 invalid_token, the exact challenge and body', async () => {
    const { app } = setup();
    const res = await get(app, '/mcp', await serviceToken(app));
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(OTHER_CHALLENGE);
    expect(res.body).to.deep.equal({ error: 'invalid_token', error_description: OTHER_AUDIENCE });
  });

  it('the other way round: a token for the resource at a plain protect() route → 401', async () => {
    const { app } = setup();
    const res = await get(app, '/api/read', await serviceToken(app, MCP));
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(
      `Bearer realm="api", error="invalid_token", error_description="${OTHER_AUDIENCE}"`,
    );
  });

  it('an opaque token for another audience → 401 invalid_token too', async () => {
    const { app } = setup({ accessToken: { format: 'opaque' } });
    const res = await get(app, '/mcp', await serviceToken(app));
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(INVALID_CHALLENGE);
    const ok = await get(app, '/mcp', await serviceToken(app, MCP));
    expect(ok.status).to.equal(200);
  });

  // RFC 6750 3.1 insufficient_scope, with the scope needed (RFC 9728 5.1 keeps scope for step-up).
  it('a token without the scope → 403 insufficient_scope with scope="…" and resource_metadata', async () => {
    const { app } = setup();
    const res = await get(app, '/mcp/profile', await serviceToken(app, MCP));
    expect(res.status).to.equal(403);
    expect(res.headers['www-authenticate']).to.equal(
      `${CHALLENGE}, error="insufficient_scope", scope="profile"`,
    );
    expect(res.body).to.deep.equal({
      error: 'insufficient_scope',
      error_description: 'the access token does not carry the scope this resource needs',
    });
  });

  it('a malformed Authorization header → 400 invalid_request, resource_metadata included', async () => {
    const { app } = setup();
    const res = await request(app).get('/mcp').set('Authorization', 'Bearer a b');
    expect(res.status).to.equal(400);
    expect(res.headers['www-authenticate']).to.equal(
      `${CHALLENGE}, error="invalid_request", error_description="the Authorization header does not hold a well-formed bearer token"`,
    );
  });

  it('a realm, when given, comes first', async () => {
    const { app } = setup();
    const res = await get(app, '/mcp/realm');
    expect(res.headers['www-authenticate']).to.equal(
      `Bearer realm="tools", resource_metadata="${METADATA}"`,
    );
  });

  // RFC 9728 3.1: for a resource without a path, nothing follows the well-known string.
  for (const resource of ['https://api.example.test', 'https://api.example.test/']) {
    it(`the resource ${resource} → …/.well-known/oauth-protected-resource, no trailing slash`, async () => {
      const { oauth, app } = testApp({ accessToken: { audience: resource } });
      app.get('/root', oauth.protect({ resource }), (_req, res) => {
        res.json({ ok: true });
      });
      const res = await get(app, '/root');
      expect(res.headers['www-authenticate']).to.equal(
        'Bearer resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"',
      );
      expect((await get(app, '/root', await serviceToken(app))).status).to.equal(200);
    });
  }

  it('a path keeps its trailing slash; a quote in it is percent-encoded, never breaks the header', async () => {
    const resource = 'https://api.example.test/a%20b/"x"/';
    const { oauth, app } = testApp({ accessToken: { audience: resource } });
    app.get('/p', oauth.protect({ resource }), (_req, res) => {
      res.json({ ok: true });
    });
    const res = await get(app, '/p');
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/a%20b/%22x%22/"',
    );
  });

  it('quoted(): " and \\ are escaped (RFC 9110 5.6.4 quoted-pair)', () => {
    expect(quoted('a"b\\c')).to.equal('"a\\"b\\\\c"');
    expect(quoted('plain')).to.equal('"plain"');
  });

  describe('options checked when the route is made', () => {
    const { oauth } = setup();
    for (const [label, options, message] of [
      [
        'resource and audience together',
        { resource: MCP, audience: MCP },
        'protect(): give options.resource or options.audience, not both: the resource is the audience its tokens carry',
      ],
      [
        'a resource no token is issued for',
        { resource: 'https://api.example.test/other' },
        `protect(): options.resource "https://api.example.test/other" is neither the provider's audience nor one of options.resources, so no token could ever be issued for it`,
      ],
      [
        'http on a public host',
        { resource: 'http://api.example.test/mcp' },
        'protect(): options.resource must be an https URL (http only for localhost, 127.0.0.1 and [::1])',
      ],
      [
        'a query',
        { resource: `${MCP}?x=1` },
        'protect(): options.resource must have no query, fragment or user info (RFC 9728 1.2)',
      ],
      ['a fragment', { resource: `${MCP}#f` }, 'must have no query, fragment or user info'],
      ['not a URL', { resource: 'mcp' }, 'protect(): options.resource must be a URL'],
      ['not a string', { resource: 42 }, 'protect(): options.resource must be a URL'],
      ['a misspelled key', { resources: MCP }, 'did you mean "resource"?'],
    ] as const) {
      it(`${label} → TypeError`, () => {
        expect(() => oauth.protect(options as never)).to.throw(TypeError, message);
      });
    }
  });

  describe('verifyBearer(…, { resource }) (Fetch)', () => {
    const api = (token?: string) =>
      new Request(
        `${MCP}`,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );

    it('answers as protect() does: the bare challenge, invalid_token, then the token data', async () => {
      const { oauth, app } = setup();
      const provider = oauth.provider;
      const none = (await verifyBearer(provider, api(), { resource: MCP })) as Response;
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.equal(CHALLENGE);
      const other = (await verifyBearer(provider, api(await serviceToken(app)), {
        resource: MCP,
      })) as Response;
      expect(other.status).to.equal(401);
      expect(other.headers.get('www-authenticate')).to.equal(OTHER_CHALLENGE);
      expect(await other.json()).to.deep.equal({
        error: 'invalid_token',
        error_description: OTHER_AUDIENCE,
      });
      const info = (await verifyBearer(provider, api(await serviceToken(app, MCP)), {
        resource: MCP,
      })) as AccessTokenInfo;
      expect(info.audience).to.equal(MCP);
    });

    it('checks its options the same way', async () => {
      const { oauth } = setup();
      let error: unknown;
      await verifyBearer(oauth.provider, api(), { resource: `${MCP}#x` }).catch((e: unknown) => {
        error = e;
      });
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.equal(
        'verifyBearer(): options.resource must have no query, fragment or user info (RFC 9728 1.2)',
      );
    });
  });

  it('the issuer is not the resource: protect({ resource: ISSUER }) works when it is the default audience', async () => {
    const { oauth, app } = setup();
    app.get('/iss', oauth.protect({ resource: ISSUER }), (_req, res) => {
      res.json({ ok: true });
    });
    const res = await get(app, '/iss');
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer resource_metadata="https://auth.example.test/.well-known/oauth-protected-resource"',
    );
    expect((await get(app, '/iss', await serviceToken(app))).status).to.equal(200);
  });
});
