/**
 * `npm start`, as the README promises it: a child process on a free PORT, with
 * ISSUER and ACCESS_TOKEN_FORMAT from the environment (issue 3, "The demo
 * (`npm start`) — a fixed contract"). Every wait is bounded; the child and its
 * process group (npm → tsx → node) are killed in the after hooks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** How long the demo may take to start listening. */
const STARTUP_MS = 20_000;

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
  /** What the demo printed so far. */
  output(): string;
  /** Where to send requests (loopback, whatever the issuer says). */
  base: string;
}

/** Runs `npm start` with PORT (a free one unless given) and `env`; resolves once the metadata answers. */
async function startDemo(env: Record<string, string>, chosenPort?: number): Promise<Demo> {
  const port = chosenPort ?? (await freePort());
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port) };
  for (const name of ['ISSUER', 'ACCESS_TOKEN_FORMAT'] as const)
    if (!(name in env)) delete childEnv[name];
  const child = spawn(NPM, ['start'], {
    cwd: ROOT,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const demo: Demo = { child, port, output: () => stdout, base: `http://127.0.0.1:${port}` };
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `npm start exited (${child.exitCode ?? child.signalCode}) before listening:\n${stdout}\n${stderr}`,
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
        `npm start did not answer on port ${port} within ${STARTUP_MS / 1000} s:\n${stdout}\n${stderr}`,
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

describe('npm start (the demo as a process)', function () {
  this.timeout(STARTUP_MS + 15_000);

  describe('defaults: PORT only', () => {
    let demo: Demo | undefined;
    before(async () => {
      demo = await startDemo({});
    });
    after(async () => {
      await stopAndWait(demo);
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
});
