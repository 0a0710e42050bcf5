/**
 * The demo's contract as issue 9 extends it ("Clients that register
 * themselves"), driven the way a test outside this repository would: the
 * metadata gains `registration_endpoint` (open registration) and
 * `code_challenge_methods_supported: ["S256"]`; `ISSUER/mcp` is a protected
 * resource with its RFC 9728 document; a token for the default audience is
 * refused there; a registered public client runs code + PKCE + `resource` and
 * refreshes. (The MCP SDK's own client drives the same in test/e2e/mcp.test.ts.)
 */
import { expect } from 'chai';
import request from 'supertest';
import { s256Challenge } from '../../index.js';
import { createDemoApp } from '../../examples/demo-app.js';

const ISSUER = 'http://localhost:3000';
const MCP = `${ISSUER}/mcp`;
const REDIRECT_URI = 'http://127.0.0.1:33418/callback';

type App = ReturnType<typeof createDemoApp>['app'];

describe('demo contract, issue 9: registration, resources and the MCP server', function () {
  this.timeout(20_000);
  let app: App;
  before(() => {
    ({ app } = createDemoApp({ issuer: ISSUER }));
  });

  /** Registers a public native client the way MCP clients do; returns the answer's body. */
  async function register(): Promise<Record<string, unknown>> {
    const res = await request(app)
      .post('/register')
      .set('content-type', 'application/json')
      .send({
        client_name: 'Contract MCP client',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as Record<string, unknown>;
  }

  /** Signs alice in, allows, and returns the code sent to the client. */
  async function authorize(clientId: string, verifier: string): Promise<string> {
    const agent = request.agent(app);
    const path = `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'profile',
      state: 'st',
      code_challenge: s256Challenge(verifier),
      code_challenge_method: 'S256',
      resource: MCP,
    })}`;
    expect((await agent.get(path)).status).to.equal(302);
    await agent.post('/login').type('form').send({ username: 'alice', password: 'wonderland' });
    const page = await agent.get(path);
    expect(page.status).to.equal(200);
    const field = (name: string) =>
      new RegExp(`name="${name}" value="([^"]+)"`).exec(page.text)?.[1] ?? '';
    const decided = await agent
      .post('/authorize')
      .type('form')
      .send({
        transaction_id: field('transaction_id'),
        csrf_token: field('csrf_token'),
        decision: 'allow',
      });
    const back = new URL(decided.headers['location'] as string);
    expect(back.origin + back.pathname).to.equal(REDIRECT_URI);
    return back.searchParams.get('code')!;
  }

  it('metadata: registration_endpoint, S256 only, client ID metadata documents on', async () => {
    const res = await request(app).get('/.well-known/oauth-authorization-server');
    expect(res.status).to.equal(200);
    expect(res.body.registration_endpoint).to.equal(`${ISSUER}/register`);
    expect(res.body.code_challenge_methods_supported).to.deep.equal(['S256']);
    expect(res.body.client_id_metadata_document_supported).to.equal(true);
  });

  it('a client_id that is a metadata document URL on a private address is never fetched: the invalid-client page', async () => {
    const res = await request(app)
      .get('/authorize')
      .query({
        response_type: 'code',
        client_id: 'https://127.0.0.1/client.json',
        redirect_uri: 'https://127.0.0.1/cb',
        code_challenge: s256Challenge('v'.repeat(43)),
        code_challenge_method: 'S256',
      });
    expect(res.status).to.equal(400);
    expect(res.headers['location']).to.equal(undefined);
    expect(res.text).to.include('invalid_client');
  });

  it('open registration: 201 with the metadata echoed, a client_id and the management URI', async () => {
    const body = await register();
    expect(body['client_id']).to.be.a('string');
    expect(body['redirect_uris']).to.deep.equal([REDIRECT_URI]);
    expect(body['token_endpoint_auth_method']).to.equal('none');
    expect(body['client_secret']).to.equal(undefined);
    expect(body['registration_client_uri']).to.equal(
      `${ISSUER}/register/${encodeURIComponent(String(body['client_id']))}`,
    );
  });

  it('/mcp without a token: 401 with the resource_metadata challenge; the document names the resource', async () => {
    const res = await request(app).post('/mcp').send({});
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(
      `Bearer resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/mcp"`,
    );
    const doc = await request(app).get('/.well-known/oauth-protected-resource/mcp');
    expect(doc.status).to.equal(200);
    expect(doc.body.resource).to.equal(MCP);
    expect(doc.body.authorization_servers).to.deep.equal([ISSUER]);
    expect(doc.body.scopes_supported).to.include('profile');
  });

  it('/mcp answers browsers on other origins: preflight 204, and the 401 challenge is readable', async () => {
    const preflight = await request(app)
      .options('/mcp')
      .set('origin', 'http://localhost:6274')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization, content-type');
    expect(preflight.status).to.equal(204);
    expect(preflight.headers['access-control-allow-origin']).to.equal('*');
    expect(preflight.headers['access-control-allow-headers']).to.include('Authorization');
    expect(preflight.headers['access-control-allow-credentials']).to.equal(undefined);
    const res = await request(app).post('/mcp').set('origin', 'http://localhost:6274').send({});
    expect(res.status).to.equal(401);
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    expect(res.headers['access-control-expose-headers']).to.include('WWW-Authenticate');
  });

  it("demo-service's client_credentials token (default audience) is refused at /mcp with invalid_token", async () => {
    const token = await request(app)
      .post('/token')
      .auth('demo-service', 'demo-service-secret')
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(token.status).to.equal(200);
    const res = await request(app)
      .post('/mcp')
      .set('authorization', `Bearer ${token.body.access_token}`)
      .set('accept', 'application/json, text/event-stream')
      .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.match(/error="invalid_token"/);
  });

  it('a registered public client: code + PKCE + resource, tools/call whoami, and refresh keeps working', async () => {
    const clientId = String((await register())['client_id']);
    const verifier = 'a-verifier-for-the-issue-9-contract-0123456789';
    const code = await authorize(clientId, verifier);
    const token = await request(app).post('/token').type('form').send({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      resource: MCP,
    });
    expect(token.status, JSON.stringify(token.body)).to.equal(200);
    const call = (accessToken: string) =>
      request(app)
        .post('/mcp')
        .set('authorization', `Bearer ${accessToken}`)
        .set('accept', 'application/json, text/event-stream')
        .send({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        });
    const first = await call(token.body.access_token);
    expect(first.status).to.equal(200);
    expect(JSON.parse(first.body.result.content[0].text)).to.deep.equal({
      sub: 'user-7a1ce',
      client_id: clientId,
      scope: 'profile',
    });
    const refreshed = await request(app).post('/token').type('form').send({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: token.body.refresh_token,
      resource: MCP,
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
    expect((await call(refreshed.body.access_token)).status).to.equal(200);
    // A token for /mcp is not one for the demo's other API: /api/me refuses it.
    const api = await request(app)
      .get('/api/me')
      .set('authorization', `Bearer ${refreshed.body.access_token}`);
    expect(api.status).to.equal(401);
  });
});
