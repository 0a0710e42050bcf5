/**
 * Helpers for tests that run servers of their own: free loopback ports, child
 * processes (each its own process group, stopped for sure), bounded polling, a
 * private redis-server, the check that a binary is installed, and timing a call.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isListening, requireService } from './services.js';

const HOST = '127.0.0.1';
const root = fileURLToPath(new URL('../../', import.meta.url));

/** `count` distinct loopback ports that were free a moment ago (all held open together, then closed). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      server.listen(0, HOST);
      await once(server, 'listening');
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no port');
  return port;
}

/** A child process with its output kept for error messages. */
export interface Proc {
  child: ChildProcess;
  output(): string;
  /**
   * Sends SIGCONT (in case it was stopped) and then `signal` to the process
   * group; SIGKILL after 5 s. Resolves once it exited.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `command` in the repository root as its own process group, with `env` over this process's. */
export function start(command: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const kill = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(-(child.pid as number), signal);
      return true;
    } catch {
      return false; // gone
    }
  };
  return {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      kill('SIGCONT');
      if (!kill(signal)) return;
      const timer = setTimeout(() => kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `check` resolves true (every 100 ms, at most `ms`); throws with `what` otherwise. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  ms = 20_000,
  proc?: Proc,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc !== undefined && proc.child.exitCode !== null)
      throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${proc.output()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what}: not ready after ${ms} ms${proc === undefined ? '' : `:\n${proc.output()}`}`,
  );
}

/**
 * Starts a redis-server of the test's own on `port` (loopback, nothing kept on
 * disk, plus `args`) and waits until it accepts connections; stops it again if
 * it does not within 10 s.
 */
export async function startRedis(port: number, args: string[] = []): Promise<Proc> {
  const proc = start('redis-server', [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    ...args,
  ]);
  try {
    await until(`redis-server on port ${port}`, () => isListening(port, HOST, 200), 10_000, proc);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}

/**
 * Call in a `before` hook: skips the suite (or fails it under CI=true, see
 * {@link requireService}) unless each of `binaries` answers `--version`.
 */
export function requireBinaries(
  context: Mocha.Context,
  binaries: string[],
  hint: string,
): Promise<void> {
  return requireService(context, {
    name: `the ${binaries.join(' and ')} binar${binaries.length === 1 ? 'y' : 'ies'}`,
    probe: async () => binaries.every((bin) => spawnSync(bin, ['--version']).status === 0),
    hint,
  });
}

/** What a call threw (or undefined), and how long it took. */
export async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}
