/** What `npm run bench` does, from its flags and BENCH_* variables. */
import { join } from 'node:path';
import { ROOT } from './rpc.js';

export interface BenchOptions {
  /** --quick: one short round and small counts, to check the bench works, not to measure. */
  readonly quick: boolean;
  /** Where latest.json and latest.svg (quick.json and quick.svg with --quick) are written. */
  readonly outDir: string;
  readonly concurrency: number;
  readonly rounds: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  /** Prepared sessions per consuming flow in the first round; later rounds size from its rates. */
  readonly firstPool: number;
  readonly coldRuns: number;
  readonly memorySessions: number;
  /** Sessions made before memory is first measured: they warm up the service and fill the outbox. */
  readonly memoryWarmup: number;
  /** Sessions the repeat and lookup flows send to round and round, so that no one item is hot. */
  readonly reusedSessions: number;
  /** Items the raw GetItem floor reads round and round. */
  readonly readKeys: number;
  /** Lookups timed on each path (direct, through nginx) for the nginx hop. */
  readonly hopRequests: number;
}

export const KNOBS = {
  BENCH_CONCURRENCY: 'concurrent requests of the load generator (16)',
  BENCH_ROUNDS: 'interleaved rounds (3)',
  BENCH_WARMUP_MS: 'warm-up before each measurement window (500)',
  BENCH_WINDOW_MS: 'measurement window (1500)',
  BENCH_COLD_RUNS: 'cold starts per function and per hello-world (5)',
  BENCH_MEMORY_SESSIONS: 'sessions created for the memory measure (5000)',
} as const;

export function benchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick');
  const outIndex = argv.indexOf('--out');
  const outDir = outIndex >= 0 ? (argv[outIndex + 1] ?? '') : join(ROOT, 'bench', 'results');
  if (!outDir) throw new Error('--out needs a directory');
  const number = (name: keyof typeof KNOBS, full: number, fast: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return quick ? fast : full;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a whole number ≥ 1, not ${raw}`);
    return value;
  };
  const concurrency = number('BENCH_CONCURRENCY', 16, 16);
  const warmupMs = number('BENCH_WARMUP_MS', 500, 50);
  const windowMs = number('BENCH_WINDOW_MS', 1500, 200);
  return {
    quick,
    outDir,
    concurrency,
    rounds: number('BENCH_ROUNDS', 3, 1),
    warmupMs,
    windowMs,
    firstPool: quick ? 150 : Math.ceil((700 * (warmupMs + windowMs)) / 1000),
    coldRuns: number('BENCH_COLD_RUNS', 5, 1),
    memorySessions: number('BENCH_MEMORY_SESSIONS', 5000, 200),
    memoryWarmup: quick ? 50 : 1000,
    reusedSessions: quick ? 16 : 256,
    readKeys: quick ? 50 : 1000,
    hopRequests: quick ? 50 : 1000,
  };
}
