/**
 * The bench's findings as rows (measure, value, floor, ratio, goal, met) and as a printed table.
 * Goals live here and in the output, not in tests: timings on a shared machine are noise for a
 * test, and a goal not met is a finding to report, not a build to break.
 */
import type { BundleResult } from './bundles.js';
import type { FlowId } from './flows.js';
import type { MemoryResult } from './memory.js';
import type { NginxHopResult } from './nginx-hop.js';
import type { Spread } from './stats.js';
import type { FloorId, ThroughputResult } from './throughput.js';

export interface Goal {
  /** How the measure compares with the target: equal to, at most, or at least. */
  readonly op: '=' | '<=' | '>=';
  readonly target: number;
  readonly text: string;
}

export type RowGroup = 'calls' | 'throughput' | 'limited' | 'floor' | 'bundle' | 'cold' | 'memory' | 'hop';

export interface Row {
  readonly id: string;
  readonly group: RowGroup;
  readonly what: string;
  readonly value: number;
  readonly unit: string;
  readonly valueText: string;
  readonly floor: number | null;
  readonly floorText: string;
  /** What the goal is judged on: the ratio, or the value itself for call counts. */
  readonly ratio: number | null;
  readonly ratioText: string;
  readonly goal: Goal | null;
  /** null when the row has no goal. */
  readonly met: boolean | null;
  readonly note?: string;
  /** Whether latest.svg draws it: not when its ratio says little (a floor with nothing in it). */
  readonly charted: boolean;
}

const KIB = 1024;
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
/**
 * A ratio to two decimals, or three when two would round it onto its goal's target (1.104 against
 * ≤ 1.1 would read 1.10 and not met).
 */
export function ratioText(value: number, goal: Goal | null = null): string {
  const two = fixed(value, 2);
  return goal && Number(two) === goal.target && value !== goal.target ? fixed(value, 3) : two;
}
const rate = (value: number) => `${fixed(value, 0)}/s`;
const spreadText = (s: Spread, format: (value: number) => string) =>
  s.rounds.length > 1 ? `${format(s.median)} (${format(s.min)}–${format(s.max)})` : format(s.median);

function judge(goal: Goal | null, measure: number | null): boolean | null {
  if (!goal || measure === null || !Number.isFinite(measure)) return goal ? false : null;
  if (goal.op === '=') return measure === goal.target;
  return goal.op === '<=' ? measure <= goal.target : measure >= goal.target;
}

/** DynamoDB calls per request the goals fix, by flow. */
const CALL_GOALS: Partial<Record<FlowId, Goal>> = {
  newSessionEmail: { op: '=', target: 1, text: '1' },
  newSessionSms: { op: '=', target: 1, text: '1' },
  higherSendAttempt: { op: '=', target: 1, text: '1' },
  rightCode: { op: '=', target: 1, text: '1' },
  linkPost: { op: '=', target: 1, text: '1' },
  wrongCode: { op: '<=', target: 2, text: '≤ 2' },
};
const NEW_SESSION_GOAL: Goal = { op: '>=', target: 0.7, text: '≥ 0.7 × storage' };
const BUNDLE_GOAL: Goal = { op: '<=', target: 1.2, text: '≤ 1.2 × hello' };
const BUNDLE_GOAL_FUNCTIONS = new Set(['requestEmailToken', 'submitToken', 'emailLink', 'getValidated3pid']);
const COLD_GOAL: Goal = { op: '<=', target: 1.1, text: '≤ 1.1 × hello' };
const MEMORY_GOAL: Goal = { op: '<=', target: 1.5, text: '≤ 1.5 × dynalite' };
/** Bounded: after the TTL and the sweep, no session is left and at most this much of the growth stays. */
const RETAINED_AT_MOST = 0.1;

