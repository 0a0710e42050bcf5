/**
 * From raw runs to the summary: each scenario's req/s per round, its ratio to the
 * bare GET of the same round (and, for a relative target, to the scenario it
 * names, in the same round), and medians over rounds; then the printed table.
 */
import type { LoadResult } from './load.js';
import { BASELINE, SCENARIOS, type ScenarioName } from './scenarios.js';

/** One scenario in one round. */
export interface RunRecord {
  readonly round: number;
  /** Position in the round's rotated order (0 = first). */
  readonly position: number;
  readonly scenario: ScenarioName;
  readonly warmup: LoadResult | undefined;
  readonly measured: LoadResult;
  /** The server process's CPU time during the measured run (all threads), if /proc told. */
  readonly server:
    | { readonly cpuSeconds: number; readonly utilization: number; readonly perCpuSecond: number }
    | undefined;
  /**
   * The server's CPU during the measured run, from /proc/stat: seconds it was busy
   * with other processes (or the kernel on their behalf) and seconds the hypervisor stole.
   */
  readonly serverCpuNoise: { readonly foreign: number; readonly steal: number } | undefined;
  /** Share of one CPU the load generator used during the measured run (near 1 = it was the bottleneck). */
  readonly loadUtilization: number;
  /** The CPU profile of the measured run (with --cpu-prof), relative to the repository. */
  profile?: string;
  /**
   * A newTokens scenario's pool (bench/token-pool.ts): tokens minted, handed out
   * (warm-up and measured run), and handed out again (cache hits; should be 0).
   */
  tokens?: { readonly minted: number; readonly handedOut: number; readonly reused: number };
  /** measured.rps / the bare GET's measured.rps in the same round. */
  ratio: number;
  /** server.perCpuSecond / the bare GET's in the same round: the ratio with CPU stolen by others taken out. */
  cpuRatio: number;
  /** With a relative target: measured.rps / that of the scenario it names, in the same round. */
  relative?: number;
}

