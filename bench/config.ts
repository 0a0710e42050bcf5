/**
 * The runner's settings: command-line flags first, then BENCH_* environment
 * variables, then defaults. Every number is checked; a bad one is a usage error.
 */
import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

export interface BenchConfig {
  /** Rounds; each runs every scenario once, in a rotated order. Default 5. */
  readonly rounds: number;
  /** Seconds of measured load per scenario and round. Default 5. */
  readonly duration: number;
  /** Seconds of unmeasured load just before each measured run. Default 1. */
  readonly warmup: number;
  /** Concurrent keep-alive connections. Default 50. */
  readonly connections: number;
  /** Connections that flood wrong secrets during a flood scenario's measured run. Default 1. */
  readonly floodConnections: number;
  /**
   * Access tokens minted before each run of a protect-jwt-new* scenario. Default
   * undefined: (warm-up + duration) × the highest bare-GET req/s seen so far × 1.25
   * + 2 × connections (bench/token-pool.ts).
   */
  readonly newTokens: number | undefined;
  /** Scenarios to run (the baseline, and the scenario a relative target names, are always added). Default all. */
  readonly only: readonly ScenarioName[];
  /** CPU the server process is pinned to. Default 0. */
  readonly serverCpu: number;
  /** CPU the load generator is pinned to. Default 1. */
  readonly loadCpu: number;
  /** Skip CPU pinning (results are then noisier). Default false. */
  readonly noPin: boolean;
  /** Take a V8 CPU profile of the server during every measured run, into bench/results/profiles/. Default false. */
  readonly cpuProf: boolean;
  /** Exit 3 when a target is missed. Default false (missed targets are reported, exit 0). */
  readonly strict: boolean;
  /**
   * Seconds after which the whole run is abandoned. Default: the planned load time
   * + 30 s + 1 s per run (5 s with --cpu-prof) + for each run of a protect-jwt-new*
   * scenario, time to mint its tokens (3 × (warm-up + duration) + 5 s, or 0.5 ms per
   * token with --new-tokens).
   */
  readonly timeout: number;
}

export const USAGE = `usage: node --import tsx bench/run.ts [options]   (or: npm run bench -- [options])
  --rounds N        rounds (BENCH_ROUNDS, default 5)
  --duration S      measured seconds per scenario per round (BENCH_DURATION, default 5)
  --warmup S        warm-up seconds before each measured run (BENCH_WARMUP, default 1)
  --connections N   concurrent connections (BENCH_CONNECTIONS, default 50)
  --flood-connections N
                    connections sending wrong secrets during *-flood scenarios, besides
                    the measured ones (BENCH_FLOOD_CONNECTIONS, default 1)
  --redis           also run the *-redis scenarios: the same with the Redis store
                    (BENCH_REDIS=1; the server is BENCH_REDIS_URL, default redis://127.0.0.1:6379)
  --new-tokens N    JWTs minted before each run of protect-jwt-new and protect-jwt-new-flood,
                    and DPoP proofs signed before each run of token-dpop and protect-dpop,
                    one per request (BENCH_NEW_TOKENS, default (warm-up + duration) x the
                    highest bare-get req/s so far x 1.25 + 2 x connections)
  --only a,b        scenarios to run; bare-get is always added, protect-jwt-new with
                    protect-jwt-new-flood, protect-jwt with userinfo-jwt (BENCH_ONLY)
                    ${SCENARIOS.map((s) => s.name).join(', ')}
  --server-cpu N    CPU for the server (BENCH_SERVER_CPU, default 0)
  --load-cpu N      CPU for the load generator (BENCH_LOAD_CPU, default 1)
  --no-pin          do not pin with taskset (BENCH_NO_PIN=1)
  --cpu-prof        CPU-profile the server during each measured run, one file per run in
                    bench/results/profiles/ (BENCH_CPU_PROF=1); the runner prints the
                    bench/profile-summary.ts command for each
  --strict          exit 3 when a target is missed (BENCH_STRICT=1)
  --timeout S       abandon the run after S seconds (BENCH_TIMEOUT)`;

