/**
 * CORS in a real browser (Debian's Chromium under playwright-core, as in
 * browser.test.ts): a page served from another origin (http://localhost:P2)
 * calls the demo (http://127.0.0.1:P1) with fetch(). The token request uses
 * Basic authentication, so Chromium sends a preflight first; the page reads the
 * token, the metadata and the revocation answer, and cannot read introspection
 * (no CORS there) nor send credentials (never allowed).
 *
 * Without /usr/bin/chromium the suite is skipped with a warning, except under
 * CI=true, where it fails. Like browser.test.ts, `npm run test:core` should skip
 * it by name (--ignore test/e2e/cors-browser.test.ts).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './chromium.js';
import { startDemo, type RunningDemo } from './demo-server.js';

/** What the page's fetch() gave: the status and JSON body, or the error the browser raised. */
type Outcome = { status: number; body: unknown } | { error: string };

/** Runs fetch() in the page (on its own origin) and reports what the page could read. */
function pageFetch(page: Page, url: string, init: RequestInit): Promise<Outcome> {
  return page.evaluate(
    async ([target, options]) => {
      try {
        const res = await fetch(target, options);
        return { status: res.status, body: await res.json() };
      } catch (err) {
        return { error: String(err) };
      }
    },
    [url, init] as const,
  );
}

const BASIC = `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC };

describe('e2e: a page on another origin calls the token endpoint (Chromium, CORS)', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  let pages: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    requireChromium(this, 'test/e2e/cors-browser.test.ts');
    demo = await startDemo();
    pages = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>another origin</title><p>a client page</p>');
    }).listen(0, '127.0.0.1');
    await once(pages, 'listening');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    page = await browser.newPage();
    const { port } = pages.address() as AddressInfo;
    await page.goto(`http://localhost:${port}/`);
    expect(new URL(page.url()).origin).to.not.equal(demo.issuer);
  });

  after(async () => {
    await browser?.close();
    pages?.closeAllConnections();
    pages?.close();
    await demo?.close();
  });

  it('POST /token with Basic auth (preflighted) → the page reads the token response', async () => {
    const outcome = await pageFetch(page, `${demo!.issuer}/token`, {
      method: 'POST',
      headers: FORM,
      body: 'grant_type=client_credentials',
    });
    expect(outcome).to.have.property('status', 200);
    const body = (outcome as { body: Record<string, unknown> }).body;
    expect(body['token_type']).to.equal('Bearer');
    expect(body['access_token']).to.be.a('string').that.is.not.empty;
    expect(body['scope']).to.equal('read');
  });

  it('an error is readable too: a wrong secret → 401 invalid_client in the page', async () => {
    const outcome = await pageFetch(page, `${demo!.issuer}/token`, {
      method: 'POST',
      headers: { ...FORM, authorization: `Basic ${btoa('demo-service:wrong')}` },
      body: 'grant_type=client_credentials',
    });
    expect(outcome).to.have.property('status', 401);
    expect((outcome as { body: { error: string } }).body.error).to.equal('invalid_client');
  });

  it('the metadata document and the revocation endpoint are readable', async () => {
    const metadata = await pageFetch(
      page,
      `${demo!.issuer}/.well-known/oauth-authorization-server`,
      {},
    );
    expect(metadata).to.have.property('status', 200);
    expect((metadata as { body: { issuer: string } }).body.issuer).to.equal(demo!.issuer);
    const token = (await pageFetch(page, `${demo!.issuer}/token`, {
      method: 'POST',
      headers: FORM,
      body: 'grant_type=client_credentials',
    })) as { body: { access_token: string } };
    const revoked = await pageFetch(page, `${demo!.issuer}/revoke`, {
      method: 'POST',
      headers: FORM,
      body: `token=${token.body.access_token}`,
    });
    expect(revoked).to.have.property('status', 200);
  });

  it('introspection is not readable from another origin: the browser refuses the call', async () => {
    const outcome = await pageFetch(page, `${demo!.issuer}/introspect`, {
      method: 'POST',
      headers: FORM,
      body: 'token=anything',
    });
    expect(outcome).to.deep.equal({ error: 'TypeError: Failed to fetch' });
  });

  it('a request with credentials (cookies) is refused by the browser: credentials are never allowed', async () => {
    const outcome = await pageFetch(page, `${demo!.issuer}/token`, {
      method: 'POST',
      headers: FORM,
      body: 'grant_type=client_credentials',
      credentials: 'include',
    });
    expect(outcome).to.deep.equal({ error: 'TypeError: Failed to fetch' });
  });
});
