/**
 * Child process: the load generator, alone in its process so its own work is not the service's.
 * node:http with a keep-alive agent (one socket per worker), or the AWS SDK's DynamoDB client
 * (keep-alive) for the raw storage floors; a fixed number of workers, each sending its next
 * request as soon as the previous one is answered; a warm-up, then a timed window whose
 * completions are counted and whose latencies are recorded with the monotonic clock.
 */
import { Agent, request } from 'node:http';
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { rawCommands, type StorageOperation, sendRaw } from './raw-ops.js';
import { serve } from './rpc.js';
import { quantile } from './stats.js';
import { type CpuUse, cpuMark, cpuSince } from './usage.js';

export interface HttpRequestSpec {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * Where requests come from: a template whose `{i}` becomes a unique value each time (endless, or
 * `count` of them), a list sent once each in order, or a list sent round and round.
 */
export type HttpSource =
  | {
      readonly kind: 'template';
      readonly request: HttpRequestSpec;
      readonly prefix: string;
      readonly count?: number;
    }
  | { readonly kind: 'list'; readonly requests: readonly HttpRequestSpec[] }
  | { readonly kind: 'cycle'; readonly requests: readonly HttpRequestSpec[] };

export interface HttpJob {
  readonly target: 'http';
  readonly url: string;
  readonly source: HttpSource;
  /** Statuses that count as the flow working; anything else is reported. */
  readonly expect: readonly number[];
  /** Keep every response body, in the list's order (for preparing sessions). */
  readonly collect?: boolean;
}

export type { StorageOperation };

/**
 * Raw DynamoDB calls (raw-ops.ts) on a table of the bench's own; GetItem reads items `prefix0` …
 * `prefix{keys-1}` round and round, the writes each make a new item.
 */
export interface StorageJob {
  readonly target: 'dynamodb';
  readonly endpoint: string;
  readonly table: string;
  readonly operation: StorageOperation;
  readonly item: Record<string, AttributeValue>;
  readonly prefix: string;
  readonly count?: number;
  readonly keys?: number;
}

export type Job = HttpJob | StorageJob;

export interface Timing {
  readonly concurrency: number;
  readonly warmupMs: number;
  /** Without it, the job runs until its source is used up (preparing, not measuring). */
  readonly durationMs?: number;
}

export interface LoadResult {
  /** Every request answered, warm-up included. */
  readonly requests: number;
  /** Answered inside the window. */
  readonly measured: number;
  readonly windowMs: number;
  readonly perSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly unexpected: number;
  readonly unexpectedSample?: string;
  /** The source ran out before the window's end, which then ends at the last answer. */
  readonly exhausted: boolean;
  /** The load generator's own CPU use in the window: near 1 core means it may be the limit. */
  readonly cpu: CpuUse;
  readonly bodies?: readonly (string | null)[];
}

interface Answer {
  readonly status: number;
  readonly body?: string;
}
type Send = () => Promise<Answer>;
/** The next request to send and its index in the source, or undefined when there are no more. */
type Source = () => { send: Send; index: number } | undefined;

const agents = new Map<number, Agent>();
const agentFor = (concurrency: number) => {
  let agent = agents.get(concurrency);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    agents.set(concurrency, agent);
  }
  return agent;
};

function httpSend(url: URL, spec: HttpRequestSpec, agent: Agent, keepBody: boolean): Send {
  const body = spec.body ?? '';
  const headers = { ...spec.headers, 'content-length': String(Buffer.byteLength(body)) };
  return () =>
    new Promise<Answer>((resolve, reject) => {
      const outgoing = request(
        { host: url.hostname, port: url.port, method: spec.method, path: spec.path, headers, agent },
        (response) => {
          const status = response.statusCode ?? 0;
          if (!keepBody) {
            response.resume();
            response.on('end', () => resolve({ status }));
            return;
          }
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}

function fill(spec: HttpRequestSpec, value: string): HttpRequestSpec {
  return {
    method: spec.method,
    path: spec.path.replaceAll('{i}', value),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.body === undefined ? {} : { body: spec.body.replaceAll('{i}', value) }),
  };
}

function httpSource(job: HttpJob, concurrency: number): Source {
  const url = new URL(job.url);
  const agent = agentFor(concurrency);
  // Bodies are read in full either way; kept only when asked for, or to show an unexpected answer.
  const keep = job.collect === true;
  let next = 0;
  const { source } = job;
  return () => {
    const index = next++;
    switch (source.kind) {
      case 'template':
        if (source.count !== undefined && index >= source.count) return undefined;
        return { index, send: httpSend(url, fill(source.request, `${source.prefix}${index}`), agent, keep) };
      case 'list': {
        const spec = source.requests[index];
        return spec ? { index, send: httpSend(url, spec, agent, keep) } : undefined;
      }
      case 'cycle': {
        const spec = source.requests[index % source.requests.length];
        return spec ? { index, send: httpSend(url, spec, agent, keep) } : undefined;
      }
    }
  };
}

const clients = new Map<string, DynamoDBClient>();
function clientFor(endpoint: string, concurrency: number): DynamoDBClient {
  const key = `${endpoint} ${concurrency}`;
  let client = clients.get(key);
  if (!client) {
    client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      maxAttempts: 1,
      requestHandler: {
        httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency }),
      },
    });
    clients.set(key, client);
  }
  return client;
}