export function buildRows(
  throughput: ThroughputResult,
  bundles: readonly BundleResult[],
  memory: MemoryResult,
  nginxHop: NginxHopResult | null = null,
): Row[] {
  const rows: Row[] = [];
  for (const flow of throughput.flows) {
    const goal = CALL_GOALS[flow.id] ?? null;
    rows.push({
      id: `calls.${flow.id}`,
      group: 'calls',
      what: `DynamoDB calls: ${flow.label}`,
      value: flow.calls.length,
      unit: 'calls',
      valueText: `${flow.calls.length} (${flow.calls.join(', ')})`,
      floor: null,
      floorText: '',
      ratio: flow.calls.length,
      ratioText: '',
      goal,
      met: judge(goal, flow.calls.length),
      note: `counted at dynalite for one request; under load ${fixed(flow.callsUnderLoad, 2)} per request`,
      charted: false,
    });
  }
  const newSession = throughput.flows.find((flow) => flow.id === 'newSessionEmail');
  for (const flow of throughput.flows) {
    const goal = flow.id === 'newSessionEmail' || flow.id === 'newSessionSms' ? NEW_SESSION_GOAL : null;
    // A limited flow is compared with the new session (limits off); every other, with its storage.
    const ratio = flow.ratioToNewSession ?? flow.ratioToStorage;
    const floorText = flow.ratioToNewSession
      ? newSession
        ? `${rate(newSession.perSecond.median)} (new session, limits off)`
        : '–'
      : flow.storageFloor
        ? `${rate(flow.storageFloor.median)} (${flow.calls.join('+')})`
        : '–';
    rows.push({
      id: `throughput.${flow.id}`,
      group: flow.ratioToNewSession ? 'limited' : 'throughput',
      what: `throughput: ${flow.label}`,
      value: flow.perSecond.median,
      unit: 'requests/s',
      valueText: spreadText(flow.perSecond, rate),
      floor: (flow.ratioToNewSession ? newSession?.perSecond.median : flow.storageFloor?.median) ?? null,
      floorText,
      ratio: ratio?.median ?? null,
      ratioText: ratio ? spreadText(ratio, (value) => ratioText(value, goal)) : '–',
      goal,
      met: judge(goal, ratio?.median ?? null),
      note:
        (flow.ratioToNewSession && flow.ratioToStorage
          ? `× storage ${spreadText(flow.ratioToStorage, (value) => fixed(value, 2))}; `
          : '') +
        `× bare HTTP ${spreadText(flow.ratioToHttp, (value) => fixed(value, 3))}` +
        (flow.ratioToInProcess
          ? `; × in-process floor ${spreadText(flow.ratioToInProcess, (value) => fixed(value, 2))}`
          : '') +
        `; p50 ${fixed(flow.p50Ms, 1)} ms, p99 ${fixed(flow.p99Ms, 1)} ms; ${roundsNote(flow)}` +
        (flow.id === 'newSessionEmailSeparateStore'
          ? "; an extra floor, not issue 9's: the store runs in its own process, so it does not share the service's thread"
          : ''),
      charted: ratio !== null,
    });
  }
  const floorLabels: Record<FloorId, string> = {
    http: 'bare node:http, constant JSON',
    PutItem: 'raw conditional PutItem',
    GetItem: 'raw GetItem (consistent)',
    UpdateItem: 'raw conditional UpdateItem',
    inProcess: 'HTTP + raw UpdateItem in the service process',
    separateUpdateItem: 'raw conditional UpdateItem, dynalite in its own process (extra)',
  };
  for (const [id, floor] of Object.entries(throughput.floors) as [
    FloorId,
    ThroughputResult['floors'][FloorId],
  ][]) {
    rows.push({
      id: `floor.${id}`,
      group: 'floor',
      what: `floor: ${floorLabels[id]}`,
      value: floor.perSecond.median,
      unit: 'requests/s',
      valueText: spreadText(floor.perSecond, rate),
      floor: null,
      floorText: '',
      ratio: null,
      ratioText: '',
      goal: null,
      met: null,
      note: `p50 ${fixed(floor.p50Ms, 1)} ms, p99 ${fixed(floor.p99Ms, 1)} ms; load generator ${fixed(floor.loadgenCores, 2)} cores; ${roundsNote(floor)}`,
      charted: false,
    });
  }
  for (const bundle of bundles) {
    const goal = BUNDLE_GOAL_FUNCTIONS.has(bundle.name) ? BUNDLE_GOAL : null;
    rows.push({
      id: `bundle.${bundle.name}`,
      group: 'bundle',
      what: `bundle: ${bundle.name}`,
      value: bundle.bytes,
      unit: 'bytes',
      valueText: `${fixed(bundle.bytes / KIB, 0)} KiB`,
      floor: bundle.helloBytes,
      floorText: `${fixed(bundle.helloBytes / KIB, 0)} KiB`,
      ratio: bundle.sizeRatio,
      ratioText: ratioText(bundle.sizeRatio, goal),
      goal,
      met: judge(goal, bundle.sizeRatio),
      note:
        bundle.name === 'requestMsisdnToken'
          ? "no goal: carries libphonenumber's full metadata on purpose (number types)"
          : bundle.clients.length === 0
            ? 'no goal: it uses no SDK client, so its hello-world is empty and the ratio says little'
            : `hello-world with ${bundle.clients.join(', ')}`,
      charted: bundle.clients.length > 0,
    });
  }
  for (const bundle of bundles) {
    rows.push({
      id: `cold.${bundle.name}`,
      group: 'cold',
      what: `cold start: ${bundle.name}`,
      value: bundle.cold.medianMs,
      unit: 'ms',
      valueText: `${fixed(bundle.cold.medianMs, 0)} ms`,
      floor: bundle.helloCold.medianMs,
      floorText: `${fixed(bundle.helloCold.medianMs, 0)} ms`,
      ratio: bundle.coldRatio,
      ratioText: ratioText(bundle.coldRatio, COLD_GOAL),
      goal: COLD_GOAL,
      met: judge(COLD_GOAL, bundle.coldRatio),
      note:
        `${bundle.event} → ${bundle.cold.statusCode}; calls ${bundle.calls.join(', ') || 'none'}; ` +
        `inside: import ${fixed(bundle.cold.importMs, 0)} ms + invoke ${fixed(bundle.cold.invokeMs, 0)} ms, ` +
        `hello-world ${fixed(bundle.helloCold.importMs, 0)} + ${fixed(bundle.helloCold.invokeMs, 0)} ms`,
      charted: true,
    });
  }
  rows.push({
    id: 'memory.perSession',
    group: 'memory',
    what: 'local memory per session',
    value: memory.bytesPerSession,
    unit: 'bytes',
    valueText: `${fixed(memory.bytesPerSession / KIB, 2)} KiB`,
    floor: memory.floorBytesPerItem,
    floorText: `${fixed(memory.floorBytesPerItem / KIB, 2)} KiB`,
    ratio: memory.ratio,
    ratioText: ratioText(memory.ratio, MEMORY_GOAL),
    goal: MEMORY_GOAL,
    met: judge(MEMORY_GOAL, memory.ratio),
    note: `heap + external after GC, ${memory.sessions} sessions; RSS ${fixed(memory.rssPerSession / KIB, 2)} KiB per session`,
    charted: true,
  });
  const bounded: Goal = { op: '<=', target: RETAINED_AT_MOST, text: `0 left, ≤ ${RETAINED_AT_MOST} kept` };
  rows.push({
    id: 'memory.bounded',
    group: 'memory',
    what: 'local memory bounded (after TTL + sweep)',
    value: memory.itemsAfterSweep,
    unit: 'items',
    valueText: `${memory.itemsAfterSweep} items left`,
    floor: null,
    floorText: '',
    ratio: memory.retainedFraction,
    ratioText: `${fixed(memory.retainedFraction, 2)} kept`,
    goal: bounded,
    met: memory.itemsAfterSweep === 0 && memory.retainedFraction <= RETAINED_AT_MOST,
    note:
      `swept ${memory.swept} items, the warm-up's too (so the fraction can be below 0); the fraction is of ` +
      "the memory the sessions added. dynalite alone, without the local server's fix for the iterators " +
      'its Scans leave open, keeps ' +
      `${fixed(memory.dynaliteRetainedAfterDelete, 2)} of deleted items' memory, ` +
      `${fixed(memory.dynaliteRetainedAfterScanAndDelete, 2)} when a Scan ran before the deletes`,
    charted: false,
  });
  if (nginxHop) {
    const ms = (value: number) => `${fixed(value, 2)} ms`;
    rows.push({
      id: 'hop.nginx',
      group: 'hop',
      what: 'nginx recipe hop, loopback (added latency)',
      value: nginxHop.addedMs.median,
      unit: 'ms',
      valueText: spreadText(nginxHop.addedMs, ms),
      floor: nginxHop.directMs.median,
      floorText: `${ms(nginxHop.directMs.median)} direct`,
      ratio: null,
      ratioText: '',
      goal: null,
      met: null,
      note:
        `a lookup one request at a time, ${nginxHop.requests} on each path in interleaved blocks: ` +
        `through nginx ${ms(nginxHop.proxiedMs.median)}; no goal, the front-door comparison quotes it`,
      charted: false,
    });
  }
  return rows;
}

