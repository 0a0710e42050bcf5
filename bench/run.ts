/**
 * The benchmark's entry point (`npm run bench`; usage in bench/README.md).
 *
 * 1. Pins itself (the load generator) to CPU 1 with taskset, re-executing once if needed.
 * 2. Starts bench/server.ts under `taskset -c 0` with NODE_ENV=production and an
 *    IPC channel (./server-process.ts; the server exits when the channel closes,
 *    so it dies with us).
 * 3. Fetches one opaque and one JWT access token for the protect scenarios, and
 *    a user's tokens for the OpenID Connect ones (./user-tokens.ts), and checks
 *    every scenario answers 2xx once.
 * 4. Runs the rounds: each runs every scenario once (warm-up, then measured load),
 *    in an order rotated by one per round; during a flood scenario's measured
 *    load, other connections send a scrypt client's token request with a wrong
 *    secret. Before each run of a newTokens scenario the server mints a pool of
 *    JWTs, and every request (warm-up included) sends the next one; before each
 *    run of a dpop scenario this process signs a pool of DPoP proofs
 *    (./dpop-proofs.ts), one per request likewise.
 * 5. Prints the median table, writes bench/results/<timestamp>.json, and exits
 *    1 if any response was not 2xx, any request failed or a token pool ran out
 *    (3 for a missed target with --strict; 2 on timeout or a setup failure).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, USAGE, type BenchConfig } from './config.js';
import { MAX_PROOF_SECONDS, ProofSigner, type ProofTarget } from './dpop-proofs.js';
import { fire, type LoadRequest } from './load.js';
import { ensurePinned, pinningProblem } from './pin.js';
import { allowedCpus, cpuSeconds, cpuTimes } from './proc.js';
import { computeRatios, summarize, table, type RunRecord } from './report.js';
import {
  BENCH_ISSUER,
  CLIENT_ID,
  FLOOD_SECRET,
  SCENARIOS,
  TOKEN_BODY,
  type Scenario,
  type ScenarioName,
} from './scenarios.js';
import { ask, killServer, serverPid, startServer, stopServer } from './server-process.js';
import { poolSize, TokenPool } from './token-pool.js';
import { fetchUserTokens, refreshBody, userAnswerOk } from './user-tokens.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const RESULTS = join(HERE, 'results');
const startedAt = new Date();
const records: RunRecord[] = [];

function fail(message: string, code = 2): never {
  console.error(`\nbench: ${message}`);
  killServer();
  writeResults({ status: 'aborted', reason: message });
  process.exit(code);
}

function writeResults(extra: Record<string, unknown>): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, finishedAt: new Date(), argv: process.argv.slice(1), ...extra, records }, null, 2)}\n`,
  );
  return relative(ROOT, file);
}

/** Fresh memory stores for the token scenarios before each run (see bench/README.md). */
async function reset(): Promise<void> {
  await ask({ type: 'reset' }, ['reset-done']);
}

/**
 * A fresh provider for `scenario` and `count` tokens minted with it (allowing
 * 0.5 ms per token, six times what it takes on the reference VM, + 30 s).
 */
async function mint(scenario: ScenarioName, count: number): Promise<TokenPool> {
  const answer = await ask(
    { type: 'mint', scenario, count },
    ['minted', 'mint-failed'],
    30 + count * 0.0005,
  );
  if (answer.type === 'mint-failed') fail(`${scenario}: minting tokens failed: ${answer.error}`);
  if (answer.type !== 'minted' || answer.tokens.length !== count)
    fail(`${scenario}: asked for ${count} tokens, got another answer`);
  return new TokenPool(answer.tokens);
}

async function profileStart(): Promise<void> {
  const answer = await ask({ type: 'profile-start' }, ['profiling', 'profile-failed']);
  if (answer.type === 'profile-failed') fail(`profiling failed: ${answer.error}`);
}

/** Stops the profile of one measured run, writes it and prints how to read it. */
async function profileStop(
  scenario: ScenarioName,
  round: number,
  responses: number,
): Promise<string> {
  const dir = join(RESULTS, 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `${startedAt.toISOString().replace(/[:.]/g, '-')}-${scenario}-r${round + 1}.cpuprofile`,
  );
  const answer = await ask({ type: 'profile-stop', file }, ['profile-written', 'profile-failed']);
  if (answer.type === 'profile-failed') fail(`profiling failed: ${answer.error}`);
  console.log(
    `  profile: node --import tsx bench/profile-summary.ts ${relative(ROOT, file)} --requests ${responses}`,
  );
  return relative(ROOT, file);
}

