/**
 * A real browser (Debian's Chromium under playwright-core) with a German
 * locale, so every request carries `Accept-Language: de-DE`, drives the demo:
 * it signs in as alice, starts the code flow + PKCE as the confidential client
 * demo-web with a direct /authorize URL, sees the consent page in German and
 * allows; the test redeems the code over HTTP (client_secret_basic). Then the
 * same browser opens /account/apps, sees "Demo web app" and clicks its revoke
 * button, after which that app's refresh token is refused (invalid_grant) and
 * its access token no longer opens /api/me. Screenshots go to test-output/
 * (consent-de.png, apps.png).
 *
 * Rules checked:
 * - the consent page follows the browser's language: `<html lang="de">`, German
 *   texts and the demo's German scope descriptions (issue 12, part 2);
 * - revoking an app takes back every token of its grant (issue 12, part 3;
 *   RFC 6749 5.2: a revoked refresh token is `invalid_grant`).
 *
 * Without /usr/bin/chromium the suite is skipped with a warning, except under
 * CI=true, where it fails: CI (.ci/run) installs Chromium first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './chromium.js';
import { startDemo, type RunningDemo } from './demo-server.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const BASIC = `Basic ${Buffer.from('demo-web:demo-web-secret').toString('base64')}`;

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

describe('e2e: a German browser (Chromium) sees consent in German and revokes an app', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  /** Uncaught errors in any page: the demo's pages should have none. */
  const pageErrors: string[] = [];
  /** The Accept-Language of every request the browser sent to the demo. */
  const languages = new Set<string>();

  before(async function () {
    requireChromium(this, 'test/e2e/browser-i18n-apps.test.ts');
    await mkdir(OUTPUT, { recursive: true });
    demo = await startDemo();
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await demo?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  /** A fresh German browser: new empty profile, locale de-DE, nothing signed in. */
  async function germanBrowser(): Promise<Page> {
    profile = await mkdtemp(join(tmpdir(), 'oauth2-stateless-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
      locale: 'de-DE',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('request', (request) => {
      if (request.url().startsWith(demo!.issuer))
        languages.add(request.headers()['accept-language'] ?? '(none)');
    });
    return page;
  }

  /** POST /token as demo-web (client_secret_basic, RFC 6749 2.3.1). */
  async function tokenRequest(params: Record<string, string>): Promise<TokenAnswer> {
    const res = await fetch(`${demo!.issuer}/token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** GET /api/me with a Bearer token: the status alone. */
  async function apiMe(accessToken: string): Promise<number> {
    const res = await fetch(`${demo!.issuer}/api/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('consent in German (Accept-Language: de), allow, then revoking demo-web at /account/apps refuses its refresh token', async () => {
    const page = await germanBrowser();
    const callback = `${demo!.issuer}/callback`;
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const authorize = new URL('/authorize', demo!.issuer);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-web',
      redirect_uri: callback,
      scope: 'profile read',
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();

    // Not signed in: the demo's login page, then back to the authorization request.
    await page.goto(authorize.href);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.fill('input[name="username"]', 'alice');
    await page.fill('input[name="password"]', 'wonderland');
    await page.click('form[action="/login"] button[type="submit"]');
    await page.waitForURL((url) => url.pathname === '/authorize');
    await page.locator('button[name="decision"][value="allow"]').waitFor();

    // The consent page, in German.
    expect(await page.locator('html').getAttribute('lang')).to.equal('de');
    expect(await page.locator('html').getAttribute('dir')).to.equal('ltr');
    expect(await page.title()).to.equal('Demo web app Zugriff erlauben?');
    const consent = await page.locator('main').innerText();
    expect(consent).to.include('Demo web app möchte auf Ihr Konto zugreifen');
    expect(consent).to.include('Ihre Benutzerkennung sehen');
    expect(consent).to.include('Ihre Daten lesen');
    expect(consent).to.not.include('Ihre Daten ändern');
    expect(consent).to.not.include('Read your data');
    expect(consent).to.include('Alice');
    expect(await page.locator('button[name="decision"][value="allow"]').innerText()).to.equal(
      'Erlauben',
    );
    expect(await page.locator('button[name="decision"][value="deny"]').innerText()).to.equal(
      'Ablehnen',
    );
    await page.screenshot({ path: join(OUTPUT, 'consent-de.png'), fullPage: true });

    // Allow: the answer is a redirect to the client with the code, state and iss
    // (RFC 6749 4.1.2, RFC 9207 2). The test is the client, so it reads the code
    // from that Location; the demo's own page at /callback then refuses the
    // answer (it did not ask for it) and redeems nothing.
    const [decision] = await Promise.all([
      page.waitForResponse(
        (res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/authorize',
      ),
      page.click('button[name="decision"][value="allow"]'),
    ]);
    expect(decision.status()).to.equal(303);
    const location = new URL(decision.headers()['location'] ?? '', demo!.issuer);
    expect(`${location.origin}${location.pathname}`).to.equal(callback);
    const answer = location.searchParams;
    expect(answer.get('error')).to.equal(null);
    expect(answer.get('state')).to.equal(state);
    expect(answer.get('iss')).to.equal(demo!.issuer);
    const code = answer.get('code');
    expect(code).to.be.a('string').and.not.equal('');

    // The client redeems the code over HTTP.
    const issued = await tokenRequest({
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: callback,
      code_verifier: verifier,
    });
    expect(issued.status).to.equal(200);
    expect(issued.body['scope']).to.equal('profile read');
    expect(issued.body['refresh_token']).to.be.a('string').and.not.equal('');
    expect(await apiMe(String(issued.body['access_token']))).to.equal(200);

    // One refresh while the grant stands: the refresh token under test is the
    // current one (rotation), so only the revocation below can make it fail.
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: String(issued.body['refresh_token']),
    });
    expect(refreshed.status).to.equal(200);
    const refreshToken = String(refreshed.body['refresh_token']);
    const accessToken = String(refreshed.body['access_token']);
    expect(refreshToken).to.not.equal('').and.not.equal(String(issued.body['refresh_token']));
    expect(await apiMe(accessToken)).to.equal(200);

    // The apps page, in the same browser (alice is still signed in).
    await page.goto(`${demo!.issuer}/account/apps`);
    expect(new URL(page.url()).pathname).to.equal('/account/apps');
    const apps = page.locator('ul.apps > li');
    const demoWeb = apps.filter({ has: page.locator('input[name="client_id"][value="demo-web"]') });
    expect(await demoWeb.count()).to.equal(1);
    expect(await demoWeb.locator('h2').innerText()).to.equal('Demo web app');
    await page.screenshot({ path: join(OUTPUT, 'apps.png'), fullPage: true });

    // Revoke: the form posts and the page answers 303 back to itself.
    await Promise.all([
      page.waitForResponse(
        (res) =>
          res.request().method() === 'GET' && new URL(res.url()).pathname === '/account/apps',
      ),
      demoWeb.locator('button[type="submit"]').click(),
    ]);
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).to.equal('/account/apps');
    expect(await demoWeb.count(), 'demo-web is gone from the list').to.equal(0);
    expect(await page.locator('main').innerText()).to.not.include('Demo web app');

    // The app's refresh token is refused (RFC 6749 5.2: "The provided
    // authorization grant ... or refresh token is invalid, expired, revoked").
    const after = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(after.status).to.equal(400);
    expect(after.body['error']).to.equal('invalid_grant');
    // And its access token no longer opens the API.
    expect(await apiMe(accessToken)).to.equal(401);

    // Every request said German; no page threw.
    expect([...languages]).to.have.length.greaterThan(0);
    for (const language of languages) expect(language).to.match(/^de\b/);
    expect(pageErrors, 'uncaught errors in the pages').to.deep.equal([]);
  });
});