async function storageAnswer(call: Promise<unknown>): Promise<Answer> {
  try {
    await call;
    return { status: 200 };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    return { status, body: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

function storageSource(job: StorageJob, concurrency: number): Source {
  const client = clientFor(job.endpoint, concurrency);
  const command = rawCommands(job.operation, job.table, job.item);
  let next = 0;
  return () => {
    const index = next++;
    if (job.count !== undefined && index >= job.count) return undefined;
    const key = `${job.prefix}${job.operation === 'GetItem' ? index % (job.keys ?? 1) : index}`;
    return { index, send: () => storageAnswer(sendRaw(client, command(key))) };
  };
}

export async function runLoad(job: Job, timing: Timing): Promise<LoadResult> {
  const source =
    job.target === 'http' ? httpSource(job, timing.concurrency) : storageSource(job, timing.concurrency);
  const expect = job.target === 'http' ? job.expect : [200];
  const bodies: (string | null)[] = [];
  const latencies: number[] = [];
  let requests = 0;
  let unexpected = 0;
  let unexpectedSample: string | undefined;
  let lastAnswer = 0;
  let exhausted = false;

  const started = performance.now();
  const windowStart = started + timing.warmupMs;
  const plannedEnd =
    timing.durationMs === undefined ? Number.POSITIVE_INFINITY : windowStart + timing.durationMs;
  let cpu = cpuMark();
  let cpuMarked = timing.warmupMs === 0;
  const windowTimer = setTimeout(() => {
    cpu = cpuMark();
    cpuMarked = true;
  }, timing.warmupMs);

  // A window stays open until it has seen an answer, so that a flow slower than a short window
  // (--quick) still gets a rate: one answer over the time it took.
  const worker = async () => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= plannedEnd && latencies.length > 0) return;
      const next = source();
      if (!next) {
        exhausted = true;
        return;
      }
      const answer = await next.send();
      const answeredAt = performance.now();
      requests += 1;
      if (!expect.includes(answer.status)) {
        unexpected += 1;
        unexpectedSample ??= `${answer.status} ${answer.body ?? ''}`.slice(0, 300);
      }
      if (job.target === 'http' && job.collect) bodies[next.index] = answer.body ?? null;
      if (answeredAt >= windowStart && (answeredAt <= plannedEnd || latencies.length === 0)) {
        latencies.push(answeredAt - sentAt);
        lastAnswer = answeredAt;
      }
    }
  };
  await Promise.all(Array.from({ length: timing.concurrency }, worker));
  clearTimeout(windowTimer);
  const ended = exhausted || lastAnswer > plannedEnd ? lastAnswer : plannedEnd;
  const windowMs = Math.max(0, ended - windowStart);
  const usage = cpuMarked ? cpuSince(cpu) : { wallMs: 0, cpuMs: 0, cores: 0 };
  return {
    requests,
    measured: latencies.length,
    windowMs,
    perSecond: windowMs > 0 ? latencies.length / (windowMs / 1000) : 0,
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      p99: quantile(latencies, 0.99),
      max: quantile(latencies, 1),
    },
    unexpected,
    ...(unexpectedSample === undefined ? {} : { unexpectedSample }),
    exhausted,
    cpu: usage,
    ...(job.target === 'http' && job.collect ? { bodies } : {}),
  };
}

/** Creates the bench's own table for the raw floors (not the service's), and waits until it is usable. */
async function createTable(params: { endpoint: string; table: string }): Promise<void> {
  const client = clientFor(params.endpoint, 1);
  await client.send(
    new CreateTableCommand({
      TableName: params.table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: params.table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

if (process.send) {
  serve(null, {
    run: (params: { job: Job; timing: Timing }) => runLoad(params.job, params.timing),
    createTable,
  });
}
