/**
 * From raw runs to what a reader sees: per scenario the median req/s over rounds and
 * the median ratio to the bare GET of the same round (the method of bench/report.ts,
 * whose `median` this reuses), then Markdown tables laid out as Prettier would.
 *
 * Rules:
 * - a ratio is always taken within one round (`bare-get` of the same round);
 * - a scenario with no runs, or a peer without a format, shows "n/a", never 0;
 * - tables are column-aligned so `prettier --check` passes on the written files.
 */
import type { LoadResult } from '../load.js';
import { median } from '../report.js';
import {
  BASELINE,
  PEERS,
  SCENARIOS,
  scenarioName,
  type Format,
  type Operation,
} from './scenarios.js';

/** One scenario in one round. */
export interface RunRecord {
  readonly round: number;
  /** Position in the round's rotated order (0 = first). */
  readonly position: number;
  readonly scenario: string;
  readonly warmup: LoadResult | undefined;
  readonly measured: LoadResult;
  /** The server process's CPU during the measured run (all threads), if /proc told. */
  readonly server:
    | { readonly cpuSeconds: number; readonly utilization: number; readonly perCpuSecond: number }
    | undefined;
  /** Seconds the server's CPU was busy with other processes, and stolen by the hypervisor. */
  readonly serverCpuNoise: { readonly foreign: number; readonly steal: number } | undefined;
  /** Share of one CPU the load generator used during the measured run. */
  readonly loadUtilization: number;
  /** measured.rps / the bare GET's measured.rps in the same round. */
  ratio: number;
  /** server.perCpuSecond / the bare GET's in the same round. */
  cpuRatio: number;
}

export interface ScenarioSummary {
  readonly scenario: string;
  readonly rounds: number;
  readonly medianRps: number;
  readonly medianRatio: number;
  readonly minRatio: number;
  readonly maxRatio: number;
  /** Milliseconds, median over rounds. */
  readonly medianP99: number;
  readonly medianServerUtilization: number;
  readonly medianLoadUtilization: number;
  readonly medianPerCpuSecond: number;
  readonly medianCpuRatio: number;
  /** Non-2xx responses, warm-ups included. */
  readonly non2xx: number;
  /** Connection errors and timeouts, warm-ups included. */
  readonly errors: number;
}

/** Fills in every record's ratios to the baseline of its round. */
export function computeRatios(records: RunRecord[]): void {
  const baseline = new Map<number, RunRecord>();
  for (const r of records) if (r.scenario === BASELINE) baseline.set(r.round, r);
  const divide = (a: number | undefined, b: number | undefined): number =>
    a === undefined || b === undefined || b === 0 ? Number.NaN : a / b;
  for (const r of records) {
    const base = baseline.get(r.round);
    r.ratio = divide(r.measured.rps, base?.measured.rps);
    r.cpuRatio = divide(r.server?.perCpuSecond, base?.server?.perCpuSecond);
  }
}

export function summarize(records: readonly RunRecord[]): ScenarioSummary[] {
  const out: ScenarioSummary[] = [];
  for (const s of SCENARIOS) {
    const runs = records.filter((r) => r.scenario === s.name);
    if (runs.length === 0) continue;
    const ratios = runs.map((r) => r.ratio);
    const bad = (f: (l: LoadResult) => number): number =>
      runs.reduce((n, r) => n + f(r.measured) + (r.warmup === undefined ? 0 : f(r.warmup)), 0);
    out.push({
      scenario: s.name,
      rounds: runs.length,
      medianRps: median(runs.map((r) => r.measured.rps)),
      medianRatio: median(ratios),
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
      medianP99: median(runs.map((r) => r.measured.latency.p99)),
      medianServerUtilization: median(runs.map((r) => r.server?.utilization ?? Number.NaN)),
      medianLoadUtilization: median(runs.map((r) => r.loadUtilization)),
      medianPerCpuSecond: median(runs.map((r) => r.server?.perCpuSecond ?? Number.NaN)),
      medianCpuRatio: median(runs.map((r) => r.cpuRatio)),
      non2xx: bad((l) => l.non2xx),
      errors: bad((l) => l.errors),
    });
  }
  return out;
}

const fixed = (x: number, digits: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
const percent = (x: number): string => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(0)}%`);

/** A Markdown table as Prettier lays it out: padded cells, `---:` under right-aligned columns. */
export function markdownTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: (column: number) => boolean,
): string {
  const widths = head.map((h, i) =>
    Math.max(3, h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells
      .map((c, i) => (right(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** Every scenario with all its numbers (results/peers.md and the console). */
export function detailTable(summaries: readonly ScenarioSummary[]): string {
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
    'non-2xx',
    'errors',
  ];
  const rows = summaries.map((s) => [
    s.scenario,
    fixed(s.medianRps, 0),
    fixed(s.medianRatio, 3),
    Number.isNaN(s.minRatio) ? 'n/a' : `${s.minRatio.toFixed(3)}–${s.maxRatio.toFixed(3)}`,
    fixed(s.medianP99, 0),
    percent(s.medianServerUtilization),
    percent(s.medianLoadUtilization),
    fixed(s.medianPerCpuSecond, 0),
    fixed(s.medianCpuRatio, 3),
    String(s.non2xx),
    String(s.errors),
  ]);
  return markdownTable(head, rows, (i) => i > 0);
}

/** The four measured operations, in the order of the tables and the chart. */
export const COLUMNS: readonly { operation: Operation; format: Format; title: string }[] = [
  { operation: 'token', format: 'opaque', title: 'token, opaque' },
  { operation: 'token', format: 'jwt', title: 'token, JWT' },
  { operation: 'protect', format: 'opaque', title: 'bearer check, opaque' },
  { operation: 'protect', format: 'jwt', title: 'bearer check, JWT' },
];

/** Peers × operations: median ratio and median req/s in each cell (the README's table). */
export function peerTable(summaries: readonly ScenarioSummary[]): string {
  const byName = new Map(summaries.map((s) => [s.scenario, s]));
  const cell = (name: string): string => {
    const s = byName.get(name);
    return s === undefined ? 'n/a' : `${fixed(s.medianRatio, 2)} (${fixed(s.medianRps, 0)}/s)`;
  };
  const rows = PEERS.filter((p) => summaries.some((s) => s.scenario.startsWith(`${p.name} `))).map(
    (p) => [p.name, ...COLUMNS.map((c) => cell(scenarioName(p.name, c.operation, c.format)))],
  );
  const base = byName.get(BASELINE);
  const baseCell = base === undefined ? 'n/a' : `1.00 (${fixed(base.medianRps, 0)}/s)`;
  rows.push(['bare Express GET', ...COLUMNS.map(() => baseCell)]);
  return markdownTable(['library', ...COLUMNS.map((c) => c.title)], rows, (i) => i > 0);
}

/** One line for the root README: each peer's four median ratios. */
export function headline(summaries: readonly ScenarioSummary[]): string {
  const byName = new Map(summaries.map((s) => [s.scenario, s]));
  const ratio = (name: string): string => {
    const s = byName.get(name);
    return s === undefined ? '–' : fixed(s.medianRatio, 2);
  };
  return PEERS.filter((p) => summaries.some((s) => s.scenario.startsWith(`${p.name} `)))
    .map((p) => {
      const [tokenOpaque, tokenJwt, checkOpaque, checkJwt] = COLUMNS.map((c) =>
        ratio(scenarioName(p.name, c.operation, c.format)),
      );
      return `${p.name} ${tokenOpaque} / ${tokenJwt} · ${checkOpaque} / ${checkJwt}`;
    })
    .join('; ');
}
