/**
 * The peer runner's settings: command-line flags first, then BENCH_* environment
 * variables (the same names as bench/), then defaults. A bad value is a usage error.
 */
import { parseArgs } from 'node:util';
import { PEERS, type PeerName } from './scenarios.js';

export interface PeersConfig {
  /** Rounds; each runs every scenario once, in a rotated order. Default 5. */
  readonly rounds: number;
  /** Seconds of measured load per scenario and round. Default 5. */
  readonly duration: number;
  /** Seconds of unmeasured load just before each measured run. Default 1. */
  readonly warmup: number;
  /** Concurrent keep-alive connections. Default 50. */
  readonly connections: number;
  /** The peers to run (the baseline always runs). Default all. */
  readonly peers: readonly PeerName[];
  /** CPU the server process is pinned to. Default 0. */
  readonly serverCpu: number;
  /** CPU the load generator is pinned to. Default 1. */
  readonly loadCpu: number;
  /** Skip CPU pinning (results are then noisier). Default false. */
  readonly noPin: boolean;
  /** Skip `npm run build` at the root (use dist/ as it is). Default false. */
  readonly noBuild: boolean;
  /** Write only the raw JSON; leave results/ and both READMEs alone. Default false. */
  readonly noWrite: boolean;
  /** Seconds after which the whole run is abandoned. Default: planned load + 60 s + 2 s per run. */
  readonly timeout: number;
}

export const USAGE = `usage: npm run bench:peers -- [options]   (or: cd bench/peers && npm run bench -- [options])
  --rounds N        rounds (BENCH_ROUNDS, default 5)
  --duration S      measured seconds per scenario per round (BENCH_DURATION, default 5)
  --warmup S        warm-up seconds before each measured run (BENCH_WARMUP, default 1)
  --connections N   concurrent connections (BENCH_CONNECTIONS, default 50)
  --only a,b        peers to run; the bare GET always runs (BENCH_ONLY)
                    ${PEERS.map((p) => p.name).join(', ')}
  --server-cpu N    CPU for the server (BENCH_SERVER_CPU, default 0)
  --load-cpu N      CPU for the load generator (BENCH_LOAD_CPU, default 1)
  --no-pin          do not pin with taskset (BENCH_NO_PIN=1)
  --no-build        do not run 'npm run build' at the root first; use dist/ as it is
  --no-write        write only the raw JSON (bench/results/peers-*.json); leave
                    bench/peers/results/ and the READMEs as they are
  --timeout S       abandon the run after S seconds (BENCH_TIMEOUT)`;

function number(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min)
    throw new TypeError(`--${name} must be a number >= ${min} (got ${JSON.stringify(text)})`);
  return value;
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  const value = number(name, text, fallback, min);
  if (!Number.isInteger(value))
    throw new TypeError(`--${name} must be a whole number (got ${value})`);
  return value;
}

function flag(value: boolean | undefined, env: string | undefined): boolean {
  return value === true || env === '1' || env === 'true';
}

function peerList(text: string | undefined): PeerName[] {
  const all = PEERS.map((p) => p.name);
  if (text === undefined || text.trim() === '') return all;
  const wanted = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of wanted) {
    if (!(all as string[]).includes(name))
      throw new TypeError(`--only: unknown peer ${JSON.stringify(name)}; known: ${all.join(', ')}`);
  }
  return all.filter((name) => wanted.includes(name));
}

/** Reads the settings; throws a TypeError naming the bad flag. `scenarioCount` sizes the timeout. */
export function readConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  scenarioCount: (peers: readonly PeerName[]) => number,
): PeersConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      'server-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      'no-pin': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      'no-write': { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const rounds = integer('rounds', values.rounds ?? env['BENCH_ROUNDS'], 5, 1);
  const duration = number('duration', values.duration ?? env['BENCH_DURATION'], 5, 1);
  const warmup = number('warmup', values.warmup ?? env['BENCH_WARMUP'], 1, 0);
  const peers = peerList(values.only ?? env['BENCH_ONLY']);
  const runs = rounds * scenarioCount(peers);
  return Object.freeze({
    rounds,
    duration,
    warmup,
    connections: integer('connections', values.connections ?? env['BENCH_CONNECTIONS'], 50, 1),
    peers: Object.freeze(peers),
    serverCpu: integer('server-cpu', values['server-cpu'] ?? env['BENCH_SERVER_CPU'], 0, 0),
    loadCpu: integer('load-cpu', values['load-cpu'] ?? env['BENCH_LOAD_CPU'], 1, 0),
    noPin: flag(values['no-pin'], env['BENCH_NO_PIN']),
    noBuild: values['no-build'] === true,
    noWrite: values['no-write'] === true,
    timeout: number(
      'timeout',
      values.timeout ?? env['BENCH_TIMEOUT'],
      Math.ceil(runs * (duration + warmup) + 60 + runs * 2),
      10,
    ),
  });
}
