/**
 * Throughput: every flow and every floor measured once per round, rounds interleaved and each in
 * a rotated order, so slow drift on a shared machine spreads over all of them instead of landing
 * on one. The storage calls of each flow are counted at the wire (the requests the service's
 * dynalite receives), for one request alone and on average under load.
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LOCAL_TABLE_NAME } from '../../functions/local/server.js';
import { type Flow, type FlowId, makeFlows, type ServiceVariant } from './flows.js';
import type { HttpSource, Job, LoadResult, StorageOperation, Timing } from './loadgen.js';
import type { BenchOptions } from './options.js';
import type { Child } from './rpc.js';
import { median, type Spread, spread } from './stats.js';
import { type CpuUse, machineCoresSince, machineMark } from './usage.js';

export const STORAGE_OPERATIONS: readonly StorageOperation[] = ['PutItem', 'GetItem', 'UpdateItem'];
/**
 * The bare HTTP server, each raw storage call from the load generator, and `inProcess`: HTTP
 * answered after one raw UpdateItem made from inside the service's process (service.ts). Then an
 * extra one, not issue 9's: `separateUpdateItem`, the raw UpdateItem on a dynalite in its own
 * process (store.ts), the floor of the new session on a service pointed at that store.
 */
export type FloorId = 'http' | StorageOperation | 'inProcess' | 'separateUpdateItem';
export const FLOOR_IDS: readonly FloorId[] = [
  'http',
  ...STORAGE_OPERATIONS,
  'inProcess',
  'separateUpdateItem',
];

/** The floor of one storage call of a flow: on its own store when it has one, else the embedded one. */
function storageFloorOf(flow: Flow, operation: string): FloorId | undefined {
  if (flow.on === 'separateStore') return operation === 'UpdateItem' ? 'separateUpdateItem' : undefined;
  return (STORAGE_OPERATIONS as readonly string[]).includes(operation) ? (operation as FloorId) : undefined;
}

/** One measurement of one round. */
export interface Sample {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly windowMs: number;
  readonly requests: number;
  readonly unexpected: number;
  readonly unexpectedSample?: string;
  readonly exhausted: boolean;
  /** Cores busy in the load generator and in the server under load. */
  readonly loadgenCores: number;
  readonly serverCores: number;
  /**
   * Cores the rest of the machine kept busy meanwhile (other processes, the bench's idle ones):
   * on two cores, much of it means this measure was starved, and its rate is the machine's
   * business rather than the code's.
   */
  readonly otherCores: number;
  /** Storage calls per answered request, by operation (service flows only). */
  readonly callsPerRequest: Record<string, number>;
}

/**
 * Cores of other load during a measure past which it counts as starved: its round is then left
 * out of the figures (kept in `samples`), unless every round was starved.
 */
export const OTHER_LOAD_LIMIT = 0.25;

export interface Measured {
  /** Every round's measurement, starved or not. */
  readonly samples: readonly Sample[];
  /** The rounds (from 0) the figures below come from: those where nothing else took the CPU. */
  readonly roundsUsed: readonly number[];
  /** Every round was starved, so all were used: these figures are the machine's more than the code's. */
  readonly allDisturbed: boolean;
  readonly perSecond: Spread;
  /** Medians over the rounds of each round's p50 and p99. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly loadgenCores: number;
  readonly serverCores: number;
  readonly otherCores: number;
  readonly unexpected: number;
}

export interface FlowResult extends Measured {
  readonly id: FlowId;
  readonly label: string;
  /** The storage calls one request alone makes, in order, counted at the wire. */
  readonly calls: readonly string[];
  /** Storage calls per request under load, all operations together (median over rounds). */
  readonly callsUnderLoad: number;
  /** The rate its storage calls alone allow: 1 / Σ (1 / raw rate of each call), per round. */
  readonly storageFloor: Spread | null;
  readonly ratioToStorage: Spread | null;
  readonly ratioToHttp: Spread;
  /** For flows whose one call is an UpdateItem: × the in-process floor (HTTP + that call, one thread). */
  readonly ratioToInProcess: Spread | null;
  /** For the flows on a service with real limits: × the new-session (email) flow, limits off. */
  readonly ratioToNewSession: Spread | null;
}

