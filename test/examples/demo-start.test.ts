/**
 * `npm start`, as the README promises it: on a fresh clone after the install
 * (the README's first block), it builds the demo and runs it compiled, in
 * production mode, on a free PORT, with ISSUER and ACCESS_TOKEN_FORMAT from the
 * environment (issue 3, "The demo (`npm start`) — a fixed contract"; issue 8,
 * "The demo and the README's two commands"). The clone and the processes:
 * ./demo-process.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  built,
  freePort,
  freshClone,
  json,
  printedUrls,
  removeClone,
  startDemo,
  stopAndWait,
  STARTUP_MS,
  waitForOutput,
  type Demo,
} from './demo-process.js';

/** The clone every test here starts the demo in (made in the root `before`). */
let clone = '';

async function clientCredentialsToken(demo: Demo): Promise<string> {
  const { status, body } = await json(`${demo.base}/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  expect(status, JSON.stringify(body)).to.equal(200);
  expect(body['access_token']).to.be.a('string');
  return body['access_token'] as string;
}

/** alice's sub through the password grant (demo-cli) and /api/me. */
async function aliceSub(demo: Demo): Promise<unknown> {
  const token = await json(`${demo.base}/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from('demo-cli:demo-cli-secret').toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'alice',
      password: 'wonderland',
      scope: 'profile',
    }).toString(),
  });
  expect(token.status, JSON.stringify(token.body)).to.equal(200);
  const me = await json(`${demo.base}/api/me`, {
    headers: { Authorization: `Bearer ${String(token.body['access_token'])}` },
  });
  expect(me.status).to.equal(200);
  return me.body['sub'];
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'jwks_uri',
] as const;