function number(
  name: string,
  flag: string | undefined,
  env: string | undefined,
  fallback: number,
  min: number,
): number {
  const text = flag ?? env;
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min)
    throw new TypeError(`--${name} must be a number >= ${min} (got ${JSON.stringify(text)})`);
  return value;
}

function integer(
  name: string,
  flag: string | undefined,
  env: string | undefined,
  fallback: number,
  min: number,
): number {
  const value = number(name, flag, env, fallback, min);
  if (!Number.isInteger(value))
    throw new TypeError(`--${name} must be a whole number (got ${value})`);
  return value;
}

function flagOrEnv(flag: boolean | undefined, env: string | undefined): boolean {
  return flag === true || env === '1' || env === 'true';
}

function scenarioList(text: string | undefined, redis: boolean): ScenarioName[] {
  const all = SCENARIOS.map((s) => s.name);
  if (text === undefined || text.trim() === '')
    return SCENARIOS.filter((s) => redis || s.redis !== true).map((s) => s.name);
  const wanted = new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const name of wanted) {
    if (!(all as string[]).includes(name))
      throw new TypeError(
        `--only: unknown scenario ${JSON.stringify(name)}; known: ${all.join(', ')}`,
      );
  }
  wanted.add('bare-get');
  for (const s of SCENARIOS)
    if (wanted.has(s.name) && s.relativeTarget !== undefined) wanted.add(s.relativeTarget.of);
  return all.filter((name) => wanted.has(name));
}

/** Reads the settings; throws a TypeError naming the bad flag. */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BenchConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'flood-connections': { type: 'string' },
      'new-tokens': { type: 'string' },
      only: { type: 'string' },
      'server-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      'no-pin': { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      strict: { type: 'boolean' },
      redis: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const rounds = integer('rounds', values.rounds, env['BENCH_ROUNDS'], 5, 1);
  const duration = number('duration', values.duration, env['BENCH_DURATION'], 5, 1);
  const warmup = number('warmup', values.warmup, env['BENCH_WARMUP'], 1, 0);
  const only = scenarioList(
    values.only ?? env['BENCH_ONLY'],
    flagOrEnv(values.redis, env['BENCH_REDIS']),
  );
  const runs = rounds * only.length;
  const planned = runs * (duration + warmup);
  const cpuProf = flagOrEnv(values['cpu-prof'], env['BENCH_CPU_PROF']);
  const newTokensText = values['new-tokens'] ?? env['BENCH_NEW_TOKENS'];
  const newTokens =
    newTokensText === undefined || newTokensText === ''
      ? undefined
      : integer('new-tokens', newTokensText, undefined, 1, 1);
  const mintRuns =
    rounds *
    SCENARIOS.filter((s) => (s.newTokens === true || s.dpop === true) && only.includes(s.name))
      .length;
  const minting =
    mintRuns * (newTokens === undefined ? 3 * (duration + warmup) + 5 : newTokens * 0.0005 + 5);
  return Object.freeze({
    rounds,
    duration,
    warmup,
    connections: integer('connections', values.connections, env['BENCH_CONNECTIONS'], 50, 1),
    floodConnections: integer(
      'flood-connections',
      values['flood-connections'],
      env['BENCH_FLOOD_CONNECTIONS'],
      1,
      1,
    ),
    newTokens,
    only: Object.freeze(only),
    serverCpu: integer('server-cpu', values['server-cpu'], env['BENCH_SERVER_CPU'], 0, 0),
    loadCpu: integer('load-cpu', values['load-cpu'], env['BENCH_LOAD_CPU'], 1, 0),
    noPin: flagOrEnv(values['no-pin'], env['BENCH_NO_PIN']),
    cpuProf,
    strict: flagOrEnv(values.strict, env['BENCH_STRICT']),
    timeout: number(
      'timeout',
      values.timeout,
      env['BENCH_TIMEOUT'],
      Math.ceil(planned + 30 + runs * (cpuProf ? 5 : 1) + minting),
      10,
    ),
  });
}