export interface ThroughputResult {
  readonly floors: Record<FloorId, Measured>;
  readonly flows: readonly FlowResult[];
  /** The item the raw floors write and read: a new email session's item, as stored. */
  readonly storageItemBytes: number;
  readonly storageItem: Record<string, unknown>;
}

export interface Processes {
  readonly service: Child<{ url: string; storageEndpoint: string }>;
  /** The other services: with real limits for the limited flows, or on the separate store. */
  readonly variants: Readonly<Record<ServiceVariant, Child<{ url: string }>>>;
  /** The separate store: dynalite in a process of its own (store.ts). */
  readonly store: Child<{ endpoint: string }>;
  readonly httpFloor: Child<{ url: string }>;
  readonly loadgen: Child<unknown>;
}

interface Taken {
  /** The whole machine's busy cores over the same phase (added by the bench, not the child). */
  readonly machineCores?: number;
  readonly counts: Record<string, number>;
  /** The operations in the order they arrived (the first hundred). */
  readonly sequence: readonly string[];
  readonly cpu: CpuUse;
}

const FLOOR_TABLE = 'bench-floor';

export async function measureThroughput(
  processes: Processes,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const { service, httpFloor, loadgen, store } = processes;
  /** The service a flow runs on. */
  const serviceOf = (flow: Flow) => (flow.on ? processes.variants[flow.on] : service);
  /** The processes serving a flow: the service, and its store when that runs on its own. */
  const serversOf = (flow: Flow): Child<unknown>[] =>
    flow.on === 'separateStore' ? [serviceOf(flow), store] : [serviceOf(flow)];
  const runId = Date.now().toString(36);
  const flows = makeFlows({
    service: service.ready,
    loadgen,
    concurrency: options.concurrency,
    runId,
    reused: options.reusedSessions,
  });
  const timing: Timing = {
    concurrency: options.concurrency,
    warmupMs: options.warmupMs,
    durationMs: options.windowMs,
  };

  const run = (job: Job, t: Timing) => loadgen.call<LoadResult>('run', { job, timing: t });
  /** Runs a job, with the servers under load marked before and read after, their figures summed. */
  const measure = async (job: Job, t: Timing, servers: readonly Child<unknown>[]) => {
    await Promise.all(servers.map((server) => server.call('mark')));
    const machine = machineMark();
    const result = await run(job, t);
    const machineCores = machineCoresSince(machine);
    const taken = await Promise.all(servers.map((server) => server.call<Taken>('take')));
    return { result, taken: { ...sumTaken(taken), machineCores } };
  };

  // The calls one request of each flow makes, alone. Each comes right after a new session on the
  // same service, so that reads cached for a while in the process (the kill switch, 30 s) are not
  // counted in it: they are in the calls per request under load. On the limited services, that
  // first session is also what spends the one request their limit allows.
  log('counting the storage calls of one request of each flow');
  const calls = new Map<FlowId, string[]>();
  for (const flow of flows) {
    const source = first(await flow.prepare(1));
    const server = serviceOf(flow);
    await run(
      {
        target: 'http',
        url: server.ready.url,
        source: {
          kind: 'template',
          prefix: `${runId}-warm-${flow.id}-`,
          request: HTTP_FLOOR_REQUEST,
          count: 1,
        },
        expect: [200],
      },
      { concurrency: 1, warmupMs: 0 },
    );
    const { result, taken } = await measure(
      { target: 'http', url: server.ready.url, source, expect: flow.expect },
      { concurrency: 1, warmupMs: 0 },
      serversOf(flow),
    );
    if (result.unexpected > 0) throw new Error(`${flow.label}: answered ${result.unexpectedSample}`);
    calls.set(flow.id, [...taken.sequence]);
  }

  // The raw floors write and read the very item a new email session stores, under other keys.
  const storageItem = await newSessionItem(service.ready.storageEndpoint);
  await Promise.all(
    [service.ready.storageEndpoint, store.ready.endpoint].map((endpoint) =>
      loadgen.call('createTable', { endpoint, table: FLOOR_TABLE }),
    ),
  );
  const storageJob = (
    operation: StorageOperation,
    prefix: string,
    count?: number,
    endpoint = service.ready.storageEndpoint,
  ): Job => ({
    target: 'dynamodb',
    endpoint,
    table: FLOOR_TABLE,
    operation,
    item: storageItem.wire,
    prefix,
    ...(count === undefined ? {} : { count }),
    ...(operation === 'GetItem' ? { keys: options.readKeys } : {}),
  });
  await run(storageJob('PutItem', 'read-', options.readKeys), {
    concurrency: options.concurrency,
    warmupMs: 0,
  });

  const inProcess = await service.call<{ url: string }>('inProcessFloor', {
    operation: 'UpdateItem',
    table: FLOOR_TABLE,
    item: storageItem.wire,
    concurrency: options.concurrency,
  });

  // Sources that are reused round after round are prepared once.
  const reused = new Map<FlowId, HttpSource>();
  for (const flow of flows.filter((f) => f.supply === 'reused')) reused.set(flow.id, await flow.prepare(0));

  type Item = { kind: 'floor'; id: FloorId } | { kind: 'flow'; flow: Flow };
  const items: Item[] = [
    ...FLOOR_IDS.map((id): Item => ({ kind: 'floor', id })),
    ...flows.map((flow): Item => ({ kind: 'flow', flow })),
  ];
  const floorSamples = new Map<FloorId, Sample[]>();
  const flowSamples = new Map<FlowId, Sample[]>();
  /** Highest rate seen per sized flow, to size the next round's prepared sessions. */
  const bestRate = new Map<FlowId, number>();

  for (let round = 0; round < options.rounds; round++) {
    const started = performance.now();
    const sources = new Map(reused);
    for (const flow of flows.filter((f) => f.supply === 'fresh')) sources.set(flow.id, await flow.prepare(0));
    for (const flow of flows.filter((f) => f.supply === 'sized')) {
      const rate = bestRate.get(flow.id);
      const needed =
        rate === undefined
          ? options.firstPool
          : Math.ceil((rate * (options.warmupMs + options.windowMs) * 1.3) / 1000) + 4 * options.concurrency;
      sources.set(flow.id, await flow.prepare(needed));
    }
    const prepared = performance.now();
    const offset = (round * Math.ceil(items.length / options.rounds)) % items.length;
    const order = [...items.slice(offset), ...items.slice(0, offset)];
    for (const item of order) {
      if (item.kind === 'floor') {
        const job: Job =
          item.id === 'http' || item.id === 'inProcess'
            ? {
                target: 'http',
                url: item.id === 'http' ? httpFloor.ready.url : inProcess.url,
                // The same request as a new email session, answered with constant JSON.
                source: { kind: 'template', prefix: `${runId}-h${round}-`, request: HTTP_FLOOR_REQUEST },
                expect: [200],
              }
            : item.id === 'separateUpdateItem'
              ? storageJob('UpdateItem', `${item.id}-${round}-`, undefined, store.ready.endpoint)
              : storageJob(item.id, `${item.id}-${round}-`);
        const server = item.id === 'http' ? httpFloor : item.id === 'separateUpdateItem' ? store : service;
        const { result, taken } = await measure(job, timing, [server]);
        push(floorSamples, item.id, sample(result, taken));
      } else {
        const { flow } = item;
        const source = sources.get(flow.id);
        if (!source) throw new Error(`${flow.id} was not prepared`);
        const server = serviceOf(flow);
        const { result, taken } = await measure(
          { target: 'http', url: server.ready.url, source, expect: flow.expect },
          timing,
          serversOf(flow),
        );
        const measured = sample(result, taken);
        push(flowSamples, flow.id, measured);
        if (flow.supply === 'sized')
          bestRate.set(flow.id, Math.max(bestRate.get(flow.id) ?? 0, measured.perSecond));
      }
    }
    log(
      `round ${round + 1}/${options.rounds}: prepared in ${((prepared - started) / 1000).toFixed(1)} s, ` +
        `measured in ${((performance.now() - prepared) / 1000).toFixed(1)} s`,
    );
  }

  const clean = (sample: Sample | undefined) => sample !== undefined && sample.otherCores <= OTHER_LOAD_LIMIT;
  const allRounds = Array.from({ length: options.rounds }, (_, round) => round);
  /** The rounds where every given measure ran undisturbed, or every round when there is none. */
  const usable = (measures: readonly (readonly Sample[])[]) => {
    const rounds = allRounds.filter((round) => measures.every((samples) => clean(samples[round])));
    return rounds.length > 0 ? { rounds, allDisturbed: false } : { rounds: allRounds, allDisturbed: true };
  };
  const floors = Object.fromEntries(
    FLOOR_IDS.map((id) => {
      const samples = floorSamples.get(id) ?? [];
      return [id, summarise(samples, usable([samples]))];
    }),
  ) as Record<FloorId, Measured>;
  const storageRound = (flow: Flow, operations: readonly string[], round: number): number | null => {
    let seconds = 0;
    for (const operation of operations) {
      const floor = storageFloorOf(flow, operation);
      const rate = floor === undefined ? undefined : floorSamples.get(floor)?.[round]?.perSecond;
      if (rate === undefined) return null;
      seconds += 1 / rate;
    }
    return operations.length > 0 ? 1 / seconds : null;
  };
  const limited = (flow: Flow) => flow.on !== undefined && flow.on !== 'separateStore';

  const newSessionSamples = flowSamples.get('newSessionEmail') ?? [];
  return {
    floors,
    storageItemBytes: storageItem.bytes,
    storageItem: storageItem.plain,
    flows: flows.map((flow): FlowResult => {
      const samples = flowSamples.get(flow.id) ?? [];
      const flowCalls = calls.get(flow.id) ?? [];
      // A flow's figures come from the rounds where neither it nor what it is compared with (its
      // storage floors; for a limited flow, the new session) were starved.
      const use = usable([
        samples,
        ...(limited(flow)
          ? [newSessionSamples]
          : [...new Set(flowCalls)].map((operation) => {
              const floor = storageFloorOf(flow, operation);
              return floor === undefined ? [] : (floorSamples.get(floor) ?? []);
            })),
      ]);
      const at = <T>(values: readonly T[]) => use.rounds.map((round) => values[round] as T);
      const storageRounds = allRounds.map((round) => storageRound(flow, flowCalls, round));
      const storageFloor = storageRounds.every((value) => value !== null)
        ? spread(at(storageRounds as number[]))
        : null;
      const httpRounds = floorSamples.get('http') ?? [];
      const inProcessRounds = floorSamples.get('inProcess') ?? [];
      const oneUpdate =
        flowCalls.length === 1 && flowCalls[0] === 'UpdateItem' && flow.on !== 'separateStore';
      const ratio = (floor: (round: number) => number | undefined) =>
        spread(
          use.rounds.map((round) => (samples[round]?.perSecond ?? Number.NaN) / (floor(round) ?? Number.NaN)),
        );
      return {
        id: flow.id,
        label: flow.label,
        ...summarise(samples, use),
        calls: flowCalls,
        callsUnderLoad: median(
          samples.map((s) => Object.values(s.callsPerRequest).reduce((sum, value) => sum + value, 0)),
        ),
        storageFloor,
        ratioToStorage: storageFloor ? ratio((round) => storageRounds[round] ?? undefined) : null,
        ratioToHttp: ratio((round) => httpRounds[round]?.perSecond),
        ratioToInProcess: oneUpdate ? ratio((round) => inProcessRounds[round]?.perSecond) : null,
        ratioToNewSession: limited(flow) ? ratio((round) => newSessionSamples[round]?.perSecond) : null,
      };
    }),
  };
}