describe('npm start (the demo as a process)', function () {
  this.timeout(STARTUP_MS + 15_000);
  before(() => {
    clone = freshClone();
  });
  after(() => {
    removeClone(clone);
  });

  describe('defaults: PORT only, on a fresh clone (npm ci done, nothing built)', () => {
    let demo: Demo | undefined;
    let builtBefore = true;
    before(async () => {
      builtBefore = built(clone);
      demo = await startDemo(clone, {});
    });
    after(async () => {
      await stopAndWait(demo);
    });

    it('builds the demo first, then runs it compiled (node dist/examples/demo.js), not through tsx', () => {
      expect(builtBefore, 'the clone had a build before npm start').to.equal(false);
      expect(built(clone)).to.equal(true);
      const scripts = (
        JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as {
          scripts: Record<string, string>;
        }
      ).scripts;
      expect(scripts['start']).to.match(/^node\b.* dist\/examples\/demo\.js$/);
      expect(scripts['start']).to.not.include('tsx');
    });

    it('runs in production mode by default (NODE_ENV=production)', async () => {
      const output = await waitForOutput(demo!, /NODE_ENV=/);
      expect(output).to.include('NODE_ENV=production');
    });

    it('the login page cannot be framed: X-Frame-Options DENY and CSP frame-ancestors none', async () => {
      const res = await fetch(`${demo!.base}/login`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('content-security-policy')).to.match(/frame-ancestors 'none'/);
    });

    it("an error at /login is the demo's error page: the status alone, no stack trace", async () => {
      const res = await fetch(`${demo!.base}/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `username=alice&password=${'x'.repeat(8000)}`,
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).to.equal(413);
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      const page = await res.text();
      expect(page).to.include('413 Payload Too Large');
      expect(page).to.not.match(/\bat \S+ \(|node_modules|Error:|entity too large/);
    });

    it('prints the URL to open: the issuer http://localhost:PORT', async () => {
      const issuer = `http://localhost:${demo!.port}`;
      const output = await waitForOutput(
        demo!,
        new RegExp(`${issuer.replace(/[.]/g, '\\.')}/?(\\s|$)`),
      );
      expect(printedUrls(output)).to.satisfy(
        (urls: string[]) => urls.some((u) => u === issuer || u === `${issuer}/`),
        `printed:\n${output}`,
      );
    });

    it('metadata lists every endpoint under http://localhost:PORT and sets authorization_response_iss_parameter_supported', async () => {
      const issuer = `http://localhost:${demo!.port}`;
      const { status, body } = await json(`${demo!.base}/.well-known/oauth-authorization-server`);
      expect(status).to.equal(200);
      expect(body['issuer']).to.equal(issuer);
      for (const name of ENDPOINTS) {
        expect(body[name], name).to.be.a('string');
        expect(
          String(body[name]).startsWith(`${issuer}/`),
          `${name}: ${String(body[name])}`,
        ).to.equal(true);
      }
      expect(body['authorization_response_iss_parameter_supported']).to.equal(true);
    });

    it('issues JWT access tokens by default (three dot-separated parts)', async () => {
      const token = await clientCredentialsToken(demo!);
      expect(token.split('.')).to.have.length(3);
    });

    it('the endpoints the metadata lists answer on this port (jwks_uri, the client page)', async () => {
      const { body } = await json(`${demo!.base}/.well-known/oauth-authorization-server`);
      const jwks = await json(`${demo!.base}${new URL(String(body['jwks_uri'])).pathname}`);
      expect(jwks.status).to.equal(200);
      expect(jwks.body['keys']).to.be.an('array').that.is.not.empty;
      const page = await fetch(`${demo!.base}/`, { signal: AbortSignal.timeout(5000) });
      expect(page.status).to.equal(200);
      expect(await page.text()).to.match(/<button\b[^>]*\bid\s*=\s*["']?start\b/i);
    });

    it("alice's sub is user-7a1ce", async () => {
      expect(await aliceSub(demo!)).to.equal('user-7a1ce');
    });
  });

  describe('ISSUER=http://127.0.0.1:PORT', () => {
    let demo: Demo | undefined;
    let issuer = '';
    before(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      // ISSUER names the port the demo listens on
      demo = await startDemo(clone, { ISSUER: issuer }, port);
    });
    after(async () => {
      await stopAndWait(demo);
    });

    it('metadata issuer and endpoints are under ISSUER', async () => {
      const { status, body } = await json(`${issuer}/.well-known/oauth-authorization-server`);
      expect(status).to.equal(200);
      expect(body['issuer']).to.equal(issuer);
      for (const name of ENDPOINTS)
        expect(
          String(body[name]).startsWith(`${issuer}/`),
          `${name}: ${String(body[name])}`,
        ).to.equal(true);
      expect(body['authorization_response_iss_parameter_supported']).to.equal(true);
    });

    it('prints ISSUER as the URL to open', async () => {
      const output = await waitForOutput(
        demo!,
        new RegExp(`${issuer.replace(/[.]/g, '\\.')}/?(\\s|$)`),
      );
      expect(printedUrls(output)).to.satisfy(
        (urls: string[]) => urls.some((u) => u === issuer || u === `${issuer}/`),
        `printed:\n${output}`,
      );
    });

    it("alice's sub is the same user-7a1ce after a restart (another process)", async () => {
      expect(await aliceSub(demo!)).to.equal('user-7a1ce');
    });
  });

  describe('ACCESS_TOKEN_FORMAT=opaque', () => {
    let demo: Demo | undefined;
    before(async () => {
      demo = await startDemo(clone, { ACCESS_TOKEN_FORMAT: 'opaque' });
    });
    after(async () => {
      await stopAndWait(demo);
    });

    it('a client_credentials access token is opaque (no dots) and still opens /api/data', async () => {
      const token = await clientCredentialsToken(demo!);
      expect(token).to.not.include('.');
      expect(token.length).to.be.greaterThan(20);
      const res = await fetch(`${demo!.base}/api/data`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).to.equal(200);
    });
  });

  describe('ACCESS_TOKEN_FORMAT=jwt', () => {
    let demo: Demo | undefined;
    before(async () => {
      demo = await startDemo(clone, { ACCESS_TOKEN_FORMAT: 'jwt' });
    });
    after(async () => {
      await stopAndWait(demo);
    });

    it('a client_credentials access token is a JWT (three parts)', async () => {
      const token = await clientCredentialsToken(demo!);
      expect(token.split('.')).to.have.length(3);
    });
  });
});
