/**
 * Memory per session in the service, against dynalite's own cost for items of the same size, and
 * whether it is bounded: after the TTL has passed (the service child's clock is moved forward) and
 * the sweep that deletes expired items has run, sessions are gone and memory falls back.
 *
 * Memory is the V8 heap plus memory outside it (Buffers), after full collections; RSS is reported
 * too but rarely shrinks, since V8 and the allocator keep pages they have used.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LoadResult } from './loadgen.js';
import type { BenchOptions } from './options.js';
import { type Child, startChild } from './rpc.js';
import type { Memory } from './usage.js';

export interface MemoryResult {
  readonly sessions: number;
  /** Sessions made first, not counted: they warm the service and fill the outbox. */
  readonly warmup: number;
  /**
   * Messages the outbox holds at the first and second measure. It keeps the newest 1000, so once
   * full (the warm-up fills it) it does not grow, and the sessions' cost is not the outbox's.
   */
  readonly outboxBefore: number;
  readonly outboxAfter: number;
  /** Items in the store, from the sessions created (each is one item) and the sweep's count. */
  readonly itemsBefore: number;
  readonly itemsAfter: number;
  readonly before: Memory;
  readonly after: Memory;
  /** (heap + external) growth per session. */
  readonly bytesPerSession: number;
  readonly rssPerSession: number;
  /** The same measure for raw PutItems of the same item into dynalite alone. */
  readonly floorBytesPerItem: number;
  readonly floorRssPerItem: number;
  readonly ratio: number;
  /** After moving the clock past the TTL and sweeping. */
  readonly swept: number;
  readonly itemsAfterSweep: number;
  readonly afterSweep: Memory;
  /** Memory after the sweep, as a fraction of the growth the sessions caused (0: all given back). */
  readonly retainedFraction: number;
  /**
   * dynalite alone, without the local server's fix for the iterators its Scans leave open: the
   * fraction of its items' memory still held after deleting them all, when no Scan has run, and
   * when one Scan ran before the deletes (as the sweep's does).
   */
  readonly dynaliteRetainedAfterDelete: number;
  readonly dynaliteRetainedAfterScanAndDelete: number;
}

const THREE_DAYS_MS = 3 * 24 * 3600_000;
const used = (memory: Memory) => memory.heapUsed + memory.external;

export async function measureMemory(
  options: BenchOptions,
  loadgen: Child<unknown>,
  item: Record<string, AttributeValue>,
  log: (line: string) => void,
): Promise<MemoryResult> {
  log(`memory: ${options.memorySessions} sessions in a fresh service, then past their TTL`);
  const [service, floor] = await Promise.all([
    startChild<{ url: string; storageEndpoint: string }>('./service.ts', {
      env: { BENCH_CLOCK: 'adjustable' },
      nodeArgs: ['--expose-gc'],
    }),
    startChild<null>('./memory-floor.ts', { nodeArgs: ['--expose-gc'] }),
  ]);
  const create = async (prefix: string, sessions: number) => {
    const result = await loadgen.call<LoadResult>('run', {
      job: {
        target: 'http',
        url: service.ready.url,
        source: {
          kind: 'template',
          prefix,
          count: sessions,
          request: {
            method: 'POST',
            path: '/_matrix/client/v3/register/email/requestToken',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              client_secret: 'cs-{i}',
              email: 'memory-{i}@example.org',
              send_attempt: 1,
              next_link: 'https://app.element.io/#/register',
            }),
          },
        },
        expect: [200],
      },
      timing: { concurrency: options.concurrency, warmupMs: 0 },
    });
    if (result.unexpected > 0) throw new Error(`creating sessions failed: ${result.unexpectedSample}`);
  };

  const outbox = async () => {
    const response = await fetch(new URL('/_local/outbox', service.ready.url));
    return ((await response.json()) as { messages: unknown[] }).messages.length;
  };

  try {
    // Items are not counted with a Scan: through dynalite alone a Scan keeps what it saw alive (its
    // iterators are never closed; see the floor below). The local server closes them
    // (functions/local/dynalite.ts), but the measure does not lean on that: every new session is
    // one item (one UpdateItem on a new key, as the call count shows), and the sweep says how many
    // it deleted.
    await create('warm-', options.memoryWarmup);
    const outboxBefore = await outbox();
    const itemsBefore = options.memoryWarmup;
    const before = await service.call<Memory>('memory');
    await create('measured-', options.memorySessions);
    const outboxAfter = await outbox();
    const itemsAfter = itemsBefore + options.memorySessions;
    const after = await service.call<Memory>('memory');
    await service.call('advanceClock', THREE_DAYS_MS);
    const swept = await service.call<number>('sweepExpired');
    const itemsAfterSweep = itemsAfter - swept;
    const afterSweep = await service.call<Memory>('memory');

    // The floor: the same items put raw into dynalite alone; then what deleting them gives back,
    // first with no Scan ever run, then after one Scan (the sweep finds expired items with one).
    const warm = { item, count: options.memoryWarmup, concurrency: options.concurrency };
    const batch = { ...warm, count: options.memorySessions };
    await floor.call('put', warm);
    const floorBefore = await floor.call<Memory>('memory');
    const first = await floor.call<number>('put', batch);
    const floorAfter = await floor.call<Memory>('memory');
    const grown = used(floorAfter) - used(floorBefore);
    await floor.call('remove', { ...batch, first });
    const afterDelete = await floor.call<Memory>('memory');
    // The same again, with a Scan before the deletes; a smaller batch says as much, sooner.
    const probe = { ...batch, count: Math.min(batch.count, 2000) };
    const again = await floor.call<number>('put', probe);
    const probeGrown = used(await floor.call<Memory>('memory')) - used(afterDelete);
    await floor.call('scan');
    await floor.call('remove', { ...probe, first: again });
    const afterScanAndDelete = await floor.call<Memory>('memory');
    const floorBytesPerItem = grown / options.memorySessions;

    const added = itemsAfter - itemsBefore;
    const bytesPerSession = (used(after) - used(before)) / added;
    return {
      sessions: added,
      warmup: options.memoryWarmup,
      outboxBefore,
      outboxAfter,
      itemsBefore,
      itemsAfter,
      before,
      after,
      bytesPerSession,
      rssPerSession: (after.rss - before.rss) / added,
      floorBytesPerItem,
      floorRssPerItem: (floorAfter.rss - floorBefore.rss) / options.memorySessions,
      ratio: bytesPerSession / floorBytesPerItem,
      swept,
      itemsAfterSweep,
      afterSweep,
      retainedFraction: (used(afterSweep) - used(before)) / (used(after) - used(before)),
      dynaliteRetainedAfterDelete: (used(afterDelete) - used(floorBefore)) / grown,
      dynaliteRetainedAfterScanAndDelete: (used(afterScanAndDelete) - used(afterDelete)) / probeGrown,
    };
  } finally {
    await Promise.all([service.close(), floor.close()]);
  }
}
