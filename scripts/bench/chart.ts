/**
 * latest.svg: the ratios as horizontal bars, one group per kind of measure, each goal drawn as a
 * mark on its bar's row and said in words beside it (colour is never the only cue). Hand-written
 * SVG with a title and a description, so it reads in the README and to a screen reader.
 */
import { type Row, type RowGroup, ratioText } from './report.js';

const GROUPS: readonly { group: RowGroup; title: string }[] = [
  { group: 'throughput', title: 'Throughput, × the floor of its storage calls (higher is better)' },
  { group: 'limited', title: 'Throughput with real rate limits, × the new session with limits off' },
  { group: 'bundle', title: 'Bundle size, × a hello-world with the same SDK clients (lower is better)' },
  { group: 'cold', title: 'Cold start, × the hello-world making the same AWS calls (lower is better)' },
  { group: 'memory', title: 'Local memory per session, × dynalite’s own cost per item (lower is better)' },
];

const WIDTH = 1080;
const LABEL_X = 16;
const BAR_X = 300;
const BAR_WIDTH = 470;
const ROW = 24;
const HEADING = 30;
const COLOURS = { met: '#2e7d32', notMet: '#c62828', none: '#78909c' } as const;

const xml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export function chartSvg(rows: readonly Row[], caption: string): string {
  const groups = GROUPS.map(({ group, title }) => ({
    title,
    rows: rows.filter((row) => row.group === group && row.charted && row.ratio !== null),
  })).filter((group) => group.rows.length > 0);
  const largest = Math.max(
    2,
    ...groups.flatMap((group) => group.rows.flatMap((row) => [row.ratio ?? 0, row.goal?.target ?? 0])),
  );
  // Past 3× a bar is cut, and its value is marked ›: the interesting part is around 1.
  const scale = Math.min(3, Math.ceil(largest * 2) / 2);
  const x = (ratio: number) => BAR_X + (Math.min(ratio, scale) / scale) * BAR_WIDTH;

  const parts: string[] = [];
  let y = 64;
  for (const group of groups) {
    parts.push(`<text x="${LABEL_X}" y="${y + 18}" class="heading">${xml(group.title)}</text>`);
    y += HEADING;
    for (const row of group.rows) {
      const ratio = row.ratio ?? 0;
      const colour = row.met === null ? COLOURS.none : row.met ? COLOURS.met : COLOURS.notMet;
      const label = row.what.replace(/^(throughput|bundle|cold start): /, '');
      const verdict = row.goal ? `goal ${row.goal.text}: ${row.met ? 'met' : 'not met'}` : 'no goal';
      parts.push(
        `<g><title>${xml(`${row.what}: ${row.ratioText} (${row.valueText} vs ${row.floorText}); ${verdict}`)}</title>`,
        `<text x="${BAR_X - 8}" y="${y + 16}" class="label" text-anchor="end">${xml(label)}</text>`,
        `<rect x="${BAR_X}" y="${y + 4}" width="${(x(ratio) - BAR_X).toFixed(1)}" height="${ROW - 8}" fill="${colour}"/>`,
        `<text x="${(Math.max(x(ratio), row.goal ? x(row.goal.target) : 0) + 6).toFixed(1)}" y="${y + 16}" class="value">${xml(ratioText(ratio, row.goal))}${ratio > scale ? ' ›' : ''}</text>`,
        ...(row.goal
          ? [
              `<line x1="${x(row.goal.target).toFixed(1)}" x2="${x(row.goal.target).toFixed(1)}" y1="${y + 1}" y2="${y + ROW - 1}" class="goal"/>`,
            ]
          : []),
        `<text x="${BAR_X + BAR_WIDTH + 50}" y="${y + 16}" class="verdict">${xml(verdict)}</text>`,
        '</g>',
      );
      y += ROW;
    }
    y += 8;
  }
  const height = y + 40;
  const axis = Array.from({ length: Math.round(scale / 0.5) + 1 }, (_, n) => n * 0.5);
  const grid = axis.map(
    (tick) =>
      `<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="56" y2="${height - 34}" class="${tick === 1 ? 'one' : 'grid'}"/>` +
      `<text x="${x(tick).toFixed(1)}" y="${height - 18}" class="tick" text-anchor="middle">${tick.toFixed(1)}×</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="bench-title bench-desc" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<title id="bench-title">npm run bench: each measure as a ratio to its floor, with its goal</title>
<desc id="bench-desc">${xml(
    `Horizontal bars, one per measure, grouped: throughput as a ratio to the floor of its storage calls, bundle size and cold start as ratios to a hello-world, and memory per session as a ratio to dynalite's own. A black mark on a row is its goal; the text at the right says whether it is met. ${caption}`,
  )}</desc>
<style>
  .heading { font-size: 14px; font-weight: 600; fill: #1a1a1a; }
  .label, .value, .verdict { font-size: 12px; fill: #1a1a1a; }
  .tick, .caption { font-size: 11px; fill: #555; }
  .grid { stroke: #e0e0e0; stroke-width: 1; }
  .one { stroke: #9e9e9e; stroke-width: 1; stroke-dasharray: 4 3; }
  .goal { stroke: #000; stroke-width: 3; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${LABEL_X}" y="26" class="heading" font-size="16">npm run bench: ratios to floors measured in the same run</text>
<text x="${LABEL_X}" y="44" class="caption">${xml(caption)}</text>
${grid.join('\n')}
${parts.join('\n')}
</svg>
`;
}
