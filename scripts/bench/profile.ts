/**
 * Where a new session's time goes in the service process: runs the service child under
 * `--cpu-prof`, drives new email sessions at the bench's concurrency for a few seconds, and sums
 * the profile's samples by what they belong to (dynalite, the AWS SDK client, middy and
 * Powertools, the service's own code, Node's HTTP and streams, the garbage collector). Time in
 * Node's internals is charged to the nearest caller outside them, so the SDK's HTTP requests count
 * as the SDK and dynalite's parsing as dynalite.
 *
 *   node --import tsx scripts/bench/profile.ts [seconds]
 *
 * Not part of `npm run bench`: profiling slows what it measures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './loadgen.js';
import { textTable } from './report.js';
import { startChild } from './rpc.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** What a frame belongs to, or undefined for Node's internals (charged to their caller). */
export function bucketOf(url: string, functionName: string): string | undefined {
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(idle)' || functionName === '(program)') return 'idle / program';
    return undefined;
  }
  if (url.startsWith('node:')) return undefined;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (module) {
    if (
      /^(dynalite|memory-level|abstract-level|level-|lazy|big\.js|lock|async|buffer-crc32|functional-red-black-tree|module-error|maybe-combine-errors)/.test(
        module,
      )
    )
      return 'dynalite (the store)';
    if (module.startsWith('@aws-sdk/') || module.startsWith('@smithy/') || module.startsWith('@aws-crypto/'))
      return 'AWS SDK client';
    if (module.startsWith('@middy/') || module.startsWith('@aws-lambda-powertools/'))
      return 'middy + Powertools';
    if (module === 'tsx' || module === 'esbuild') return 'tsx loader';
    return `other: ${module}`;
  }
  const own = /\/functions\/([^/]+)\//.exec(url)?.[1];
  if (own) return `service: functions/${own}`;
  if (/\/functions\/[^/]+\.ts/.test(url)) return 'service: functions/*.ts';
  if (url.includes('/scripts/bench/')) return 'bench child';
  return `other: ${url.slice(-60)}`;
}

/** Self time of the busiest frames of the service's own code (functions/), by function. */
export function ownFrames(profile: CpuProfile): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, n) => {
    const frame = byId.get(id)?.callFrame;
    const file = frame ? /\/(functions\/.+)$/.exec(frame.url)?.[1] : undefined;
    if (!frame || !file) return;
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[n] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

export function summarise(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const bucketCache = new Map<number, string>();
  const bucketFor = (id: number): string => {
    const cached = bucketCache.get(id);
    if (cached) return cached;
    let current: number | undefined = id;
    let bucket: string | undefined;
    while (current !== undefined && bucket === undefined) {
      const node = byId.get(current);
      if (!node) break;
      bucket = bucketOf(node.callFrame.url, node.callFrame.functionName);
      current = parent.get(current);
    }
    const result = bucket ?? 'Node internals (HTTP server, streams, timers)';
    bucketCache.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, n) => {
    const bucket = bucketFor(id);
    totals.set(bucket, (totals.get(bucket) ?? 0) + (profile.timeDeltas[n] ?? 0) / 1000);
  });
  return totals;
}

const seconds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
const service = await startChild<{ url: string; storageEndpoint: string }>('./service.ts', {
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
const loadgen = await startChild<unknown>('./loadgen.ts');
const request = {
  method: 'POST',
  path: '/_matrix/client/v3/register/email/requestToken',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    client_secret: 'cs-{i}',
    email: 'profile-{i}@example.org',
    send_attempt: 1,
    next_link: 'https://app.element.io/#/register',
  }),
};
const result = await loadgen.call<LoadResult>('run', {
  job: {
    target: 'http',
    url: service.ready.url,
    source: { kind: 'template', prefix: 'p-', request },
    expect: [200],
  },
  timing: {
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
    warmupMs: 1000,
    durationMs: seconds * 1000,
  },
});
await loadgen.close();
await service.close();
const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile was written in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
const totals = summarise(profile);
rmSync(dir, { recursive: true, force: true });

const busy = [...totals].filter(([bucket]) => bucket !== 'idle / program');
const busyMs = busy.reduce((sum, [, ms]) => sum + ms, 0);
console.log(
  `new email sessions: ${result.perSecond.toFixed(0)}/s under --cpu-prof (${result.requests} requests in all); ` +
    `service process busy ${busyMs.toFixed(0)} ms, ${(busyMs / result.requests).toFixed(2)} ms per request\n`,
);
console.log(
  textTable(
    ['where', 'ms', 'share of busy', 'ms per request'],
    busy
      .sort((a, b) => b[1] - a[1])
      .map(([bucket, ms]) => [
        bucket,
        ms.toFixed(0),
        `${((100 * ms) / busyMs).toFixed(1)} %`,
        (ms / result.requests).toFixed(3),
      ]),
  ),
);
console.log(
  `\nThe service's own code, busiest functions by self time:\n${textTable(
    ['function', 'ms', 'ms per request'],
    ownFrames(profile)
      .slice(0, 12)
      .map(([name, ms]) => [name, ms.toFixed(0), (ms / result.requests).toFixed(3)]),
  )}`,
);
