/**
 * A real browser (Debian's Chromium under playwright-core, locale en-US) on the
 * demo's client page: "Sign in with OpenID Connect" runs the code flow + PKCE as
 * the public client demo-spa with `openid profile email` and a nonce; the user
 * signs in as alice and allows on the consent page; back on the page, its script
 * checks the id_token as a relying party must (signature with a key of
 * `jwks_uri`, `iss`, `aud`, `exp`, `nonce`), shows its claims and UserInfo's
 * answer. "Sign out" then goes to the end-session endpoint with the id_token as
 * `id_token_hint` and comes back to the page; the next authorization request
 * needs a new login.
 *
 * The consent page's screenshot is the one the README shows:
 * docs/images/consent.png (written by this test, so it stays current).
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

const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
/**
 * The demo's issuer as the browser sees it: a name Chromium maps to the demo's
 * ephemeral port (`--host-resolver-rules`), so the screenshot shows no port and
 * stays the same from run to run. `localhost` is a secure context, as
 * the page's WebCrypto needs.
 */
const ISSUER = 'http://localhost';

describe('e2e: the demo client page signs in with OpenID Connect and out again (Chromium)', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let port = 0;
  const pageErrors: string[] = [];

  before(async function () {
    requireChromium(this, 'test/e2e/browser-oidc.test.ts');
    await mkdir(IMAGES, { recursive: true });
    demo = await startDemo({}, (given) => {
      port = given;
      return ISSUER;
    });
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await demo?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  async function browser(): Promise<Page> {
    profile = await mkdtemp(join(tmpdir(), 'oauth2-stateless-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP localhost 127.0.0.1:${port}`],
      locale: 'en-US',
      viewport: { width: 900, height: 580 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    return page;
  }

  async function signIn(page: Page): Promise<void> {
    await page.waitForURL((url) => url.pathname === '/login');
    await page.fill('input[name="username"]', 'alice');
    await page.fill('input[name="password"]', 'wonderland');
    await page.click('form[action="/login"] button[type="submit"]');
  }

  it('the id_token is checked and shown with UserInfo; sign-out ends the session', async () => {
    const page = await browser();
    await page.goto(`${demo!.issuer}/`);
    await page.click('#oidc');
    await signIn(page);

    // The consent page names what openid, profile and email mean.
    await page.waitForURL((url) => url.pathname === '/authorize');
    await page.locator('button[name="decision"][value="allow"]').waitFor();
    expect(await page.locator('html').getAttribute('lang')).to.equal('en');
    const consent = await page.locator('main').innerText();
    expect(consent).to.include('Sign you in with your account');
    expect(consent).to.include('See your email address');
    await page.screenshot({ path: join(IMAGES, 'consent.png') });
    await page.click('button[name="decision"][value="allow"]');

    // Back on the client page: its checks passed and the claims are shown.
    await page.locator('#identity:not([hidden])').waitFor();
    expect(await page.locator('#error').innerText()).to.equal('');
    const checks = await page.locator('#checks li').allInnerTexts();
    expect(checks[0]).to.match(/^✓ signature verified \(ES256, key .+ of jwks_uri\)$/);
    expect(checks.slice(1)).to.deep.equal([
      `✓ iss is ${demo!.issuer}`,
      '✓ aud is demo-spa',
      '✓ nonce matches',
      '✓ not expired',
    ]);
    const claims = JSON.parse(await page.locator('#claims').innerText()) as Record<string, unknown>;
    expect(claims['sub']).to.equal('user-7a1ce');
    expect(claims['iss']).to.equal(demo!.issuer);
    expect(claims['aud']).to.equal('demo-spa');
    expect(claims['auth_time']).to.be.a('number');
    const userinfo = await page.locator('#userinfo').innerText();
    expect(userinfo.startsWith('200 ')).to.equal(true);
    expect(JSON.parse(userinfo.slice(4))).to.deep.equal({
      sub: 'user-7a1ce',
      name: 'Alice',
      email: 'alice@example.com',
      email_verified: true,
    });

    // Sign out: the id_token is the hint for alice, so the server ends her
    // session without asking and sends the browser back with the state.
    await page.click('#logout');
    await page.locator('#notice', { hasText: 'Signed out.' }).waitFor();
    expect(new URL(page.url()).pathname).to.equal('/');

    // Signed out for real: the next authorization request asks for a login.
    await page.click('#oidc');
    await page.waitForURL((url) => url.pathname === '/login');
    expect(pageErrors, 'uncaught errors in the pages').to.deep.equal([]);
  });
});
