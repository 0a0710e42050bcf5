/**
 * The bar chart of the peer benchmark as a small hand-written SVG (no chart library).
 *
 * Rules:
 * - one group per operation (token / bearer check, opaque / JWT), one horizontal
 *   bar per peer: the median ratio to the bare GET of the same round, with a thin
 *   line over the bar's end for the min–max over rounds;
 * - the scale starts at 0 and reaches at least 1.0, marked as the bare Express GET;
 * - a peer without the format gets a note in place of a bar, never a bar of 0;
 * - every piece of text is XML-escaped; the output is deterministic for the same input.
 */
import { COLUMNS, type ScenarioSummary } from './report.js';
import { PEERS, scenarioName, type PeerName } from './scenarios.js';

const COLORS: Readonly<Record<PeerName, string>> = {
  'oauth2-stateless': '#2563eb',
  'oidc-provider': '#d97706',
  'express-oauth-server': '#059669',
  oauth2orize: '#7c3aed',
  jose: '#dc2626',
};

const WIDTH = 760;
const LEFT = 170;
const PLOT = 500;
const BAR = 14;
const GAP = 4;
const GROUP_GAP = 16;
const TOP = 104;

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs}>${escape(content)}</text>`;
}

/**
 * The chart; `subtitle` says when, where and how the numbers were taken, `warning`
 * (if not empty) is shown under it.
 */
export function chart(
  summaries: readonly ScenarioSummary[],
  subtitle: string,
  warning: string,
): string {
  const byName = new Map(summaries.map((s) => [s.scenario, s]));
  const peers = PEERS.filter((p) => summaries.some((s) => s.scenario.startsWith(`${p.name} `)));
  const highest = Math.max(1, ...summaries.map((s) => (Number.isNaN(s.maxRatio) ? 0 : s.maxRatio)));
  const step = highest <= 2 ? 0.2 : 0.5;
  const top = Math.ceil(highest / step) * step;
  const x = (ratio: number): number => LEFT + (ratio / top) * PLOT;
  const groupHeight = 18 + peers.length * (BAR + GAP);
  const height = TOP + COLUMNS.length * (groupHeight + GROUP_GAP) + 30;
  const body: string[] = [];

  body.push(
    text(
      16,
      24,
      'Requests per second as a share of a bare Express GET (median of the rounds)',
      ' class="title"',
    ),
    text(16, 42, subtitle, ' class="note"'),
  );
  if (warning !== '') body.push(text(16, 58, warning, ' class="warning"'));
  let lx = 16;
  for (const p of peers) {
    body.push(
      `<rect x="${lx}" y="70" width="10" height="10" fill="${COLORS[p.name]}"/>`,
      text(lx + 14, 79, p.name, ' class="label"'),
    );
    lx += 14 + p.name.length * 7 + 22;
  }

  const plotBottom = height - 30;
  for (let i = 0; i * step <= top + 1e-9; i++) {
    const tick = i * step;
    const tx = x(tick);
    const major = Math.abs(tick - 1) < 1e-9;
    body.push(
      `<line x1="${tx.toFixed(1)}" y1="${TOP - 6}" x2="${tx.toFixed(1)}" y2="${plotBottom}" class="${major ? 'base' : 'grid'}"/>`,
      text(tx, plotBottom + 14, tick.toFixed(1), ' class="axis" text-anchor="middle"'),
    );
  }
  body.push(text(x(1) + 4, TOP - 10, 'bare Express GET = 1.0', ' class="note"'));

  COLUMNS.forEach((c, g) => {
    const gy = TOP + g * (groupHeight + GROUP_GAP);
    body.push(text(16, gy + 12, c.title, ' class="group"'));
    peers.forEach((p, i) => {
      const y = gy + 18 + i * (BAR + GAP);
      body.push(text(LEFT - 8, y + BAR - 3, p.name, ' class="label" text-anchor="end"'));
      const s = byName.get(scenarioName(p.name, c.operation, c.format));
      if (s === undefined || Number.isNaN(s.medianRatio)) {
        const why = p.formats.includes(c.format) ? 'not run' : `no ${c.format} variant`;
        body.push(text(LEFT + 4, y + BAR - 3, why, ' class="note"'));
        return;
      }
      const end = x(s.medianRatio);
      const mid = y + BAR / 2;
      body.push(
        `<rect x="${LEFT}" y="${y}" width="${(end - LEFT).toFixed(1)}" height="${BAR}" fill="${COLORS[p.name]}"/>`,
        `<line x1="${x(s.minRatio).toFixed(1)}" y1="${mid}" x2="${x(s.maxRatio).toFixed(1)}" y2="${mid}" class="range"/>`,
        text(
          Math.max(end, x(s.maxRatio)) + 6,
          y + BAR - 3,
          `${s.medianRatio.toFixed(2)}  (${s.medianRps.toFixed(0)}/s)`,
          ' class="value"',
        ),
      );
    });
  });

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    '<style>',
    '  .title { font-size: 15px; font-weight: 600; fill: #111827; }',
    '  .group { font-size: 13px; font-weight: 600; fill: #111827; }',
    '  .label { font-size: 12px; fill: #1f2937; }',
    '  .value { font-size: 11px; fill: #1f2937; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }',
    '  .warning { font-size: 11px; font-weight: 600; fill: #b91c1c; }',
    '  .note { font-size: 11px; fill: #6b7280; }',
    '  .axis { font-size: 10px; fill: #6b7280; }',
    '  .grid { stroke: #e5e7eb; stroke-width: 1; }',
    '  .base { stroke: #111827; stroke-width: 1; stroke-dasharray: 4 3; }',
    '  .range { stroke: #111827; stroke-width: 1.5; }',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