export interface ScenarioSummary {
  readonly scenario: ScenarioName;
  readonly title: string;
  readonly rounds: number;
  readonly medianRps: number;
  readonly medianRatio: number;
  readonly minRatio: number;
  readonly maxRatio: number;
  /** Median over rounds of the p99 latency, ms. */
  readonly medianP99: number;
  /** Median share of CPU 0 the server used while loaded (below ~0.95: something else was the bottleneck). */
  readonly medianServerUtilization: number;
  /** Median share of its CPU the load generator used. */
  readonly medianLoadUtilization: number;
  /** Median responses per second of server CPU time. */
  readonly medianPerCpuSecond: number;
  /** Median of {@link RunRecord.cpuRatio}. */
  readonly medianCpuRatio: number;
  readonly target: number | undefined;
  /** The relative target (bench/scenarios.ts), if any. */
  readonly relativeTarget: { readonly of: ScenarioName; readonly share: number } | undefined;
  /** With a relative target: the median over rounds of {@link RunRecord.relative}. */
  readonly medianRelative: number | undefined;
  /** undefined when the scenario has no target. */
  readonly met: boolean | undefined;
  /** Tokens handed out again by a newTokens scenario's pools, warm-ups included (should be 0). */
  readonly reusedTokens: number;
  /** Non-2xx responses, warm-ups included. */
  readonly non2xx: number;
  /** Connection errors and timeouts, warm-ups included. */
  readonly errors: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Fills in every record's ratio to the baseline of its round. */
export function computeRatios(records: RunRecord[]): void {
  const baseline = new Map<number, RunRecord>();
  for (const r of records) if (r.scenario === BASELINE) baseline.set(r.round, r);
  const divide = (a: number | undefined, b: number | undefined): number =>
    a === undefined || b === undefined || b === 0 ? Number.NaN : a / b;
  for (const r of records) {
    const base = baseline.get(r.round);
    r.ratio = divide(r.measured.rps, base?.measured.rps);
    r.cpuRatio = divide(r.server?.perCpuSecond, base?.server?.perCpuSecond);
    const of = SCENARIOS.find((s) => s.name === r.scenario)?.relativeTarget?.of;
    if (of === undefined) continue;
    const reference = records.find((x) => x.scenario === of && x.round === r.round);
    r.relative = divide(r.measured.rps, reference?.measured.rps);
  }
}

/** Whether a summary's median meets its target (undefined: no target, or no number). */
function verdict(
  s: (typeof SCENARIOS)[number],
  medianRatio: number,
  medianRelative: number | undefined,
): boolean | undefined {
  if (s.relativeTarget !== undefined)
    return medianRelative === undefined || Number.isNaN(medianRelative)
      ? undefined
      : medianRelative >= s.relativeTarget.share;
  return s.target === undefined || Number.isNaN(medianRatio) ? undefined : medianRatio >= s.target;
}

export function summarize(records: readonly RunRecord[]): ScenarioSummary[] {
  const out: ScenarioSummary[] = [];
  for (const s of SCENARIOS) {
    const runs = records.filter((r) => r.scenario === s.name);
    if (runs.length === 0) continue;
    const ratios = runs.map((r) => r.ratio);
    const medianRatio = median(ratios);
    const medianRelative =
      s.relativeTarget === undefined
        ? undefined
        : median(runs.map((r) => r.relative ?? Number.NaN));
    const bad = (f: (l: LoadResult) => number): number =>
      runs.reduce((n, r) => n + f(r.measured) + (r.warmup === undefined ? 0 : f(r.warmup)), 0);
    out.push({
      scenario: s.name,
      title: s.title,
      rounds: runs.length,
      medianRps: median(runs.map((r) => r.measured.rps)),
      medianRatio,
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
      medianP99: median(runs.map((r) => r.measured.latency.p99)),
      medianServerUtilization: median(runs.map((r) => r.server?.utilization ?? Number.NaN)),
      medianLoadUtilization: median(runs.map((r) => r.loadUtilization)),
      medianPerCpuSecond: median(runs.map((r) => r.server?.perCpuSecond ?? Number.NaN)),
      medianCpuRatio: median(runs.map((r) => r.cpuRatio)),
      target: s.target,
      relativeTarget: s.relativeTarget,
      medianRelative,
      met: verdict(s, medianRatio, medianRelative),
      non2xx: bad((l) => l.non2xx),
      errors: bad((l) => l.errors),
      reusedTokens: runs.reduce((n, r) => n + (r.tokens?.reused ?? 0), 0),
    });
  }
  return out;
}

function targetCell(s: ScenarioSummary): string {
  if (s.relativeTarget !== undefined)
    return `≥ ${s.relativeTarget.share.toFixed(2)} × ${s.relativeTarget.of}`;
  if (s.target !== undefined) return `≥ ${s.target.toFixed(2)}`;
  return s.scenario === BASELINE ? 'baseline' : 'reference';
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
    .join('  ');
}

/** The summary as a plain-text table (also valid Markdown-ish, for the README). */
export function table(summaries: readonly ScenarioSummary[]): string {
  const head = [
    'scenario',
    'median req/s',
    'median ratio',
    'ratio min–max',
    'p99 ms',
    'srv CPU',
    'gen CPU',
    'req/CPU-s',
    'CPU ratio',
    'target',
    'verdict',
    'non-2xx',
    'errors',
  ];
  const percent = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(0)}%`);
  const fixed = (x: number, digits: number): string =>
    Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
  const body = summaries.map((s) => [
    s.scenario,
    fixed(s.medianRps, 0),
    fixed(s.medianRatio, 3),
    Number.isNaN(s.minRatio) ? 'n/a' : `${s.minRatio.toFixed(3)}–${s.maxRatio.toFixed(3)}`,
    fixed(s.medianP99, 0),
    percent(s.medianServerUtilization),
    percent(s.medianLoadUtilization),
    fixed(s.medianPerCpuSecond, 0),
    fixed(s.medianCpuRatio, 3),
    targetCell(s),
    (s.met === undefined ? '' : s.met ? 'met' : 'MISSED') +
      (s.medianRelative === undefined ? '' : ` (${fixed(s.medianRelative, 3)})`),
    String(s.non2xx),
    String(s.errors),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((b) => (b[i] as string).length)),
  );
  return [
    row(head, widths),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((b) => row(b, widths)),
  ].join('\n');
}
