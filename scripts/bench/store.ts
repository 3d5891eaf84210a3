/**
 * Child process: dynalite alone, as the local server embeds it (functions/local/dynalite.ts), for
 * the extra floor that gives the store a process of its own. The service child is then pointed at
 * it with DYNAMODB_ENDPOINT, so the service's thread no longer also runs the store. It counts the
 * requests it receives by DynamoDB operation, as the service child does for its embedded one.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embeddedDynalite } from '../../functions/local/dynalite.js';
import { serve } from './rpc.js';
import { type CpuMark, cpuMark, cpuSince } from './usage.js';

const store = embeddedDynalite(undefined);
let counts: Record<string, number> = {};
let sequence: string[] = [];
store.on('request', (request: IncomingMessage) => {
  const operation = String(request.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
  counts[operation] = (counts[operation] ?? 0) + 1;
  if (sequence.length < 100) sequence.push(operation);
});
store.listen(0, '127.0.0.1');
await once(store, 'listening');

let mark: CpuMark = cpuMark();
serve(
  { endpoint: `http://127.0.0.1:${(store.address() as AddressInfo).port}` },
  {
    mark: () => {
      counts = {};
      sequence = [];
      mark = cpuMark();
    },
    take: () => ({ counts, sequence, cpu: cpuSince(mark) }),
  },
);
