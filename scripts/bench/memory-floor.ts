/**
 * Child process: dynalite's own memory cost per item, the floor of the service's memory per
 * session. The same kind of process as the service child (node --expose-gc, through tsx), with
 * dynalite embedded the same way, and raw PutItems, at the same concurrency, of the item a new
 * session stores, each under its own key.
 *
 * It also checks what deleting gives back, with and without a Scan having run, since the sweep
 * that bounds the local store finds expired items with a Scan: this is dynalite as it comes,
 * without the local server's fix for the iterators its Scans leave open
 * (functions/local/dynalite.ts), so it shows what that fix is for.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import { startDynalite } from '../../test/helpers/aws.js';
import { serve } from './rpc.js';
import { heapAfterGc } from './usage.js';

const dynalite = await startDynalite();
const TABLE = 'memory-floor';
await ensureSessionTable(dynalite.client, TABLE);
let next = 0;

interface Batch {
  readonly item: Record<string, AttributeValue>;
  readonly count: number;
  readonly concurrency: number;
}

const keyOf = (n: number) => ({ S: `session#memory-floor-${String(n).padStart(12, '0')}` });

async function each(batch: Batch, first: number, call: (n: number) => Promise<unknown>): Promise<void> {
  let n = first;
  const last = first + batch.count;
  await Promise.all(
    Array.from({ length: batch.concurrency }, async () => {
      while (n < last) await call(n++);
    }),
  );
}

/** Puts `count` new items; returns the number of the first. */
async function put(batch: Batch): Promise<number> {
  const first = next;
  next += batch.count;
  await each(batch, first, (n) =>
    dynalite.client.send(new PutItemCommand({ TableName: TABLE, Item: { ...batch.item, pk: keyOf(n) } })),
  );
  return first;
}

async function remove(params: Batch & { first: number }): Promise<void> {
  await each(params, params.first, (n) =>
    dynalite.client.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: keyOf(n) } })),
  );
}

/** Reads the whole table with Scan, as the sweep does; returns the number of items. */
async function scan(): Promise<number> {
  let items = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynalite.client.send(
      new ScanCommand({ TableName: TABLE, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    items += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

serve(null, { put, remove, scan, memory: () => heapAfterGc() });
