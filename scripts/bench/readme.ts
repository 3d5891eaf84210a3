/**
 * The README's benchmark table, generated from bench/results/latest.json (`npm run bench --
 * --readme`), so its numbers are always the committed run's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Row } from './report.js';

export interface BenchJson {
  readonly command: string;
  readonly date: string;
  readonly durationS: number;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly loadAverageStart: readonly number[];
  };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly settings: { readonly concurrency: number; readonly rounds: number };
  readonly goals: { readonly met: number; readonly notMet: number };
  readonly rows: readonly Row[];
}

const START = '<!-- bench:start: generated from bench/results/latest.json by `npm run bench -- --readme` -->';
const END = '<!-- bench:end -->';

/** One line saying what produced the numbers. */
export function readmeCaption(json: BenchJson): string {
  return (
    `${json.command} at commit ${json.git.commit.slice(0, 7)}${json.git.dirty ? ' (with uncommitted changes)' : ''}, ` +
    `${json.date.slice(0, 10)}: ${json.machine.cpus} × ${json.machine.cpuModel.trim()}, Node ${json.machine.node}, ` +
    `concurrency ${json.settings.concurrency}, ${json.settings.rounds} rounds`
  );
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function readmeSection(json: BenchJson): string {
  const goalRows = json.rows.filter((row) => row.goal !== null);
  const lines = [
    START,
    '',
    '![Each measure as a ratio to its floor, with its goal](bench/results/latest.svg)',
    '',
    `Measured by \`${json.command}\` at commit \`${json.git.commit.slice(0, 7)}\`${json.git.dirty ? ' (with uncommitted changes)' : ''} on ${json.date.slice(0, 10)}: ` +
      `${json.machine.cpus} × ${json.machine.cpuModel.trim()}, Node ${json.machine.node}, load average ${json.machine.loadAverageStart[0]?.toFixed(2)} at the start; ` +
      `concurrency ${json.settings.concurrency}, ${json.settings.rounds} interleaved rounds, medians with (min–max) over rounds; ${json.durationS} s in all. ` +
      `Goals met: ${json.goals.met}, not met: ${json.goals.notMet}.`,
    '',
    '| Measure | Value | Floor | Ratio | Goal | Met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...goalRows.map(
      (row) =>
        `| ${cell(row.what)} | ${cell(row.valueText)} | ${cell(row.floorText || '–')} | ${cell(row.ratioText || '–')} | ${cell(row.goal?.text ?? '')} | ${row.met ? 'met' : '**not met**'} |`,
    ),
    '',
    END,
  ];
  return lines.join('\n');
}

export function writeReadmeSection(readmeFile: string, json: BenchJson): void {
  const readme = readFileSync(readmeFile, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${readmeFile} has no ${START} … ${END} section`);
  writeFileSync(readmeFile, readme.slice(0, start) + readmeSection(json) + readme.slice(end + END.length));
}
