/**
 * `npm start`, as the README promises it: on a fresh clone after the install
 * (the README's first block), it builds the demo and runs it compiled, in
 * production mode, on a free PORT, with ISSUER and ACCESS_TOKEN_FORMAT from the
 * environment (issue 3, "The demo (`npm start`) — a fixed contract"; issue 8,
 * "The demo and the README's two commands").
 *
 * The "fresh clone" is a copy of this tree without dist/ (nor .git, test output)
 * whose node_modules links to the installed one: what `npm ci` leaves on a
 * clone. The first start builds there; later ones reuse that build
 * (`npm start --ignore-scripts` skips `prestart`). Every wait is bounded; each
 * child and its process group (npm → sh → node) are killed in the after hooks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** How long the demo may take to build and start listening. */
const STARTUP_MS = 60_000;
/** What a clone does not have: build output, installed packages, local files. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.git', 'test-output', 'coverage']);

/** The clone every test here starts the demo in (made in the root `before`). */
let clone = '';

/** A copy of ROOT as a fresh clone is after `npm ci`: no dist/, node_modules installed. */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2-stateless-clone-'));
  cpSync(ROOT, dir, {
    recursive: true,
    filter: (src) => {
      const path = relative(ROOT, src);
      const top = path.split(/[\\/]/)[0] ?? '';
      return (
        !NOT_IN_A_CLONE.has(top) && !path.endsWith('.tgz') && !path.startsWith('bench/results')
      );
    },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Whether the clone holds the compiled demo. */
const built = () => existsSync(join(clone, 'dist', 'examples', 'demo.js'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Demo {
  child: ChildProcess;
  port: number;
  /** What the demo printed so far on stdout. */
  output(): string;
  /** What it printed so far on stderr. */
  errors(): string;
  /** Where to send requests (loopback, whatever the issuer says). */
  base: string;
}

/**
 * Spawns `npm start` in the clone with PORT (unless `env` sets it) and `env`
 * (ISSUER, ACCESS_TOKEN_FORMAT and NODE_ENV only when given); skips the build
 * when the clone has one already.
 */
function spawnDemo(env: Record<string, string>, port: number): Demo {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ...env };
  for (const name of ['ISSUER', 'ACCESS_TOKEN_FORMAT', 'NODE_ENV'] as const)
    if (!(name in env)) delete childEnv[name];
  const child = spawn(NPM, built() ? ['start', '--ignore-scripts'] : ['start'], {
    cwd: clone,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    child,
    port,
    output: () => stdout,
    errors: () => stderr,
    base: `http://127.0.0.1:${port}`,
  };
}

/** Runs `npm start` with PORT (a free one unless given) and `env`; resolves once the metadata answers. */
async function startDemo(env: Record<string, string>, chosenPort?: number): Promise<Demo> {
  const port = chosenPort ?? (await freePort());
  const demo = spawnDemo(env, port);
  const { child } = demo;
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `npm start exited (${child.exitCode ?? child.signalCode}) before listening:\n${demo.output()}\n${demo.errors()}`,
      );
    }
    try {
      const res = await fetch(`${demo.base}/.well-known/oauth-authorization-server`, {
        signal: AbortSignal.timeout(2000),
      });
      if (res.ok) return demo;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopDemo(demo);
      throw new Error(
        `npm start did not answer on port ${port} within ${STARTUP_MS / 1000} s:\n${demo.output()}\n${demo.errors()}`,
      );
    }
    await sleep(150);
  }
}

/** Waits (bounded) for the demo to print something matching `pattern`. */
async function waitForOutput(demo: Demo, pattern: RegExp, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(demo.output()) && Date.now() < deadline) await sleep(50);
  return demo.output();
}

function stopDemo(demo: Demo | undefined): void {
  if (demo === undefined || demo.child.pid === undefined) return;
  if (demo.child.exitCode !== null || demo.child.signalCode !== null) return;
  try {
    process.kill(-demo.child.pid, 'SIGTERM');
  } catch {
    // the group is already gone
  }
}