const roundsUsed = (measured: { readonly roundsUsed: readonly number[]; readonly allDisturbed: boolean }) =>
  `${measured.roundsUsed.map((round) => round + 1).join(',')}${measured.allDisturbed ? ' (all starved)' : ''}`;

function roundsNote(measured: {
  readonly roundsUsed: readonly number[];
  readonly samples: readonly unknown[];
  readonly allDisturbed: boolean;
}): string {
  return measured.allDisturbed
    ? `all ${measured.samples.length} rounds starved by other load`
    : `${measured.roundsUsed.length} of ${measured.samples.length} rounds undisturbed`;
}

const metText = (met: boolean | null) => (met === null ? '' : met ? 'met' : 'NOT MET');

/** A plain-text table, padded to its widest cells. */
export function textTable(headers: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...body.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

export function printRows(rows: readonly Row[]): string {
  return textTable(
    ['what', 'value', 'floor', 'ratio', 'goal', 'met'],
    rows.map((row) => [
      row.what,
      row.valueText,
      row.floorText,
      row.ratioText,
      row.goal?.text ?? '',
      metText(row.met),
    ]),
  );
}

export function printThroughputDetail(throughput: ThroughputResult): string {
  const body = [
    ...(Object.entries(throughput.floors) as [FloorId, ThroughputResult['floors'][FloorId]][]).map(
      ([id, floor]) => [
        `floor: ${id}`,
        '',
        spreadText(floor.perSecond, rate),
        fixed(floor.p50Ms, 1),
        fixed(floor.p99Ms, 1),
        '',
        '',
        '',
        '',
        fixed(floor.loadgenCores, 2),
        fixed(floor.serverCores, 2),
        fixed(floor.otherCores, 2),
        fixed((floor.serverCores * 1000) / floor.perSecond.median, 2),
        roundsUsed(floor),
      ],
    ),
    ...throughput.flows.map((flow) => [
      flow.label,
      flow.calls.join('+'),
      spreadText(flow.perSecond, rate),
      fixed(flow.p50Ms, 1),
      fixed(flow.p99Ms, 1),
      flow.ratioToStorage ? spreadText(flow.ratioToStorage, (value) => fixed(value, 2)) : '–',
      spreadText(flow.ratioToHttp, (value) => fixed(value, 3)),
      flow.ratioToInProcess ? spreadText(flow.ratioToInProcess, (value) => fixed(value, 2)) : '',
      flow.ratioToNewSession ? spreadText(flow.ratioToNewSession, (value) => fixed(value, 2)) : '',
      fixed(flow.loadgenCores, 2),
      fixed(flow.serverCores, 2),
      fixed(flow.otherCores, 2),
      fixed((flow.serverCores * 1000) / flow.perSecond.median, 2),
      roundsUsed(flow),
    ]),
  ];
  return textTable(
    [
      'measure',
      'calls',
      'rate: median (min–max)',
      'p50 ms',
      'p99 ms',
      '× storage',
      '× HTTP',
      '× in-process',
      '× new session',
      'loadgen cores',
      'server cores',
      'other cores',
      'server CPU ms/req',
      'rounds used',
    ],
    body,
  );
}
