/**
 * The MCP flow end to end, driven by the official MCP TypeScript SDK's own
 * client against the demo: the SDK connects to `ISSUER/mcp`, gets 401 with a
 * `resource_metadata` challenge, reads the protected resource metadata (RFC
 * 9728) and the authorization server metadata (RFC 8414), registers itself
 * (RFC 7591, as a native public client with a loopback redirect URI), starts
 * the authorization code flow with PKCE S256 and `resource` (RFC 8707); the
 * person in the middle (login and consent) is played by plain HTTP with a
 * cookie jar; the SDK exchanges the code (with `resource`), calls the `whoami`
 * tool, and refreshes (with `resource`) once its access token stops working.
 */
import { expect } from 'chai';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { startDemo, type RunningDemo } from './demo-server.js';
import { HttpBrowser, location, parseConsentForm } from './http-browser.js';
import { claimsOf, MemoryClientProvider, REDIRECT_URI } from './mcp-client.js';

describe('e2e: the MCP SDK client drives the demo MCP server', function () {
  this.timeout(30_000);
  let demo: RunningDemo;
  let resource: string;

  before(async () => {
    demo = await startDemo();
    resource = `${demo.issuer}/mcp`;
  });
  after(() => demo.close());

  /** Signs alice in and allows the request at `authorizationUrl`; returns the code. */
  async function approve(authorizationUrl: URL): Promise<string> {
    const browser = new HttpBrowser();
    const first = await browser.get(authorizationUrl);
    expect(first.status, 'not signed in: sent to the login page').to.equal(302);
    const login = await browser.postForm(
      new URL('/login', demo.issuer),
      new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    );
    const back = location(login, demo.issuer);
    const consent = await browser.get(back);
    expect(consent.status, 'the consent page').to.equal(200);
    const html = await consent.text();
    expect(html).to.include('MCP end-to-end test');
    const { action, hidden } = parseConsentForm(html, back);
    hidden.set('decision', 'allow');
    const decided = await browser.postForm(action, hidden);
    const callback = location(decided, action);
    expect(callback.origin + callback.pathname).to.equal(REDIRECT_URI);
    expect(callback.searchParams.get('iss')).to.equal(demo.issuer);
    const code = callback.searchParams.get('code');
    expect(code, 'a code at the callback').to.be.a('string');
    return code!;
  }

  async function whoami(provider: MemoryClientProvider): Promise<unknown> {
    const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(resource), {
      authProvider: provider,
    });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      const content = result.content as { type: string; text: string }[];
      expect(content).to.have.length(1);
      expect(content[0]!.type).to.equal('text');
      return JSON.parse(content[0]!.text);
    } finally {
      await client.close();
    }
  }

  it('discovers, registers, authorizes with PKCE and resource, calls whoami, and refreshes', async () => {
    const provider = new MemoryClientProvider();
    const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(resource), {
      authProvider: provider,
    });
    let refused: unknown;
    try {
      await client.connect(transport);
    } catch (err) {
      refused = err;
    }
    expect(refused, 'the first connect needs the user').to.be.instanceOf(UnauthorizedError);
    expect(provider.registrations, 'registered once (RFC 7591)').to.equal(1);
    const clientId = provider.information!.client_id;

    const url = provider.authorizationUrl!;
    expect(url.origin + url.pathname).to.equal(`${demo.issuer}/authorize`);
    expect(url.searchParams.get('client_id')).to.equal(clientId);
    expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(url.searchParams.get('resource')).to.equal(resource);
    await transport.finishAuth(await approve(url));

    const tokens = provider.saved!;
    expect(tokens.token_type).to.equal('Bearer');
    expect(claimsOf(tokens.access_token)['aud'], 'the token is for /mcp only').to.equal(resource);
    expect(tokens.refresh_token).to.be.a('string');
    expect(await whoami(provider)).to.deep.equal({
      sub: 'user-7a1ce',
      client_id: clientId,
      scope: tokens.scope,
    });

    // The access token stops working: the SDK refreshes (with `resource`) and retries.
    const firstRefresh = tokens.refresh_token;
    provider.saved = { ...tokens, access_token: `${tokens.access_token}x` };
    expect(await whoami(provider)).to.deep.equal({
      sub: 'user-7a1ce',
      client_id: clientId,
      scope: tokens.scope,
    });
    expect(provider.saved.refresh_token, 'the refresh token was rotated').to.not.equal(
      firstRefresh,
    );
    expect(claimsOf(provider.saved.access_token)['aud']).to.equal(resource);
    expect(provider.registrations, 'no second registration').to.equal(1);
  });

  it('refuses a token for the default audience at /mcp (demo-service client_credentials)', async () => {
    const res = await fetch(`${demo.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).to.equal(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const mcp = await fetch(resource, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).to.equal(401);
    expect(mcp.headers.get('www-authenticate')).to.match(/^Bearer .*error="invalid_token"/);
    expect(mcp.headers.get('www-authenticate')).to.include(
      `resource_metadata="${demo.issuer}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it('answers 401 with the resource_metadata challenge without a token, and serves that document', async () => {
    const res = await fetch(resource, { method: 'POST', body: '{}' });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer resource_metadata="${demo.issuer}/.well-known/oauth-protected-resource/mcp"`,
    );
    const doc = await fetch(`${demo.issuer}/.well-known/oauth-protected-resource/mcp`);
    expect(doc.status).to.equal(200);
    const body = (await doc.json()) as Record<string, unknown>;
    expect(body['resource']).to.equal(resource);
    expect(body['authorization_servers']).to.deep.equal([demo.issuer]);
    expect(body['scopes_supported']).to.include('profile');
  });
});
