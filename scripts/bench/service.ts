/**
 * Child process: the service under test, as `npm start` runs it (the local server, the Lambda
 * handlers, the embedded dynalite), silent. It counts every request its dynalite receives, by
 * DynamoDB operation, and hands the counts to the bench between phases.
 *
 * It can also serve a second floor from inside this same process: a bare node:http server whose
 * every answer waits for one raw storage call to the same dynalite through the AWS SDK, as the
 * service's own calls are made. That is what any handler here would cost at the least, since
 * the client and the store share the service's one thread; the raw floors from the load
 * generator's process do not pay the client's cost on this thread.
 *
 * BENCH_CLOCK=adjustable gives it a clock the bench can move forward (for the memory measure, to
 * pass the TTL); the throughput child runs on the system clock.
 *
 * It runs with RATE_LIMITS=off, as local mode allows, so that a flow measures its path and not
 * the limiter refusing it; BENCH_RATE_LIMITS gives it real limits instead (the limited flows).
 * BENCH_DYNAMODB_ENDPOINT points it at a dynalite in another process (store.ts) instead of its
 * embedded one, for the extra floor where the store does not share the service's thread.
 */
import { once } from 'node:events';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadLocalConfig } from '../../functions/config.js';
import { startLocalServer } from '../../functions/local/server.js';
import { rawCommands, type StorageOperation, sendRaw } from './raw-ops.js';
import { serve } from './rpc.js';
import { type CpuMark, cpuMark, cpuSince, heapAfterGc } from './usage.js';

let offsetMs = 0;
const adjustable = process.env.BENCH_CLOCK === 'adjustable';
let counts: Record<string, number> = {};
let sequence: string[] = [];
const server = await startLocalServer({
  config: loadLocalConfig({
    PORT: '0',
    LOG_LEVEL: 'SILENT',
    RATE_LIMITS: process.env.BENCH_RATE_LIMITS ?? 'off',
    ...(process.env.BENCH_DYNAMODB_ENDPOINT
      ? { DYNAMODB_ENDPOINT: process.env.BENCH_DYNAMODB_ENDPOINT }
      : {}),
  }),
  ...(adjustable ? { clock: { now: () => Date.now() + offsetMs } } : {}),
  onStorageRequest: (operation) => {
    counts[operation] = (counts[operation] ?? 0) + 1;
    if (sequence.length < 100) sequence.push(operation);
  },
});

export interface ServiceReady {
  readonly url: string;
  readonly storageEndpoint: string;
}

const ANSWER = JSON.stringify({ sid: 'AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA' });

/** Starts the in-process storage floor; answers its URL. */
async function inProcessFloor(params: {
  operation: StorageOperation;
  table: string;
  item: Record<string, AttributeValue>;
  concurrency: number;
}): Promise<{ url: string }> {
  const client = new DynamoDBClient({
    endpoint: server.storageEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: params.concurrency }) },
  });
  const command = rawCommands(params.operation, params.table, params.item);
  let next = 0;
  const floor = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      sendRaw(client, command(`in-process-${next++}`)).then(
        () => {
          response.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': String(ANSWER.length),
          });
          response.end(ANSWER);
        },
        () => {
          response.writeHead(500, { 'Content-Length': '0' });
          response.end();
        },
      );
    });
  });
  floor.listen(0, '127.0.0.1');
  await once(floor, 'listening');
  return { url: `http://127.0.0.1:${(floor.address() as AddressInfo).port}` };
}

let mark: CpuMark = cpuMark();

serve({ url: server.url, storageEndpoint: server.storageEndpoint } satisfies ServiceReady, {
  /** Starts a phase: storage counts and CPU time from now. */
  mark: () => {
    counts = {};
    sequence = [];
    mark = cpuMark();
  },
  /** The storage calls and CPU use since the last mark. */
  take: () => ({ counts, sequence, cpu: cpuSince(mark) }),
  memory: () => heapAfterGc(),
  advanceClock: (ms: number) => {
    if (!adjustable) throw new Error('this child runs on the system clock');
    offsetMs += ms;
  },
  sweepExpired: () => server.sweepExpired(),
  inProcessFloor,
});