/** What the HTTP floor is sent: the same request a new email session is. */
const HTTP_FLOOR_REQUEST = {
  method: 'POST',
  path: '/_matrix/client/v3/register/email/requestToken',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    client_secret: 'cs-{i}',
    email: 'new-{i}@example.org',
    send_attempt: 1,
    next_link: 'https://app.element.io/#/register',
  }),
};

function sample(result: LoadResult, taken: Taken): Sample {
  if (result.measured === 0) throw new Error('a measurement window saw no answer; give it more time');
  return {
    perSecond: result.perSecond,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    windowMs: result.windowMs,
    requests: result.requests,
    unexpected: result.unexpected,
    ...(result.unexpectedSample === undefined ? {} : { unexpectedSample: result.unexpectedSample }),
    exhausted: result.exhausted,
    loadgenCores: result.cpu.cores,
    serverCores: taken.cpu.cores,
    otherCores: Math.max(0, (taken.machineCores ?? 0) - result.cpu.cores - taken.cpu.cores),
    callsPerRequest: Object.fromEntries(
      Object.entries(taken.counts).map(([operation, count]) => [operation, count / result.requests]),
    ),
  };
}

function summarise(
  samples: readonly Sample[],
  use: { readonly rounds: readonly number[]; readonly allDisturbed: boolean },
): Measured {
  const used = use.rounds.flatMap((round) => (samples[round] ? [samples[round]] : []));
  return {
    samples,
    roundsUsed: use.rounds,
    allDisturbed: use.allDisturbed,
    perSecond: spread(used.map((s) => s.perSecond)),
    p50Ms: median(used.map((s) => s.p50Ms)),
    p99Ms: median(used.map((s) => s.p99Ms)),
    loadgenCores: median(used.map((s) => s.loadgenCores)),
    serverCores: median(used.map((s) => s.serverCores)),
    otherCores: median(used.map((s) => s.otherCores)),
    unexpected: samples.reduce((sum, s) => sum + s.unexpected, 0),
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/** The first request of a source, alone. */
function first(source: HttpSource): HttpSource {
  if (source.kind === 'template') return { ...source, count: 1 };
  return { kind: 'list', requests: source.requests.slice(0, 1) };
}

/** A new email session's item, as the service stored it: the raw floors' item. */
async function newSessionItem(endpoint: string) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const { Items } = await client.send(
      new ScanCommand({
        TableName: LOCAL_TABLE_NAME,
        FilterExpression: 'medium = :email AND send_count = :one AND size(guesses) = :zero',
        ExpressionAttributeValues: { ':email': { S: 'email' }, ':one': { N: '1' }, ':zero': { N: '0' } },
      }),
    );
    const wire = Items?.[0] as Record<string, AttributeValue> | undefined;
    if (!wire) throw new Error('no new email session is stored: the new-session flow did not store one');
    return { wire, plain: unmarshall(wire), bytes: Buffer.byteLength(JSON.stringify(wire)) };
  } finally {
    client.destroy();
  }
}

/** What several processes serving one measure report, as one. */
function sumTaken(taken: readonly Taken[]): Taken {
  const counts: Record<string, number> = {};
  for (const one of taken)
    for (const [operation, count] of Object.entries(one.counts))
      counts[operation] = (counts[operation] ?? 0) + count;
  const cpuMs = taken.reduce((sum, one) => sum + one.cpu.cpuMs, 0);
  const wallMs = Math.max(0, ...taken.map((one) => one.cpu.wallMs));
  return {
    counts,
    sequence: taken.flatMap((one) => one.sequence),
    cpu: { wallMs, cpuMs, cores: wallMs > 0 ? cpuMs / wallMs : 0 },
  };
}