/** A token from the scenario's provider; DPoP-bound when a proof is given. */
async function fetchToken(port: number, basic: string, dpop?: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: {
      authorization: basic,
      'content-type': 'application/x-www-form-urlencoded',
      ...(dpop === undefined ? {} : { dpop }),
    },
    body: TOKEN_BODY,
  });
  const body = (await res.json()) as { access_token?: unknown };
  if (res.status !== 200 || typeof body.access_token !== 'string')
    throw new Error(`token request got ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** One request of a scenario before any load: it must be 2xx and look right. */
async function check(name: ScenarioName, request: LoadRequest, dpop?: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${request.port}${request.path}`, {
    method: request.method,
    headers: { ...request.headers, ...(dpop === undefined ? {} : { dpop }) },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  const token = body['access_token'];
  const jwt = name.startsWith('token-jwt') || name === 'token-dpop';
  const user = SCENARIOS.find((s) => s.name === name)?.user === true;
  const ok =
    res.status >= 200 &&
    res.status < 300 &&
    (user
      ? userAnswerOk(request.method, body)
      : name.startsWith('token-')
        ? typeof token === 'string' &&
          (token.split('.').length === 3) === jwt &&
          body['token_type'] === (dpop === undefined ? 'Bearer' : 'DPoP')
        : body['ok'] === true);
  if (!ok)
    throw new Error(`${name}: ${request.method} ${request.path} answered ${res.status} ${text}`);
}

async function main(): Promise<void> {
  let config: BenchConfig;
  try {
    config = readConfig(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }

  let pinned = !config.noPin;
  const problem = pinned ? pinningProblem(config.serverCpu, config.loadCpu) : undefined;
  if (problem !== undefined) {
    console.warn(`bench: WARNING: not pinning CPUs (${problem}); numbers will be noisier`);
    pinned = false;
  }
  if (pinned) await ensurePinned(config.loadCpu);

  const watchdog = setTimeout(
    () => fail(`TIMEOUT: the run took more than ${config.timeout} s`),
    config.timeout * 1000,
  );
  process.on('SIGINT', () => fail('interrupted', 130));
  process.on('SIGTERM', () => fail('terminated', 143));

  const scenarios = SCENARIOS.filter((s) => config.only.includes(s.name));
  if (scenarios.some((s) => s.dpop === true) && config.warmup + config.duration > MAX_PROOF_SECONDS)
    fail(
      `the DPoP scenarios need --warmup + --duration <= ${MAX_PROOF_SECONDS} s (their proofs' iat must stay within the server's window)`,
    );
  const runs = config.rounds * scenarios.length;
  console.log(
    `bench: ${config.rounds} rounds x ${scenarios.length} scenarios, ${config.warmup} s warm-up + ${config.duration} s each, ` +
      `${config.connections} connections; about ${Math.ceil(runs * (config.warmup + config.duration))} s of load (hard limit ${config.timeout} s)`,
  );

  console.log('bench: building the library (npm run build); the server loads dist/');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const ready = await startServer(config, pinned, fail).catch((err: Error) =>
    fail(`could not start the server: ${err.message}`),
  );
  const pid = serverPid() ?? 0;
  const serverCpus = pid === 0 ? undefined : allowedCpus(pid);
  console.log(
    `bench: server pid ${pid} on CPU ${serverCpus ?? '?'}, load generator on CPU ${allowedCpus() ?? '?'}, Node ${process.version}`,
  );

  const basicOf = (secret: string): string =>
    `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const basic = basicOf(ready.clientSecret);
  const form = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
  const requests = new Map<ScenarioName, LoadRequest>();
  /** The client key of the dpop scenarios, and what each one's proofs say. */
  const signer = new ProofSigner();
  const proofTargets = new Map<ScenarioName, ProofTarget>();
  /** What a flood sends: the named scenario's token request with a wrong secret. */
  const floodOf = (target: ScenarioName): LoadRequest => {
    const t = SCENARIOS.find((x) => x.name === target) as Scenario;
    return {
      port: ready.ports[target],
      method: 'POST',
      path: t.path,
      headers: { ...form, authorization: basicOf(FLOOD_SECRET) },
      body: TOKEN_BODY,
    };
  };
  for (const s of scenarios) {
    const port = ready.ports[s.name];
    let headers: Record<string, string> = {};
    let body = s.method === 'POST' ? TOKEN_BODY : undefined;
    const htu = `${BENCH_ISSUER}${s.path}`;
    if (s.user === true) {
      const tokens = await fetchUserTokens(port, basic).catch((err: Error) =>
        fail(`${s.name}: ${err.message}`),
      );
      headers = s.method === 'POST' ? form : { authorization: `Bearer ${tokens.access}` };
      if (s.method === 'POST') body = refreshBody(tokens.refresh);
    } else if (s.method === 'POST') {
      headers = form;
      if (s.dpop === true) proofTargets.set(s.name, { htm: 'POST', htu });
    } else if (s.name.startsWith('protect-')) {
      const tokenProof =
        s.dpop === true ? signer.proof({ htm: 'POST', htu: `${BENCH_ISSUER}/token` }) : undefined;
      const token = await fetchToken(port, basic, tokenProof).catch((err: Error) =>
        fail(`${s.name}: ${err.message}`),
      );
      headers = { authorization: `${s.dpop === true ? 'DPoP' : 'Bearer'} ${token}` };
      if (s.dpop === true) proofTargets.set(s.name, { htm: 'GET', htu, token });
    }
    const request: LoadRequest = {
      port,
      method: s.method,
      path: s.path,
      headers,
      ...(body === undefined ? {} : { body }),
    };
    const target = proofTargets.get(s.name);
    await check(s.name, request, target === undefined ? undefined : signer.proof(target)).catch(
      (err: Error) => fail(`sanity check failed: ${err.message}`),
    );
    requests.set(s.name, request);
  }

  // The highest bare-get req/s so far sizes the token pools (bench/token-pool.ts);
  // bare-get runs first in round 1, so it is known before any pool is minted.
  let fastestBareGet = 0;
  for (let round = 0; round < config.rounds; round++) {
    const order = scenarios.map(
      (_, i) => scenarios[(i + round) % scenarios.length] as (typeof scenarios)[number],
    );
    for (const [position, s] of order.entries()) {
      let request = requests.get(s.name) as LoadRequest;
      await reset();
      const size =
        config.newTokens ??
        poolSize(config.warmup + config.duration, fastestBareGet || 20_000, config.connections);
      const target = proofTargets.get(s.name);
      const pool =
        s.newTokens === true
          ? await mint(s.name, size)
          : target !== undefined
            ? new TokenPool(signer.proofs(target, size))
            : undefined;
      if (pool !== undefined)
        request = { ...request, [target === undefined ? 'bearer' : 'dpop']: pool.next };
      const warmup =
        config.warmup > 0 ? await fire(request, config.warmup, config.connections) : undefined;
      if (config.cpuProf) await profileStart();
      const cpuBefore = cpuSeconds(pid);
      const coreBefore = cpuTimes(config.serverCpu);
      const loadBefore = process.cpuUsage();
      const wallBefore = performance.now();
      // A flood scenario: other connections send wrong secrets while the measured ones run.
      const flood =
        s.flood === undefined
          ? undefined
          : fire(floodOf(s.flood), config.duration, config.floodConnections);
      const measured = await fire(request, config.duration, config.connections);
      if (s.name === 'bare-get') fastestBareGet = Math.max(fastestBareGet, measured.rps);
      const flooded = await flood;
      const wall = (performance.now() - wallBefore) / 1000;
      const load = process.cpuUsage(loadBefore);
      const cpuAfter = cpuSeconds(pid);
      const coreAfter = cpuTimes(config.serverCpu);
      const cpu =
        cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      const noise =
        cpu === undefined || coreBefore === undefined || coreAfter === undefined
          ? undefined
          : {
              foreign: Math.max(0, coreAfter.busy - coreBefore.busy - cpu),
              steal: coreAfter.steal - coreBefore.steal,
            };
      records.push({
        round,
        position,
        scenario: s.name,
        warmup,
        measured,
        server:
          cpu === undefined
            ? undefined
            : { cpuSeconds: cpu, utilization: cpu / wall, perCpuSecond: measured.responses / cpu },
        serverCpuNoise: noise,
        loadUtilization: (load.user + load.system) / 1e6 / wall,
        ratio: Number.NaN,
        cpuRatio: Number.NaN,
        ...(pool === undefined
          ? {}
          : { tokens: { minted: pool.size, handedOut: pool.handedOut, reused: pool.reused } }),
      });
      const bad =
        measured.non2xx +
        measured.errors +
        (warmup === undefined ? 0 : warmup.non2xx + warmup.errors);
      console.log(
        `round ${round + 1}/${config.rounds}  ${s.name.padEnd(21)} ${measured.rps.toFixed(0).padStart(7)} req/s  p99 ${String(measured.latency.p99).padStart(4)} ms` +
          `  server CPU ${cpu === undefined ? '?' : ((cpu / wall) * 100).toFixed(0).padStart(3)}%  load CPU ${(((load.user + load.system) / 1e6 / wall) * 100).toFixed(0).padStart(3)}%` +
          (noise !== undefined && noise.foreign + noise.steal > 0.05 * wall
            ? `  (CPU ${config.serverCpu}: ${noise.foreign.toFixed(2)} s to others, ${noise.steal.toFixed(2)} s stolen)`
            : '') +
          (bad > 0 ? `  !! ${bad} non-2xx/errors ${JSON.stringify(measured.statusCodes)}` : '') +
          (flooded === undefined
            ? ''
            : `  (flood: ${flooded.rps.toFixed(0)} req/s ${JSON.stringify(flooded.statusCodes)})`) +
          (pool === undefined
            ? ''
            : `  (${target === undefined ? 'tokens' : 'proofs'}: ${pool.handedOut} of ${pool.size} made handed out` +
              (pool.reused > 0 ? `; !! ${pool.reused} REUSED: cache hits or replays` : '') +
              ')'),
      );
      if (config.cpuProf)
        (records.at(-1) as RunRecord).profile = await profileStop(
          s.name,
          round,
          measured.responses,
        );
    }
  }

  clearTimeout(watchdog);
  const serverMemory = await stopServer();
  computeRatios(records);
  const summary = summarize(records);
  const non2xx = summary.reduce((n, s) => n + s.non2xx, 0);
  const errors = summary.reduce((n, s) => n + s.errors, 0);
  const missed = summary.filter((s) => s.met === false).map((s) => s.scenario);
  const reused = summary.reduce((n, s) => n + s.reusedTokens, 0);
  const file = writeResults({
    status: non2xx + errors + reused > 0 ? 'invalid' : 'ok',
    config,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      pinned,
      loadCpus: allowedCpus(),
      serverCpus,
    },
    serverMemory,
    summary,
    non2xx,
    errors,
    reusedTokens: reused,
    missedTargets: missed,
  });

  console.log(
    `\nMedians over ${config.rounds} rounds. ratio = req/s / bare-get req/s of the same round (the verdict uses it).\n` +
      'srv/gen CPU = share of its CPU the server / load generator used; req/CPU-s = responses per server CPU second;\n' +
      'CPU ratio = req/CPU-s / bare-get req/CPU-s of the same round (not skewed by other processes on the CPU; see bench/README.md).\n',
  );
  console.log(table(summary));
  console.log(`\nraw results: ${file}`);
  if (config.cpuProf)
    console.log(`compare the profiles: node --import tsx bench/profile-summary.ts ${file}`);
  if (non2xx + errors > 0) {
    const bar = '!'.repeat(78);
    console.error(
      `\n${bar}\n!! INVALID RUN: ${non2xx} non-2xx responses and ${errors} connection errors/timeouts.\n!! The numbers above do not measure the success path. See ${file}.\n${bar}`,
    );
    process.exit(1);
  }
  if (reused > 0) {
    const bar = '!'.repeat(78);
    console.error(
      `\n${bar}\n!! INVALID RUN: a pool ran out: ${reused} tokens of protect-jwt-new* or proofs of *-dpop were handed out again\n!! (cache hits or replays, not full checks). Make more with --new-tokens N. See ${file}.\n${bar}`,
    );
    process.exit(1);
  }
  if (missed.length > 0) {
    console.log(`\nTargets missed: ${missed.join(', ')}`);
    if (config.strict) process.exit(3);
  } else if (summary.some((s) => s.met === true)) {
    console.log('\nAll targets met.');
  }
  process.exit(0);
}

main().catch((err: unknown) =>
  fail(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
);
