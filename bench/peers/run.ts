/**
 * The peer benchmark's entry point (`npm run bench:peers` at the root; usage in
 * bench/peers/README.md). The method is bench/'s, and so are its pieces: the load
 * (../load.ts, autocannon), the pinning (../pin.ts), /proc (../proc.ts), medians
 * (../report.ts).
 *
 * 1. Pins itself (the load generator) to CPU 1 with taskset, re-executing once if needed.
 * 2. Builds the library (`npm run build` at the root; the server loads dist/).
 * 3. Starts bench/peers/server.ts under `taskset -c 0` with NODE_ENV=production and
 *    an IPC channel (the server exits when the channel closes, so it dies with us).
 * 4. Fetches each bearer-check scenario's token from its own app and sends every
 *    scenario one request (./check.ts): it must be 2xx with the expected body, else
 *    the run stops.
 * 5. Runs the rounds: each runs every scenario once (a token scenario gets a fresh
 *    app first; warm-up, then measured load), in an order rotated by one per round.
 * 6. Prints the tables, writes bench/results/peers-<timestamp>.json, then the chart,
 *    results/peers.md and both README sections (not with --no-write); exits 1 if
 *    any response was not 2xx or any request failed (2 on timeout or setup failure).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fire, type LoadRequest } from '../load.js';
import { spawnServer } from '../server-process.js';
import { ensurePinned, pinningProblem } from '../pin.js';
import { allowedCpus, cpuSeconds, cpuTimes } from '../proc.js';
import { readConfig, USAGE, type PeersConfig } from './config.js';
import { publish } from './publish.js';
import { computeRatios, detailTable, peerTable, summarize, type RunRecord } from './report.js';
import { prepare } from './check.js';
import {
  BASELINE,
  SCENARIOS,
  type PeerName,
  type RunnerMessage,
  type Scenario,
  type ServerMessage,
} from './scenarios.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(dirname(HERE));
const RESULTS = join(ROOT, 'bench', 'results');
const startedAt = new Date();
const records: RunRecord[] = [];
let server: ChildProcess | undefined;

function fail(message: string, code = 2): never {
  console.error(`\nbench:peers: ${message}`);
  server?.kill('SIGKILL');
  writeResults({ status: 'aborted', reason: message });
  process.exit(code);
}

function writeResults(extra: Record<string, unknown>): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `peers-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, finishedAt: new Date(), argv: process.argv.slice(1), ...extra, records }, null, 2)}\n`,
  );
  return relative(ROOT, file);
}

function chosen(peers: readonly PeerName[]): Scenario[] {
  return SCENARIOS.filter((s) => s.peer === undefined || peers.includes(s.peer));
}

/** Starts bench/peers/server.ts (as bench/server-process.ts starts bench/server.ts). */
function startServer(
  config: PeersConfig,
  pinned: boolean,
  scenarios: readonly Scenario[],
): Promise<Extract<ServerMessage, { type: 'ready' }>> {
  const { child, ready } = spawnServer<Extract<ServerMessage, { type: 'ready' }>>({
    script: join(HERE, 'server.ts'),
    cpu: config.serverCpu,
    pinned,
    env: { BENCH_SCENARIOS: scenarios.map((s) => s.name).join(',') },
    onExit: (exited, message) => {
      if (server === exited) fail(message);
    },
  });
  server = child;
  return ready;
}

/** Gives a token scenario a fresh app (and storage) and waits, at most 30 s. */
function reset(scenario: string): Promise<void> {
  const child = server;
  if (child === undefined) return Promise.reject(new Error('no server'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`the server did not reset ${scenario} within 30 s`));
    }, 30_000);
    const onMessage = (answer: ServerMessage): void => {
      if (answer.type !== 'reset-done' || answer.scenario !== scenario) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send({ type: 'reset', scenario } satisfies RunnerMessage);
  });
}