/** Stops the demo's process group and waits (bounded) for npm to exit, then SIGKILLs what is left. */
async function stopAndWait(demo: Demo | undefined): Promise<void> {
  if (demo === undefined || demo.child.pid === undefined) return;
  const pid = demo.child.pid;
  const exited = new Promise<void>((resolve) => {
    if (demo.child.exitCode !== null || demo.child.signalCode !== null) resolve();
    else demo.child.once('exit', () => resolve());
  });
  stopDemo(demo);
  await Promise.race([exited, sleep(5000)]);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // all gone
  }
}

/** Every http(s) URL printed, without trailing punctuation. */
function printedUrls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s'"<>()]+/g)].map((m) => m[0].replace(/[.,;:]+$/, ''));
}

async function json(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

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

/** Waits (bounded) for the process to exit; its exit code, or undefined if it still runs. */
async function exitCode(demo: Demo, ms = STARTUP_MS): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  while (demo.child.exitCode === null && demo.child.signalCode === null && Date.now() < deadline)
    await sleep(50);
  return demo.child.exitCode ?? undefined;
}

/** Holds a port open (as another program would) until closed. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

/** The README's first code block, one command a line, comments dropped. */
function readmeFirstBlock(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  if (block === null) throw new Error('README.md has no ```sh block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

describe("the README's first block", () => {
  it('is the install, then npm start and npm test (the commands this file and CI run on a clone)', () => {
    expect(readmeFirstBlock()).to.deep.equal(['npm ci', 'npm start', 'npm test']);
  });
});

describe('npm start (the demo as a process)', function () {
  this.timeout(STARTUP_MS + 15_000);
  before(() => {
    clone = freshClone();
  });
  after(() => {
    if (clone !== '') rmSync(clone, { recursive: true, force: true });
  });

  describe('defaults: PORT only, on a fresh clone (npm ci done, nothing built)', () => {
    let demo: Demo | undefined;
    let builtBefore = true;
    before(async () => {
      builtBefore = built();
      demo = await startDemo({});
    });
    after(async () => {
      await stopAndWait(demo);
    });

    it('builds the demo first, then runs it compiled (node dist/examples/demo.js), not through tsx', () => {
      expect(builtBefore, 'the clone had a build before npm start').to.equal(false);
      expect(built()).to.equal(true);
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
      demo = await startDemo({ ISSUER: issuer }, port);
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
      demo = await startDemo({ ACCESS_TOKEN_FORMAT: 'opaque' });
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
      demo = await startDemo({ ACCESS_TOKEN_FORMAT: 'jwt' });
    });
    after(async () => {
      await stopAndWait(demo);
    });

    it('a client_credentials access token is a JWT (three parts)', async () => {
      const token = await clientCredentialsToken(demo!);
      expect(token.split('.')).to.have.length(3);
    });
  });
  describe('a busy port', () => {
    let holder: Server | undefined;
    let demo: Demo | undefined;
    after(async () => {
      await stopAndWait(demo);
      await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
    });

    it('exits non-zero with a message naming the port, and never prints the URL to open', async () => {
      const port = await freePort();
      holder = await occupy(port);
      demo = spawnDemo({}, port);
      const code = await exitCode(demo);
      expect(code, `still running or killed:\n${demo.output()}\n${demo.errors()}`).to.be.a(
        'number',
      );
      expect(code).to.not.equal(0);
      expect(demo.errors()).to.include(`port ${port} is already in use`);
      expect(demo.output()).to.not.match(/open http/);
    });
  });

  describe('a PORT that is not a port', () => {
    let demo: Demo | undefined;
    after(async () => {
      await stopAndWait(demo);
    });

    it('exits non-zero with a message naming PORT', async () => {
      demo = spawnDemo({ PORT: 'eighty' }, 0);
      const code = await exitCode(demo);
      expect(code).to.equal(1);
      expect(demo.errors()).to.include('PORT="eighty" is not a port number');
      expect(demo.output()).to.not.match(/open http/);
    });
  });
});
