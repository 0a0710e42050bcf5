/**
 * The OAuth pages in a real host app (lib/http/views.ts): looked up under the
 * namespaced names oauth2/consent.ejs and oauth2/error.ejs (an app's own
 * error.ejs is never taken), given app.locals and res.locals, and sent with
 * frame-ancestors 'none' added to the app's own Content-Security-Policy.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import type express from 'express';
import request from 'supertest';
import { withFrameAncestors } from '../../lib/http/views.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  decide,
  expectRedirect,
  formFields,
  signedIn,
  spaParams,
} from '../support/authorize-app.js';

/** helmet 8's default Content-Security-Policy header, as it sends it. */
const HELMET_CSP =
  "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
  "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';" +
  "script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests";
const HELMET_CSP_ON_OAUTH_PAGES =
  "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; form-action 'self'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; " +
  "style-src 'self' 'unsafe-inline'; upgrade-insecure-requests; frame-ancestors 'none'";

describe('OAuth views in a host app', () => {
  const dirs: string[] = [];
  /** A temporary views directory holding `files` (relative name → EJS source). */
  const viewsDir = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-views-'));
    dirs.push(dir);
    for (const [name, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), source);
    }
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('lookup under oauth2/', () => {
    it("the app's own error.ejs and consent.ejs are not used for the OAuth pages", async () => {
      const dir = viewsDir({
        'error.ejs': '<p>the app error page: <%= message %></p>',
        'consent.ejs': '<p>the app consent page</p>',
      });
      const { app } = authorizeApp({ configure: (a) => a.set('views', dir) });
      const error = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
      expect(error.status).to.equal(400);
      expect(error.text).to.include('This authorization request cannot be completed');
      expect(error.text).not.to.include('the app error page');
      const consent = await (await signedIn(app)).get(authorizePath(spaParams()));
      expect(consent.status).to.equal(200);
      expect(consent.text).to.include('Photo Printer wants to access your account');
      expect(consent.text).not.to.include('the app consent page');
    });

    it('oauth2/error.ejs in a later views directory is found; the package page is the last resort', async () => {
      const first = viewsDir({ 'error.ejs': 'not this one' });
      const second = viewsDir({ 'oauth2/error.ejs': '<p id="ours"><%= error.code %></p>' });
      const { app } = authorizeApp({ configure: (a) => a.set('views', [first, second]) });
      const res = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
      expect(res.status).to.equal(400);
      expect(res.text).to.equal('<p id="ours">invalid_client</p>');
    });
  });

  describe('locals', () => {
    it('a host oauth2/consent.ejs gets app.locals (siteName) and res.locals; the OAuth locals win a shared name', async () => {
      const dir = viewsDir({
        'oauth2/consent.ejs':
          '<h1><%= siteName %>: <%= client.name %></h1><p><%= theme %></p>' +
          '<form method="post" action="<%= action %>">' +
          '<input type="hidden" name="transaction_id" value="<%= transactionId %>">' +
          '<input type="hidden" name="csrf_token" value="<%= csrfToken %>"></form>',
      });
      const { app } = authorizeApp({
        configure: (a: express.Express) => {
          a.set('views', dir);
          a.locals['siteName'] = 'Example Photos';
          a.use((_req, res, next) => {
            res.locals['theme'] = 'dark';
            res.locals['client'] = { name: 'spoofed by res.locals' };
            next();
          });
        },
      });
      const alice = await signedIn(app);
      const res = await alice.get(authorizePath(spaParams()));
      expect(res.status, res.text).to.equal(200);
      expect(res.text).to.include('<h1>Example Photos: Photo Printer</h1><p>dark</p>');
      const allowed = await decide(alice, { ...formFields(res.text), decision: 'allow' });
      expect(expectRedirect(allowed, CB, { status: 303 }).get('code')).to.be.a('string');
    });

    it('the error view gets them too', async () => {
      const dir = viewsDir({ 'oauth2/error.ejs': '<%= siteName %> / <%= error.code %>' });
      const { app } = authorizeApp({
        configure: (a) => {
          a.set('views', dir);
          a.locals['siteName'] = 'Example Photos';
        },
      });
      const res = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
      expect(res.text).to.equal('Example Photos / invalid_client');
    });
  });

  describe('Content-Security-Policy', () => {
    it("adds frame-ancestors 'none' to helmet's policy instead of replacing it (consent and error pages)", async () => {
      const { app } = authorizeApp({
        configure: (a) =>
          a.use((_req, res, next) => {
            res.setHeader('Content-Security-Policy', HELMET_CSP);
            res.setHeader('X-Frame-Options', 'SAMEORIGIN');
            next();
          }),
      });
      const consent = await (await signedIn(app)).get(authorizePath(spaParams()));
      expect(consent.status).to.equal(200);
      expect(consent.headers['content-security-policy']).to.equal(HELMET_CSP_ON_OAUTH_PAGES);
      expect(consent.headers['x-frame-options']).to.equal('DENY');
      const error = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
      expect(error.status).to.equal(400);
      expect(error.headers['content-security-policy']).to.equal(HELMET_CSP_ON_OAUTH_PAGES);
    });

    it("without a policy of the app's, the page's is frame-ancestors 'none'", async () => {
      const { app } = authorizeApp();
      const res = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
      expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
    });

    it('withFrameAncestors: each policy of several keeps its directives and gets the one it needs', () => {
      expect(withFrameAncestors(undefined)).to.equal("frame-ancestors 'none'");
      expect(withFrameAncestors(' ')).to.equal("frame-ancestors 'none'");
      expect(withFrameAncestors("default-src 'self';")).to.equal(
        "default-src 'self'; frame-ancestors 'none'",
      );
      expect(withFrameAncestors('FRAME-ANCESTORS https://evil.example; img-src *')).to.equal(
        "img-src *; frame-ancestors 'none'",
      );
    });

    it('an app that sends two policies gets frame-ancestors in both', async () => {
      const { app } = authorizeApp({
        configure: (a) =>
          a.use((_req, res, next) => {
            res.setHeader('Content-Security-Policy', ["img-src 'self'", 'frame-ancestors *']);
            next();
          }),
      });
      const res = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
      expect(res.headers['content-security-policy']).to.equal(
        "img-src 'self'; frame-ancestors 'none', frame-ancestors 'none'",
      );
    });
  });
});