/** Asks the server to exit and waits, at most 20 s. */
async function stopServer(): Promise<NodeJS.MemoryUsage | undefined> {
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

/** One measured run with the server's and the generator's CPU around it (as bench/run.ts). */
async function measure(
  config: PeersConfig,
  round: number,
  position: number,
  s: Scenario,
  request: LoadRequest,
): Promise<RunRecord> {
  if (s.operation === 'token') await reset(s.name);
  const warmup =
    config.warmup > 0 ? await fire(request, config.warmup, config.connections) : undefined;
  const pid = server?.pid ?? 0;
  const cpuBefore = cpuSeconds(pid);
  const coreBefore = cpuTimes(config.serverCpu);
  const loadBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const measured = await fire(request, config.duration, config.connections);
  const wall = (performance.now() - wallBefore) / 1000;
  const load = process.cpuUsage(loadBefore);
  const cpuAfter = cpuSeconds(pid);
  const coreAfter = cpuTimes(config.serverCpu);
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return {
    round,
    position,
    scenario: s.name,
    warmup,
    measured,
    server:
      cpu === undefined
        ? undefined
        : { cpuSeconds: cpu, utilization: cpu / wall, perCpuSecond: measured.responses / cpu },
    serverCpuNoise:
      cpu === undefined || coreBefore === undefined || coreAfter === undefined
        ? undefined
        : {
            foreign: Math.max(0, coreAfter.busy - coreBefore.busy - cpu),
            steal: coreAfter.steal - coreBefore.steal,
          },
    loadUtilization: (load.user + load.system) / 1e6 / wall,
    ratio: Number.NaN,
    cpuRatio: Number.NaN,
  };
}

function printRun(config: PeersConfig, r: RunRecord): void {
  const m = r.measured;
  const bad =
    m.non2xx + m.errors + (r.warmup === undefined ? 0 : r.warmup.non2xx + r.warmup.errors);
  const noise = r.serverCpuNoise;
  const wall = m.duration;
  console.log(
    `round ${r.round + 1}/${config.rounds}  ${r.scenario.padEnd(34)} ${m.rps.toFixed(0).padStart(6)} req/s  p99 ${String(m.latency.p99).padStart(4)} ms` +
      `  server CPU ${r.server === undefined ? '?' : (r.server.utilization * 100).toFixed(0).padStart(3)}%  load CPU ${(r.loadUtilization * 100).toFixed(0).padStart(3)}%` +
      (noise !== undefined && noise.foreign + noise.steal > 0.05 * wall
        ? `  (CPU ${config.serverCpu}: ${noise.foreign.toFixed(2)} s to others, ${noise.steal.toFixed(2)} s stolen)`
        : '') +
      (bad > 0 ? `  !! ${bad} non-2xx/errors ${JSON.stringify(m.statusCodes)}` : ''),
  );
}

async function main(): Promise<void> {
  let config: PeersConfig;
  try {
    config = readConfig(process.argv.slice(2), process.env, (peers) => chosen(peers).length);
  } catch (err) {
    console.error(`bench:peers: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  let pinned = !config.noPin;
  const problem = pinned ? pinningProblem(config.serverCpu, config.loadCpu) : undefined;
  if (problem !== undefined) {
    console.warn(`bench:peers: WARNING: not pinning CPUs (${problem}); numbers will be noisier`);
    pinned = false;
  }
  if (pinned) await ensurePinned(config.loadCpu);

  const watchdog = setTimeout(
    () => fail(`TIMEOUT: the run took more than ${config.timeout} s`),
    config.timeout * 1000,
  );
  process.on('SIGINT', () => fail('interrupted', 130));
  process.on('SIGTERM', () => fail('terminated', 143));

  const scenarios = chosen(config.peers);
  const runs = config.rounds * scenarios.length;
  console.log(
    `bench:peers: ${config.rounds} rounds x ${scenarios.length} scenarios, ${config.warmup} s warm-up + ${config.duration} s each, ` +
      `${config.connections} connections; about ${Math.ceil(runs * (config.warmup + config.duration))} s of load (hard limit ${config.timeout} s)`,
  );
  if (!config.noBuild) {
    console.log('bench:peers: building the library (npm run build); the server loads dist/');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const ready = await startServer(config, pinned, scenarios).catch((err: Error) =>
    fail(`could not start the server: ${err.message}`),
  );
  console.log(
    `bench:peers: server pid ${server?.pid} on CPU ${server?.pid === undefined ? '?' : (allowedCpus(server.pid) ?? '?')}, load generator on CPU ${allowedCpus() ?? '?'}, Node ${process.version}`,
  );
  const requests = await prepare(scenarios, ready).catch((err: Error) =>
    fail(`check before the load failed: ${err.message}`),
  );
  console.log(`bench:peers: every scenario answered its check (${scenarios.length} requests)`);

  for (let round = 0; round < config.rounds; round++) {
    const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length] as Scenario);
    for (const [position, s] of order.entries()) {
      const record = await measure(config, round, position, s, requests.get(s.name) as LoadRequest);
      records.push(record);
      printRun(config, record);
    }
  }

  clearTimeout(watchdog);
  const serverMemory = await stopServer();
  computeRatios(records);
  const summary = summarize(records);
  const non2xx = summary.reduce((n, s) => n + s.non2xx, 0);
  const errors = summary.reduce((n, s) => n + s.errors, 0);
  const rawFile = writeResults({
    status: non2xx + errors > 0 ? 'invalid' : 'ok',
    config,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      pinned,
    },
    serverMemory,
    summary,
    non2xx,
    errors,
  });

  console.log(
    `\nMedians over ${config.rounds} rounds; ratio = req/s / ${BASELINE} req/s of the same round.\n`,
  );
  console.log(peerTable(summary));
  console.log(`\n${detailTable(summary)}\n\nraw results: ${rawFile}`);
  if (non2xx + errors > 0) {
    const bar = '!'.repeat(78);
    console.error(
      `\n${bar}\n!! INVALID RUN: ${non2xx} non-2xx responses and ${errors} connection errors/timeouts.\n!! Nothing was published. See ${rawFile}.\n${bar}`,
    );
    process.exit(1);
  }
  if (!config.noWrite) {
    const written = publish(ROOT, HERE, summary, {
      startedAt,
      rounds: config.rounds,
      duration: config.duration,
      warmup: config.warmup,
      connections: config.connections,
      node: process.version,
      cpuModel: cpus()[0]?.model,
      pinned,
      serverCpu: config.serverCpu,
      loadCpu: config.loadCpu,
      rawFile,
    });
    console.log(`bench:peers: wrote ${written.join(', ')}`);
  }
  process.exit(0);
}

main().catch((err: unknown) =>
  fail(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
);
