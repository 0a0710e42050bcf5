/**
 * Where the time goes in the server's V8 CPU profiles (from `npm run bench -- --cpu-prof`).
 *
 * One profile:
 *   node --import tsx bench/profile-summary.ts <file>.cpuprofile [--requests N] [--top 25]
 * prints self time by area (Node internals, V8 builtins, GC, each package, each
 * file of this repository), self time by function, and inclusive time of the
 * functions of lib/ and bench/. With `--requests N` (the runner prints N) every
 * line also shows microseconds per request.
 *
 * A results file of a --cpu-prof run:
 *   node --import tsx bench/profile-summary.ts bench/results/<timestamp>.json [--top 25]
 * compares the scenarios: median µs per request over rounds, by area and by
 * function, each scenario next to the bare GET, sorted by the difference. This
 * is the answer to "why is this scenario slower than the baseline".
 *
 * Notes: samples of the profiler stopping itself (node:inspector) are left out;
 * line numbers of .ts files are left out (tsx compiles them, V8's are meaningless);
 * inclusive time follows synchronous stacks only (after an `await` the time is
 * charged to the microtask runner); the sampler counts wall time of the main
 * thread, so work of the libuv thread pool on the same CPU (WebCrypto signing)
 * shows up as the native function that handed it over (e.g. `run`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { median, type RunRecord } from './report.js';
import { BASELINE, SCENARIOS, type ScenarioName } from './scenarios.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds by name; `busy` excludes idle time. */
interface Analysis {
  total: number;
  busy: number;
  areas: Map<string, number>;
  functions: Map<string, number>;
  inclusive: Map<string, number>;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) return url.slice(nm + 'node_modules/'.length);
  const main = url.search(/\/(lib|bench|test|examples)\//);
  return main !== -1 ? url.slice(main + 1) : url.replace(/^file:\/\//, '');
}

function functionKey(frame: CallFrame): string {
  const where = shortUrl(frame.url);
  return `${frame.functionName || '(anonymous)'}  ${where}${where === '' || where.endsWith('.ts') ? '' : `:${frame.lineNumber + 1}`}`;
}

/** The area a frame belongs to: a package, a file of this repository, Node, or V8. */
function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `pkg ${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return shortUrl(url);
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function analyze(file: string): Analysis {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stack = (id: number): CallFrame[] => {
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      frames.push((byId.get(at) as ProfileNode).callFrame);
    return frames;
  };
  const result: Analysis = {
    total: 0,
    busy: 0,
    areas: new Map(),
    functions: new Map(),
    inclusive: new Map(),
  };
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frames = stack(id);
    const leaf = frames[0];
    if (leaf === undefined || frames.some((f) => f.url === 'node:inspector')) return;
    result.total += ms;
    if (leaf.functionName === '(idle)') return;
    result.busy += ms;
    add(result.areas, area(leaf), ms);
    add(result.functions, functionKey(leaf), ms);
    const seen = new Set<string>();
    for (const frame of frames) {
      if (!/\/(lib|bench)\//.test(frame.url) || frame.url.includes('node_modules')) continue;
      const key = functionKey(frame);
      if (!seen.has(key)) add(result.inclusive, key, ms);
      seen.add(key);
    }
  });
  return result;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, requests: { type: 'string' } },
});
const file = positionals[0];
if (file === undefined) {
  console.error(
    'usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--requests N] [--top N]\n' +
      '       node --import tsx bench/profile-summary.ts <results.json> [--top N]',
  );
  process.exit(2);
}
const top = Number(values.top);

function single(path: string, requests: number | undefined): void {
  const a = analyze(path);
  const line = (ms: number, name: string): string =>
    `${ms.toFixed(0).padStart(9)} ms ${((ms / a.busy) * 100).toFixed(1).padStart(5)}%` +
    `${requests === undefined ? '' : `${((ms * 1000) / requests).toFixed(2).padStart(8)} µs/req`}  ${name}`;
  console.log(
    `${path}: ${(a.total / 1000).toFixed(1)} s sampled, ${(a.busy / 1000).toFixed(1)} s busy; percentages are of busy time` +
      (requests === undefined
        ? ''
        : `; ${requests} requests, ${((a.busy * 1000) / requests).toFixed(1)} µs busy per request`),
  );
  const print = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [name, ms] of [...map].sort((x, y) => y[1] - x[1]).slice(0, top))
      console.log(line(ms, name));
  };
  print('Self time by area', a.areas);
  print('Self time by function', a.functions);
  print('Inclusive time of lib/ and bench/ functions (synchronous stacks only)', a.inclusive);
}

/** Median µs per request, over rounds, of every key of one kind. */
function perRequest(
  runs: readonly { analysis: Analysis; requests: number }[],
  pick: (a: Analysis) => Map<string, number>,
): Map<string, number> {
  const keys = new Set(runs.flatMap((r) => [...pick(r.analysis).keys()]));
  const out = new Map<string, number>();
  for (const key of keys)
    out.set(key, median(runs.map((r) => ((pick(r.analysis).get(key) ?? 0) * 1000) / r.requests)));
  return out;
}

function compare(path: string): void {
  const { records } = JSON.parse(readFileSync(path, 'utf8')) as { records: RunRecord[] };
  const byScenario = new Map<ScenarioName, { analysis: Analysis; requests: number }[]>();
  for (const r of records) {
    if (r.profile === undefined) continue;
    byScenario.set(r.scenario, [
      ...(byScenario.get(r.scenario) ?? []),
      { analysis: analyze(r.profile), requests: r.measured.responses },
    ]);
  }
  const base = byScenario.get(BASELINE);
  if (base === undefined) {
    console.error(`${path} has no profiles of ${BASELINE}; run the benchmark with --cpu-prof`);
    process.exit(2);
  }
  const busy = (runs: { analysis: Analysis; requests: number }[]): number =>
    median(runs.map((r) => (r.analysis.busy * 1000) / r.requests));
  console.log(
    `Median µs of main-thread time per request over ${base.length} round(s); from ${path}\n`,
  );
  for (const s of SCENARIOS) {
    const runs = byScenario.get(s.name);
    if (runs === undefined) continue;
    console.log(
      `${s.name}: ${busy(runs).toFixed(1)} µs/req busy (${BASELINE}: ${busy(base).toFixed(1)})`,
    );
  }
  for (const s of SCENARIOS) {
    const runs = byScenario.get(s.name);
    if (runs === undefined || s.name === BASELINE) continue;
    const delta = busy(runs) - busy(base);
    console.log(
      `\n=== ${s.name} vs ${BASELINE}: ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} µs/req`,
    );
    for (const [title, pick] of [
      ['by area', (a: Analysis) => a.areas],
      ['by function (self time)', (a: Analysis) => a.functions],
    ] as const) {
      const mine = perRequest(runs, pick);
      const theirs = perRequest(base, pick);
      const rows = [...new Set([...mine.keys(), ...theirs.keys()])]
        .map((k) => ({ k, mine: mine.get(k) ?? 0, theirs: theirs.get(k) ?? 0 }))
        .sort((x, y) => Math.abs(y.mine - y.theirs) - Math.abs(x.mine - x.theirs))
        .slice(0, top);
      console.log(`  ${title}: ${s.name} µs/req, ${BASELINE} µs/req, difference`);
      for (const r of rows) {
        const d = r.mine - r.theirs;
        console.log(
          `  ${r.mine.toFixed(2).padStart(8)} ${r.theirs.toFixed(2).padStart(8)} ${(d >= 0 ? '+' : '') + d.toFixed(2)}`.padEnd(
            36,
          ) + `  ${r.k}`,
        );
      }
    }
  }
}

if (file.endsWith('.json')) compare(file);
else single(file, values.requests === undefined ? undefined : Number(values.requests));
