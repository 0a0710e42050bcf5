/**
 * The demo's own pages (issue 8, "The demo and the README's two commands"): the
 * login page and the client page cannot be framed (the same headers as the
 * library's OAuth pages), and an error that reaches the app is the demo's error
 * page, naming the status alone: no message, no stack trace, whatever NODE_ENV
 * says (these tests run without it, where Express's own page shows the stack).
 */
import { expect } from 'chai';
import request from 'supertest';
import type { Response } from 'supertest';
import { createDemoApp } from '../../examples/demo-app.js';

const { app } = createDemoApp({ issuer: 'http://localhost:3000' });

/** The anti-framing headers of the OAuth pages (lib/http/views.ts). */
function expectNoFraming(res: Response): void {
  expect(res.headers['x-frame-options']).to.equal('DENY');
  expect(res.headers['content-security-policy']).to.match(/(^|;)\s*frame-ancestors 'none'/);
  expect(res.headers['x-content-type-options']).to.equal('nosniff');
}

/** A page that says nothing about the error but its status. */
function expectBareErrorPage(res: Response, status: number, reason: string): void {
  expect(res.status).to.equal(status);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expectNoFraming(res);
  expect(res.text).to.include(`${status} ${reason}`);
  // a stack frame, a module path, an error class or body-parser's own message
  expect(res.text).to.not.match(
    /\bat \S+ \(|node_modules|[A-Za-z]Error\b|entity too large|unsupported charset|KOI8-R/i,
  );
}

describe('examples/demo-app: its own pages', () => {
  for (const path of ['/login', '/login?error=1', '/', '/callback']) {
    it(`GET ${path} cannot be framed (X-Frame-Options DENY, CSP frame-ancestors 'none')`, async () => {
      const res = await request(app).get(path);
      expect(res.status).to.equal(200);
      expectNoFraming(res);
      expect(res.headers['cache-control']).to.equal('no-store');
    });
  }

  it('an oversized POST /login is a bare 413 page, not the stack of PayloadTooLargeError', async () => {
    const res = await request(app)
      .post('/login')
      .type('form')
      .send(`username=alice&password=${'x'.repeat(8000)}`);
    expectBareErrorPage(res, 413, 'Payload Too Large');
  });

  it('POST /login in a charset other than UTF-8 is a bare 415 page', async () => {
    const res = await request(app)
      .post('/login')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r')
      .send('username=alice&password=wonderland');
    expectBareErrorPage(res, 415, 'Unsupported Media Type');
  });

  it('an unknown path is the bare 404 page', async () => {
    const res = await request(app).get('/no/such/page');
    expectBareErrorPage(res, 404, 'Not Found');
  });

  it('the OAuth endpoints and the API still answer JSON (the error page is only for what nothing else answers)', async () => {
    const token = await request(app).post('/token').type('form').send('grant_type=nonsense');
    expect(token.status).to.equal(400);
    expect(token.headers['content-type']).to.match(/^application\/json/);
    const api = await request(app).get('/api/data').set('Authorization', 'Bearer nonsense');
    expect(api.status).to.equal(401);
    expect(api.headers['www-authenticate']).to.match(/^Bearer /);
  });
});
