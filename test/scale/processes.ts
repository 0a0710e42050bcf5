/**
 * Helpers for the scale-out tests: free ports, demo processes and a private
 * redis-server, each started as its own process group and stopped for sure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isListening } from '../support/services.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A child process with its output kept for error messages. */
export interface Proc {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function start(command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `check` resolves true (every 100 ms, at most `ms`); throws with `what` otherwise. */
export async function until(what: string, check: () => Promise<boolean>, ms = 20_000, proc?: Proc): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc !== undefined && proc.child.exitCode !== null) throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${proc.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${ms} ms${proc === undefined ? '' : `:\n${proc.output()}`}`);
}

/** Starts the demo (`examples/demo.ts`) on `port` with `env`, and waits for its metadata. */
export async function startDemo(port: number, env: Record<string, string>): Promise<Proc> {
  const proc = start(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { PORT: String(port), NODE_ENV: 'test', ...env });
  await until(`demo on port ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)).ok, 20_000, proc);
  return proc;
}

/** Starts a redis-server of the test's own on `port` (nothing kept on disk). */
export async function startRedis(port: number): Promise<Proc> {
  const proc = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
  await until(`redis-server on port ${port}`, () => isListening(port), 10_000, proc);
  return proc;
}

/** A minimal cookie jar for fetch: keeps name=value pairs from Set-Cookie. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** fetch with these cookies, no redirect following; remembers new cookies. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.header() } });
    this.take(res);
    return res;
  }
}
