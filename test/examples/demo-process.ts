/**
 * `npm start` as a child process, for the tests of test/examples/demo-start*.ts:
 * a copy of this tree as a fresh clone has it after `npm ci` (no dist/, nor
 * .git or test output; node_modules linked to the installed one), and the demo
 * started there on a PORT with the environment a test gives. The first start in
 * a clone builds (`prestart`); later ones reuse that build (`npm start
 * --ignore-scripts` skips `prestart`). Every wait is bounded; a child and its
 * process group (npm → sh → node) are killed by {@link stopAndWait}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** How long the demo may take to build and start listening. */
export const STARTUP_MS = 60_000;
/** What a clone does not have: build output, installed packages, local files. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.git', 'test-output', 'coverage']);

/** A copy of ROOT as a fresh clone is after `npm ci`: no dist/, node_modules installed. */
export function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauth2-stateless-clone-'));
  cpSync(ROOT, dir, {
    recursive: true,
    filter: (src) => {
      const path = relative(ROOT, src);
      return (
        !path.split(/[\\/]/).some((part) => NOT_IN_A_CLONE.has(part)) &&
        !path.endsWith('.tgz') &&
        !path.startsWith('bench/results')
      );
    },
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Removes a clone made by {@link freshClone}. */
export function removeClone(clone: string): void {
  if (clone !== '') rmSync(clone, { recursive: true, force: true });
}

/** Whether the clone holds the compiled demo. */
export const built = (clone: string): boolean =>
  existsSync(join(clone, 'dist', 'examples', 'demo.js'));

export function freePort(): Promise<number> {
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

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Demo {
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
 * Spawns `npm start` in `clone` with PORT (unless `env` sets it) and `env`
 * (ISSUER, ACCESS_TOKEN_FORMAT and NODE_ENV only when given); skips the build
 * when the clone has one already.
 */
export function spawnDemo(clone: string, env: Record<string, string>, port: number): Demo {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ...env };
  for (const name of ['ISSUER', 'ACCESS_TOKEN_FORMAT', 'NODE_ENV'] as const)
    if (!(name in env)) delete childEnv[name];
  const child = spawn(NPM, built(clone) ? ['start', '--ignore-scripts'] : ['start'], {
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

/** Runs `npm start` in `clone` with PORT (a free one unless given) and `env`; resolves once the metadata answers. */
export async function startDemo(
  clone: string,
  env: Record<string, string>,
  chosenPort?: number,
): Promise<Demo> {
  const port = chosenPort ?? (await freePort());
  const demo = spawnDemo(clone, env, port);
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
export async function waitForOutput(demo: Demo, pattern: RegExp, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(demo.output()) && Date.now() < deadline) await sleep(50);
  return demo.output();
}

export function stopDemo(demo: Demo | undefined): void {
  if (demo === undefined || demo.child.pid === undefined) return;
  if (demo.child.exitCode !== null || demo.child.signalCode !== null) return;
  try {
    process.kill(-demo.child.pid, 'SIGTERM');
  } catch {
    // the group is already gone
  }
}

/** Stops the demo's process group and waits (bounded) for npm to exit, then SIGKILLs what is left. */
export async function stopAndWait(demo: Demo | undefined): Promise<void> {
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
export function printedUrls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s'"<>()]+/g)].map((m) => m[0].replace(/[.,;:]+$/, ''));
}

export async function json(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Waits (bounded) for the process to exit; its exit code, or undefined if it still runs. */
export async function exitCode(demo: Demo, ms = STARTUP_MS): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  while (demo.child.exitCode === null && demo.child.signalCode === null && Date.now() < deadline)
    await sleep(50);
  return demo.child.exitCode ?? undefined;
}

/** Holds a port open (as another program would) until closed. */
export function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

/** The README's first code block, one command a line, comments dropped. */
export function readmeFirstBlock(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  if (block === null) throw new Error('README.md has no ```sh block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}
