/**
 * README.md's "Protecting an MCP server", run as written
 * (test/support/readme-blocks.ts) and driven by the MCP SDK's own client: the
 * 401 challenge, discovery, registration, login and consent, the code with PKCE
 * and `resource`, and the `whoami` tool. The block's issuer is
 * https://tools.example.com: the client's fetch sends what is addressed there to
 * the block's server on a loopback port instead. The test provides only what a
 * host has around the block: a Passport strategy, the session secret, a port.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { HttpBrowser, location, parseConsentForm } from './e2e/http-browser.js';
import { claimsOf, MemoryClientProvider, REDIRECT_URI } from './e2e/mcp-client.js';
import { readmeBlock, runReadmeBlock } from './support/readme-blocks.js';

const ISSUER = 'https://tools.example.com';

describe('README.md: Protecting an MCP server', function () {
  this.timeout(30_000);
  const servers: Server[] = [];
  let base: string;
  /** A URL addressed to the README's issuer, sent to the block's server instead. */
  const local = (url: string | URL): string => String(url).replace(ISSUER, base);
  const localFetch = (url: string | URL, init?: RequestInit) => fetch(local(url), init);

  before(async () => {
    passport.use(
      new LocalStrategy((username, password, done) =>
        done(
          null,
          username === 'alice' && password === 'wonderland' ? { id: 'user-alice' } : false,
        ),
      ),
    );
    passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
    passport.deserializeUser((id: string, done) => done(null, { id }));
    const listen = express.application.listen;
    express.application.listen = function (this: express.Express) {
      const server = (listen as (...args: unknown[]) => Server).call(this, 0, '127.0.0.1');
      servers.push(server);
      return server;
    } as typeof listen;
    const secret = process.env['SESSION_SECRET'];
    process.env['SESSION_SECRET'] = 'a session secret';
    try {
      await runReadmeBlock('mcp', readmeBlock('## Protecting an MCP server'));
    } finally {
      express.application.listen = listen;
      if (secret === undefined) delete process.env['SESSION_SECRET'];
      else process.env['SESSION_SECRET'] = secret;
    }
    const server = servers[0]!;
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    for (const server of servers) server.close();
    passport.unuse('local');
  });

  it('answers POST /mcp without a token with the resource_metadata challenge', async () => {
    const res = await fetch(`${base}/mcp`, { method: 'POST', body: '{}' });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it('the MCP SDK client registers, signs alice in with PKCE and resource, and calls whoami', async () => {
    const provider = new MemoryClientProvider();
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(`${ISSUER}/mcp`), {
        authProvider: provider,
        fetch: localFetch,
      });
    const first = transport();
    const refused = await new Client({ name: 'readme', version: '1.0.0' }).connect(first).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(UnauthorizedError);
    const url = provider.authorizationUrl!;
    expect(url.searchParams.get('resource')).to.equal(`${ISSUER}/mcp`);
    expect(url.searchParams.get('scope')).to.equal('tools');

    const browser = new HttpBrowser();
    expect((await browser.get(local(url))).status).to.equal(302);
    const login = await browser.postForm(
      `${base}/login`,
      new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    );
    const back = location(login, base);
    const page = await browser.get(local(back));
    const html = await page.text();
    expect(html).to.include('MCP end-to-end test');
    const { action, hidden } = parseConsentForm(html, back);
    hidden.set('decision', 'allow');
    const callback = location(await browser.postForm(local(action), hidden), action);
    expect(callback.origin + callback.pathname).to.equal(REDIRECT_URI);
    await first.finishAuth(callback.searchParams.get('code')!);
    expect(claimsOf(provider.saved!.access_token)['aud']).to.equal(`${ISSUER}/mcp`);

    const client = new Client({ name: 'readme', version: '1.0.0' });
    await client.connect(transport());
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      const [content] = result.content as { type: string; text: string }[];
      expect(JSON.parse(content!.text)).to.deep.equal({
        sub: 'user-alice',
        client_id: provider.information!.client_id,
      });
    } finally {
      await client.close();
    }
  });
});
