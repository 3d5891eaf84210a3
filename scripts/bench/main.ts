/**
 * `npm run bench`: how much the service adds on top of what it stands on, as ratios to floors
 * measured in the same run on the same machine: the bare HTTP stack, the raw storage calls each
 * flow makes on the same dynalite, a hello-world Lambda bundle with the same SDK clients, and
 * dynalite's own memory per item. Absolute numbers on a shared machine are noise; ratios to floors
 * measured alongside them travel better.
 *
 *   npm run bench                 the full run (about three minutes); writes bench/results/latest.*
 *   npm run bench -- --quick      one short round, small counts; writes quick.* (checks, not figures)
 *   npm run bench -- --out DIR    write elsewhere
 *   npm run bench -- --readme     rewrite the README's benchmark table from bench/results/latest.json
 *
 * Not part of npm test (test/bench/bench.test.ts runs --quick to check it works end to end).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { execFileSync } = await import('node:child_process');
const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
const os = await import('node:os');
const { join, relative } = await import('node:path');
const { buildBundles, measureBundles } = await import('./bundles.js');
const { chartSvg } = await import('./chart.js');
const { measureMemory } = await import('./memory.js');
const { measureNginxHop } = await import('./nginx-hop.js');
const { benchOptions, KNOBS } = await import('./options.js');
const { SERVICE_VARIANTS, variantEnv } = await import('./flows.js');
const { buildRows, printRows, printThroughputDetail } = await import('./report.js');
const { readmeCaption, writeReadmeSection } = await import('./readme.js');
const { ROOT, startChild } = await import('./rpc.js');
const { measureThroughput, OTHER_LOAD_LIMIT } = await import('./throughput.js');

if (process.argv.includes('--readme')) {
  const file = join(ROOT, 'bench', 'results', 'latest.json');
  writeReadmeSection(join(ROOT, 'README.md'), JSON.parse(readFileSync(file, 'utf8')));
  console.log(`README.md's benchmark table rewritten from ${file}`);
  process.exit(0);
}

const options = benchOptions(process.argv.slice(2), process.env);
const began = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const loadStart = os.loadavg();
log(
  `npm run bench${options.quick ? ' --quick' : ''}: concurrency ${options.concurrency}, ${options.rounds} rounds of ` +
    `${options.warmupMs} ms warm-up + ${options.windowMs} ms window; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`,
);
if (loadStart[0] !== undefined && loadStart[0] > os.cpus().length * 0.5) {
  log('warning: the machine is busy; ratios hold up better than rates, but both are noisier');
}

// Bundling with esbuild uses the CPU, so a full run keeps it out of the throughput phase and runs
// it alongside the memory measure (memory is counted in bytes, not time). --quick does not
// measure, it checks, so it starts bundling at once.
let building: ReturnType<typeof buildBundles> | undefined = options.quick ? buildBundles(log) : undefined;
// Throughput: the service, the bare HTTP floor and the load generator, each its own process; and
// the other services (flows.ts SERVICE_VARIANTS), idle while the others are measured: with real
// limits for the limited flows, and one on a dynalite of its own process (store.ts).
const store = await startChild<{ endpoint: string }>('./store.ts');
const [service, httpFloor, loadgen, ...variantChildren] = await Promise.all([
  startChild<{ url: string; storageEndpoint: string }>('./service.ts'),
  startChild<{ url: string }>('./http-floor.ts'),
  startChild<unknown>('./loadgen.ts'),
  ...SERVICE_VARIANTS.map((variant) =>
    startChild<{ url: string; storageEndpoint: string }>('./service.ts', {
      env: variantEnv(variant, store.ready.endpoint),
    }),
  ),
]);
const variants = Object.fromEntries(
  SERVICE_VARIANTS.map((variant, n) => [variant, variantChildren[n]]),
) as Record<(typeof SERVICE_VARIANTS)[number], (typeof variantChildren)[number]>;
const closeServices = () =>
  Promise.all([service, httpFloor, ...variantChildren, store].map((child) => child.close()));
let throughput: Awaited<ReturnType<typeof measureThroughput>>;
let memory: Awaited<ReturnType<typeof measureMemory>>;
let nginxHop: Awaited<ReturnType<typeof measureNginxHop>>;
try {
  throughput = await measureThroughput({ service, httpFloor, loadgen, variants, store }, options, log);
  // One request at a time from this process, with the load generator idle.
  nginxHop = await measureNginxHop(service.ready.url, options.hopRequests, log);
  await closeServices();
  building ??= buildBundles(log);
  const item = (await import('@aws-sdk/util-dynamodb')).marshall(throughput.storageItem);
  memory = await measureMemory(options, loadgen, item, log);
} finally {
  await Promise.all([closeServices(), loadgen.close()]);
}
const built = await building;
// Cold starts last, with no other bench process running.
const bundles = await measureBundles(built, options, log);

const rows = buildRows(throughput, bundles, memory, nginxHop);
const loadEnd = os.loadavg();
const commit = git('rev-parse', 'HEAD');
// Uncommitted changes to tracked files; the results themselves, and untracked files, do not count.
const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results').length > 0;
const result = {
  schema: 1,
  command: `npm run bench${options.quick ? ' -- --quick' : ''}`,
  quick: options.quick,
  date: new Date().toISOString(),
  durationS: Math.round((performance.now() - began) / 1000),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageStart: loadStart,
    loadAverageEnd: loadEnd,
  },
  git: { commit, dirty },
  settings: {
    concurrency: options.concurrency,
    rounds: options.rounds,
    warmupMs: options.warmupMs,
    windowMs: options.windowMs,
    coldRuns: options.coldRuns,
    memorySessions: options.memorySessions,
    memoryWarmup: options.memoryWarmup,
    knobs: KNOBS,
  },
  goals: {
    met: rows.filter((row) => row.met === true).length,
    notMet: rows.filter((row) => row.met === false).length,
  },
  rows,
  throughput,
  bundles,
  memory,
  nginxHop,
};

console.log(`\n${printRows(rows)}\n`);
console.log(`${printThroughputDetail(throughput)}\n`);
const unexpected = [...throughput.flows, ...Object.values(throughput.floors)].filter((m) => m.unexpected > 0);
for (const measured of unexpected) {
  console.log(
    `warning: unexpected answers: ${JSON.stringify(measured.samples.map((s) => s.unexpectedSample))}`,
  );
}
const starved = [...Object.entries(throughput.floors), ...throughput.flows.map((f) => [f.label, f] as const)]
  .flatMap(([label, measured]) => measured.samples.map((s, round) => ({ label, round, other: s.otherCores })))
  .filter((s) => s.other > OTHER_LOAD_LIMIT);
if (starved.length > 0) {
  const worst = [...starved].sort((a, b) => b.other - a.other).slice(0, 3);
  console.log(
    `warning: other processes kept more than ${OTHER_LOAD_LIMIT} cores busy during ${starved.length} measurements ` +
      `(most: ${worst.map((s) => `${s.label} round ${s.round + 1}, ${s.other.toFixed(2)}`).join('; ')}); ` +
      "those rounds are left out of each measure's figures where another round was not (otherCores and roundsUsed in the JSON)",
  );
}
const starvedThroughout = [
  ...Object.entries(throughput.floors),
  ...throughput.flows.map((f) => [f.label, f] as const),
]
  .filter(([, measured]) => measured.allDisturbed)
  .map(([label]) => label);
if (starvedThroughout.length > 0) {
  console.log(
    `warning: starved in every round, so their figures are the machine's: ${starvedThroughout.join(', ')}`,
  );
}
const exhausted = throughput.flows.filter((flow) => flow.samples.some((s) => s.exhausted));
for (const flow of exhausted) {
  console.log(
    `note: ${flow.label} ran out of prepared sessions in some round (windows ${flow.samples.map((s) => s.windowMs.toFixed(0)).join(', ')} ms)`,
  );
}

mkdirSync(options.outDir, { recursive: true });
const name = options.quick ? 'quick' : 'latest';
const jsonFile = join(options.outDir, `${name}.json`);
const svgFile = join(options.outDir, `${name}.svg`);
writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(svgFile, chartSvg(rows, readmeCaption(result)));
// latest.json inside the repository is committed, so it is laid out as the project's formatter
// wants (quick.json is ignored by git, and by the formatter).
if (!options.quick && !relative(ROOT, jsonFile).startsWith('..')) {
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', jsonFile], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  } catch {
    log(`warning: could not format ${jsonFile} with Biome; run npm run format before committing it`);
  }
}
log(`goals met: ${result.goals.met}, not met: ${result.goals.notMet}; wrote ${jsonFile} and ${svgFile}`);
