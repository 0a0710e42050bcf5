/**
 * The runner's side of the server process (bench/server.ts): starting it, asking
 * it something over the IPC channel, stopping it.
 *
 * Rules:
 * - one server process at a time;
 * - it runs with NODE_ENV=production, the library's build (dist/), and under
 *   `taskset -c <server CPU>` when pinned; its stderr lines are printed as `[server] …`;
 * - every question has a deadline (30 s unless said otherwise), and an exit
 *   nobody asked for is reported through `onUnexpectedExit`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './config.js';
import type { RunnerMessage, ServerMessage } from './scenarios.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
let server: ChildProcess | undefined;

/** The server's pid, once started. */
export function serverPid(): number | undefined {
  return server?.pid;
}

/** Kills the server at once (SIGKILL), if it runs. */
export function killServer(): void {
  server?.kill('SIGKILL');
}

/** How to start a benchmark server process (bench/server.ts, bench/peers/server.ts). */
export interface SpawnServerOptions {
  /** The TypeScript file to run with tsx. */
  readonly script: string;
  readonly cpu: number;
  readonly pinned: boolean;
  /** Environment on top of this process's, `NODE_ENV=production` and `BENCH_LIB`. */
  readonly env: Readonly<Record<string, string>>;
  /** Told of an exit, with a message; the caller decides whether it was asked for. */
  readonly onExit: (child: ChildProcess, message: string) => void;
}

/**
 * Starts a server process (pinned to `cpu` with taskset unless `pinned` is false,
 * its stderr lines printed as `[server] …`, an IPC channel) and resolves with its
 * first `ready` message, within 60 s.
 */
export function spawnServer<Ready extends { type: 'ready' }>(
  options: SpawnServerOptions,
): { child: ChildProcess; ready: Promise<Ready> } {
  const node = ['--import', 'tsx', options.script];
  const [command, args] = options.pinned
    ? ['taskset', ['-c', String(options.cpu), process.execPath, ...node]]
    : [process.execPath, node];
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      BENCH_LIB: join(ROOT, 'dist', 'index.js'),
      ...options.env,
    },
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
    console.error(`[server] ${line}`),
  );
  child.on('exit', (code, signal) =>
    options.onExit(
      child,
      `the server process exited unexpectedly (code ${code}, signal ${signal})`,
    ),
  );
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the server did not start within 60 s')),
      60_000,
    );
    child.on('error', (err) => reject(err));
    child.on('message', (message: { type?: unknown }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message as Ready);
    });
  });
  return { child, ready };
}

/** Starts bench/server.ts, pinned unless pinning is off; resolves with its ports once it listens. */
export function startServer(
  config: BenchConfig,
  pinned: boolean,
  onUnexpectedExit: (message: string) => void,
): Promise<Extract<ServerMessage, { type: 'ready' }>> {
  const { child, ready } = spawnServer<Extract<ServerMessage, { type: 'ready' }>>({
    script: join(HERE, 'server.ts'),
    cpu: config.serverCpu,
    pinned,
    env: {
      BENCH_SCENARIOS: config.only.join(','),
      BENCH_REDIS_LIB: join(ROOT, 'dist', 'lib', 'stores', 'redis.js'),
    },
    onExit: (exited, message) => {
      if (server === exited) onUnexpectedExit(message);
    },
  });
  server = child;
  return ready;
}

/** Sends `message` to the server and waits (at most `seconds`, default 30) for an answer of one of `answers`. */
export function ask(
  message: RunnerMessage,
  answers: readonly ServerMessage['type'][],
  seconds = 30,
): Promise<ServerMessage> {
  const child = server;
  if (child === undefined) return Promise.reject(new Error('no server'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`the server did not answer ${message.type} within ${seconds} s`));
    }, seconds * 1000);
    const onMessage = (answer: ServerMessage): void => {
      if (!answers.includes(answer.type)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(answer);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** Asks the server to exit and waits, at most 20 s. */
export async function stopServer(): Promise<NodeJS.MemoryUsage | undefined> {
  const child = server;
  if (child === undefined) return undefined;
  server = undefined;
  let memory: NodeJS.MemoryUsage | undefined;
  child.on('message', (message: ServerMessage) => {
    if (message.type === 'bye') memory = message.memory;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'shutdown' } satisfies RunnerMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
  return memory;
}
