/**
 * A real browser drives the demo: Debian's Chromium (/usr/bin/chromium, from
 * `apt-get install -y chromium`) under playwright-core. It opens the client page
 * at /, starts the code + PKCE flow as demo-spa, signs in as alice, answers the
 * consent page (allow, then deny in a fresh browser), and checks what the page
 * shows: the tokens and the /api/me answer, or the error. Screenshots go to
 * test-output/ (consent.png, callback.png).
 *
 * Without /usr/bin/chromium the suite is skipped with a warning, except under
 * CI=true, where it fails: CI (.ci/run) installs Chromium first.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './chromium.js';
import { startDemo, type RunningDemo } from './demo-server.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

describe('e2e: a real browser (Chromium) clicks through the demo', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  const contexts: BrowserContext[] = [];
  const profiles: string[] = [];
  /** Uncaught errors in any page: the demo's pages should have none. */
  const pageErrors: string[] = [];

  before(async function () {
    requireChromium(this, 'test/e2e/browser.test.ts');
    await mkdir(OUTPUT, { recursive: true });
    demo = await startDemo();
  });

  after(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await demo?.close();
    for (const dir of profiles.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh browser: new empty profile, nothing signed in. */
  async function freshBrowser(): Promise<Page> {
    const profile = await mkdtemp(join(tmpdir(), 'oauth2-stateless-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    contexts.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    return page;
  }

  function text(page: Page, selector: string): Promise<string> {
    return page.locator(selector).innerText();
  }

  /** Waits until the result card shows an outcome: #me filled, or #error. */
  async function outcome(page: Page): Promise<{ me: string; error: string }> {
    await page.locator('#me:not(:empty), #error:not(:empty)').first().waitFor();
    return { me: await text(page, '#me'), error: await text(page, '#error') };
  }

  /** Empties #me, so that a wait sees the next answer, not the one before. */
  async function clearMe(page: Page): Promise<void> {
    await page.evaluate("document.getElementById('me').textContent = ''");
  }

  /** From the client page to the consent page: #start, then the login form. */
  async function toConsent(page: Page): Promise<void> {
    await page.goto(`${demo!.issuer}/`);
    await page.click('#start');
    await page.waitForURL((url) => url.pathname === '/login');
    await page.fill('input[name="username"]', 'alice');
    await page.fill('input[name="password"]', 'wonderland');
    await page.click('form[action="/login"] button[type="submit"]');
    await page.waitForURL((url) => url.pathname === '/authorize');
    await page.locator('button[name="decision"][value="allow"]').waitFor();
  }

  it('allow: login, consent, then the page shows the tokens and a 200 from /api/me; refresh and revoke work', async () => {
    const page = await freshBrowser();
    await toConsent(page);

    // The consent page: client name, the scopes in words, who is signed in.
    const consent = await page.locator('main').innerText();
    expect(await page.title()).to.include('Demo single-page app');
    expect(consent).to.include('Demo single-page app');
    expect(consent).to.include('See your user id');
    expect(consent).to.include('Read your data');
    expect(consent).to.not.include('Change your data');
    expect(consent).to.include('Alice');
    expect(await page.locator('button[name="decision"][value="deny"]').isVisible()).to.equal(true);
    await page.screenshot({ path: join(OUTPUT, 'consent.png'), fullPage: true });

    await page.click('button[name="decision"][value="allow"]');
    await page.waitForURL((url) => url.pathname === '/'); // the page drops ?code=… from the address bar
    const first = await outcome(page);
    expect(first.error, 'no error on the client page').to.equal('');
    expect(first.me).to.match(/^200 /);
    expect(first.me).to.include('"sub": "user-7a1ce"');
    expect(first.me).to.include('"client_id": "demo-spa"');
    const tokens = JSON.parse(await text(page, '#tokens')) as Record<string, unknown>;
    expect(tokens['access_token']).to.be.a('string').and.not.equal('');
    expect(tokens['refresh_token']).to.be.a('string').and.not.equal('');
    expect(tokens['scope']).to.equal('profile read');
    await page.screenshot({ path: join(OUTPUT, 'callback.png'), fullPage: true });

    // Refresh: new tokens, /api/me still 200.
    await clearMe(page);
    await page.click('#refresh');
    const second = await outcome(page);
    expect(second.error).to.equal('');
    expect(second.me).to.match(/^200 /);
    expect(second.me).to.include('"sub": "user-7a1ce"');
    const refreshed = JSON.parse(await text(page, '#tokens')) as Record<string, unknown>;
    expect(refreshed['access_token']).to.be.a('string').and.not.equal(tokens['access_token']);
    expect(refreshed['refresh_token'], 'rotation')
      .to.be.a('string')
      .and.not.equal(tokens['refresh_token']);
    const direct = await fetch(`${demo!.issuer}/api/me`, {
      headers: { authorization: `Bearer ${String(refreshed['access_token'])}` },
    });
    expect(direct.status).to.equal(200);

    // Revoke: the whole grant goes, so the access token now gets a 401.
    await clearMe(page);
    await page.click('#revoke');
    await page.locator('#me:not(:empty)').waitFor();
    expect(await text(page, '#error')).to.include('Refresh token revoked');
    expect(await text(page, '#me')).to.match(/^401 /);

    expect(pageErrors, 'uncaught errors in the pages').to.deep.equal([]);
  });

  it('deny: a fresh browser signs in, denies on the consent page, and the page shows access_denied', async () => {
    const page = await freshBrowser();
    await toConsent(page);
    expect(await page.locator('main').innerText()).to.include('Demo single-page app');
    await page.click('button[name="decision"][value="deny"]');
    await page.waitForURL((url) => url.pathname === '/');
    const result = await outcome(page);
    expect(result.error).to.match(/^access_denied/);
    expect(result.me).to.equal('');
    expect(await text(page, '#tokens')).to.equal('');
    expect(pageErrors, 'uncaught errors in the pages').to.deep.equal([]);
  });
});
