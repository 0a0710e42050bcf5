/**
 * Writes a finished run where readers look: bench/peers/results/peers.svg (the
 * chart), bench/peers/results/peers.md (every number), the results section of
 * bench/peers/README.md and the headline line of the root README.
 *
 * Rules:
 * - a README is changed only between its two marker comments; a README without
 *   them is left alone, with a warning;
 * - what is written says how it was measured (date, rounds, seconds, Node, CPUs),
 *   and a run of fewer than 3 rounds says it is a smoke run, too short to read.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chart } from './chart.js';
import { detailTable, headline, peerTable, type ScenarioSummary } from './report.js';
import { PEERS } from './scenarios.js';

/** How the run was made, for the captions. */
export interface RunFacts {
  readonly startedAt: Date;
  readonly rounds: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly node: string;
  readonly cpuModel: string | undefined;
  readonly pinned: boolean;
  readonly serverCpu: number;
  readonly loadCpu: number;
  /** The raw JSON, relative to the repository. */
  readonly rawFile: string;
}

const SMOKE_ROUNDS = 3;

function marked(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** Replaces the text between `name`'s markers in `file`; false when the markers are missing. */
export function replaceMarked(file: string, name: string, content: string): boolean {
  const { start, end } = marked(name);
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return false;
  writeFileSync(file, `${text.slice(0, from + start.length)}\n\n${content}\n\n${text.slice(to)}`);
  return true;
}

function caption(facts: RunFacts): string {
  const day = facts.startedAt.toISOString().slice(0, 16).replace('T', ' ');
  const rounds = `${facts.rounds} round${facts.rounds === 1 ? '' : 's'}`;
  const pinning = facts.pinned
    ? `server on CPU ${facts.serverCpu}, load on CPU ${facts.loadCpu}`
    : 'not pinned';
  return `${day} UTC, ${rounds} × (${facts.warmup} s warm-up + ${facts.duration} s), ${facts.connections} connections, Node ${facts.node}, ${pinning}`;
}

/** The warning a smoke run carries, or ''. */
function smoke(facts: RunFacts): string {
  return facts.rounds < SMOKE_ROUNDS
    ? `a smoke run (fewer than ${SMOKE_ROUNDS} rounds): too short to read`
    : '';
}

/** The caption with the smoke warning, when there is one. */
function when(facts: RunFacts): string {
  const warning = smoke(facts);
  return warning === '' ? caption(facts) : `${caption(facts)}; **${warning}**`;
}

function resultsSection(summaries: readonly ScenarioSummary[], facts: RunFacts): string {
  return [
    `Measured ${when(facts)}; ${facts.cpuModel ?? 'unknown CPU'}. Raw data: \`${facts.rawFile}\` (not committed).`,
    '',
    '![Requests per second as a share of a bare Express GET](results/peers.svg)',
    '',
    'Median ratio to the bare Express GET of the same round, and median req/s:',
    '',
    peerTable(summaries),
    '',
    'Every scenario, with latency and CPU: [results/peers.md](results/peers.md).',
  ].join('\n');
}

function detailPage(summaries: readonly ScenarioSummary[], facts: RunFacts): string {
  return [
    '# Peer benchmark: every number of the last run',
    '',
    `Measured ${when(facts)}; ${facts.cpuModel ?? 'unknown CPU'}. Columns as in [bench/README.md](../../README.md#method); how the peers are set up: [../README.md](../README.md).`,
    '',
    detailTable(summaries),
    '',
    ...PEERS.map((p) => `- **${p.name}** (${p.packages}): ${p.note}`),
    '',
  ].join('\n');
}

/** Writes the chart, the detail page and both README sections; returns what it wrote. */
export function publish(
  root: string,
  here: string,
  summaries: readonly ScenarioSummary[],
  facts: RunFacts,
): string[] {
  const written: string[] = [];
  const write = (file: string, content: string): void => {
    writeFileSync(file, content);
    written.push(relative(root, file));
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  write(join(here, 'results', 'peers.svg'), chart(summaries, caption(facts), smoke(facts)));
  write(join(here, 'results', 'peers.md'), detailPage(summaries, facts));
  const sections: [string, string, string][] = [
    [join(here, 'README.md'), 'peers-results', resultsSection(summaries, facts)],
    [
      join(root, 'README.md'),
      'peers-headline',
      `Next to its peers ([bench/peers/](bench/peers/README.md); ${when(facts)}), as a share of a bare Express GET's req/s, token opaque / JWT · bearer check opaque / JWT: ${headline(summaries)}.`,
    ],
  ];
  for (const [file, name, content] of sections) {
    if (replaceMarked(file, name, content)) written.push(relative(root, file));
    else console.warn(`bench:peers: no <!-- ${name}:start/end --> markers in ${file}; left alone`);
  }
  return written;
}
