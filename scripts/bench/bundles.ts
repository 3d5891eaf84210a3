/**
 * Bundle size and cold start of each Lambda function, as ratios to a hello-world that imports the
 * same AWS SDK clients and makes the same AWS calls. Each function is bundled as the construct
 * bundles it (infra/bundling.ts), then loaded in a fresh `node` process and invoked once with its
 * sample event, against dynalite and a local stand-in for Secrets Manager, SES and SNS (the test
 * helper that records AWS calls at the wire). The HMAC key (and the password reset's Synapse admin
 * token) comes from Secrets Manager, so fetching it is in the measured path, as on Lambda.
 *
 * The hello-worlds are test/helpers/hello-world.ts's: for size, the one the bundling test budgets
 * against; for cold start, one that makes exactly the calls the function's cold start made.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import { esbuildOptions } from '../../infra/bundling.js';
import { bindingsOf, FUNCTIONS, type FunctionName } from '../../infra/functions.js';
import { startDynalite } from '../../test/helpers/aws.js';
import { startAwsRecorder } from '../../test/helpers/aws-recorder.js';
import { helloWorldSource } from '../../test/helpers/hello-world.js';
import { SAMPLES } from '../../test/helpers/samples.js';
import type { BenchOptions } from './options.js';
import { ROOT } from './rpc.js';
import { median } from './stats.js';

/** The sample event each function is cold-started with (events/README.md describes them). */
export const COLD_START_EVENTS: Record<FunctionName, string> = {
  accountPassword: 'account-password.json',
  requestEmailToken: 'request-email-token.json',
  requestMsisdnToken: 'request-msisdn-token.json',
  submitToken: 'submit-token.json',
  emailLink: 'email-link-post.json',
  getValidated3pid: 'get-validated-3pid.json',
  fallback: 'fallback.json',
};

export interface ColdStart {
  /** Process spawned → first invocation answered, as seen by the parent, each run. */
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  /**
   * Seen from inside the process (medians): from its start to the bundle imported, which is
   * Node's own start, loading and evaluating the bundle, and its initialisation (the secret read
   * included); then the first invocation.
   */
  readonly importMs: number;
  readonly invokeMs: number;
  /** The status the invocation answered. */
  readonly statusCode: number;
}

export interface BundleResult {
  readonly name: FunctionName;
  readonly bytes: number;
  readonly helloBytes: number;
  readonly sizeRatio: number;
  /** The AWS SDK clients both bundles import. */
  readonly clients: readonly string[];
  /** The cold-start hello-world's size (it imports the commands its calls need). */
  readonly coldHelloBytes: number;
  readonly event: string;
  /** The AWS calls of one cold invocation, recorded at the wire; the hello-world makes the same. */
  readonly calls: readonly string[];
  readonly helloCalls: readonly string[];
  readonly cold: ColdStart;
  readonly helloCold: ColdStart;
  readonly coldRatio: number;
}

/**
 * What starts the runner's answer on stdout: the function prints there too (Powertools Metrics'
 * EMF lines), so the answer is the line that starts with it, not the first line.
 */
const RESULT_MARK = '@@bench-cold-start ';

/** Imports the bundle, invokes it once, prints the answer's status and exits. */
const RUNNER = `
const RESULT_MARK = ${JSON.stringify(RESULT_MARK)};
import { readFileSync } from 'node:fs';
const [bundle, eventFile] = process.argv.slice(2);
const { handler } = await import(bundle);
const imported = performance.now();
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 5000 };
const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
const invokeMs = performance.now() - imported;
process.stdout.write('\\n' + RESULT_MARK + JSON.stringify({ statusCode: result.statusCode, importMs: imported, invokeMs }) + '\\n');
process.exit(0);
`;

/** The AWS SDK clients a function uses, as its bindings say (for the report). */
function clientsOf(name: FunctionName): string[] {
  const spec = FUNCTIONS[name];
  const senders = bindingsOf(spec, 'sender').map((binding) => binding.sends);
  return [
    ...(bindingsOf(spec, 'table').length > 0 ? ['dynamodb'] : []),
    ...(bindingsOf(spec, 'secret').length > 0 ? ['secretsmanager'] : []),
    ...(senders.includes('email') ? ['ses'] : []),
    ...(senders.includes('sms') ? ['sns'] : []),
  ];
}

export interface Bundles {
  readonly dir: string;
  /** Each function's bundle by its name, and its hello-world's as `hello-<name>`. */
  readonly files: ReadonlyMap<string, string>;
}

/** Bundles a hello-world as the construct bundles a function. */
async function buildHelloWorld(source: string, outfile: string): Promise<void> {
  const { entryPoints: _, ...options } = esbuildOptions('hello.mjs', outfile);
  await build({ ...options, stdin: { contents: source, resolveDir: ROOT, sourcefile: 'hello.mjs' } });
}

/** Bundles every function as the construct does, and a hello-world for each. */
export async function buildBundles(log: (line: string) => void): Promise<Bundles> {
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  log(`bundling ${names.length} functions and their hello-worlds with esbuild`);
  const files = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const outfile = join(dir, name, 'index.mjs');
      const hello = join(dir, `hello-${name}`, 'index.mjs');
      await Promise.all([
        build(esbuildOptions(join(ROOT, FUNCTIONS[name].entry), outfile)),
        buildHelloWorld(helloWorldSource(FUNCTIONS[name]), hello),
      ]);
      files.set(name, outfile);
      files.set(`hello-${name}`, hello);
    }),
  );
  return { dir, files };
}

const SECRET_ARN = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-${name}-AbCdEf`;

/**
 * What a function is started with besides the AWS endpoints: the settings, and its secrets as
 * Secrets Manager ARNs (the password reset's sample also needs the homeserver and its admin
 * token, test/helpers/samples.ts). Rate limits are the defaults, as on Lambda.
 */
function functionEnv(name: FunctionName, tableName: string): Record<string, string> {
  const { SYNAPSE_ADMIN_TOKEN, ...extra } = SAMPLES[COLD_START_EVENTS[name]]?.env ?? {};
  return {
    SERVER_NAME: 'example.org',
    PUBLIC_BASEURL: 'https://matrix.example.org/',
    EMAIL_FROM: 'noreply@example.org',
    SMS_ALLOWED_COUNTRIES: 'GB',
    TABLE_NAME: tableName,
    TOKEN_HMAC_SECRET_ARN: SECRET_ARN('hmac'),
    ...extra,
    ...(SYNAPSE_ADMIN_TOKEN === undefined ? {} : { SYNAPSE_ADMIN_TOKEN_SECRET_ARN: SECRET_ARN('admin') }),
    LOG_LEVEL: 'SILENT',
  };
}

/** Sizes, and cold starts interleaved function / hello-world; removes the bundles when done. */
export async function measureBundles(
  built: Bundles,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<BundleResult[]> {
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const { dir, files } = built;
  const bundles = new Map(files);
  const dynalite = await startDynalite();
  const recorder = await startAwsRecorder({ dynamodb: dynalite.endpoint, secretString: 'b'.repeat(64) });
  try {
    const runner = join(dir, 'runner.mjs');
    writeFileSync(runner, RUNNER);

    let table = 0;
    /** One cold start: a fresh process on a fresh table, so every run makes the same calls. */
    const coldStart = async (bundle: string, name: FunctionName) => {
      const tableName = `cold-${table++}`;
      await ensureSessionTable(dynalite.client, tableName);
      recorder.take();
      const started = performance.now();
      const answer = await resultLine(
        process.execPath,
        [runner, pathToFileURL(bundle).href, join(ROOT, 'events', COLD_START_EVENTS[name])],
        {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: recorder.endpoint,
          AWS_ENDPOINT_URL_SES: recorder.endpoint,
          AWS_ENDPOINT_URL_SNS: recorder.endpoint,
          ...functionEnv(name, tableName),
        },
      );
      const elapsedMs = performance.now() - started;
      const inside = JSON.parse(answer) as { statusCode: number; importMs: number; invokeMs: number };
      return { elapsedMs, ...inside, calls: recorder.take().map((request) => request.action) };
    };

    // One run of each function, not timed: it records the calls its cold start makes, for a
    // hello-world that makes the same; then one of that hello-world, to check it does. Both bring
    // their files into the page cache, so that no timed run is the first to read them from disk.
    const calls = new Map<FunctionName, { fn: string[]; hello: string[] }>();
    for (const name of names) {
      const fn = await coldStart(bundles.get(name) ?? '', name);
      const hello = join(dir, `cold-hello-${name}`, 'index.mjs');
      await buildHelloWorld(helloWorldSource(FUNCTIONS[name], fn.calls), hello);
      bundles.set(`cold-hello-${name}`, hello);
      const helloRun = await coldStart(hello, name);
      calls.set(name, { fn: fn.calls, hello: helloRun.calls });
    }
    log(`cold-starting each function and its hello-world ${options.coldRuns} times, interleaved`);
    const runs = new Map<
      string,
      { ms: number[]; importMs: number[]; invokeMs: number[]; statusCode: number }
    >();
    for (let run = 0; run < options.coldRuns; run++) {
      for (const name of names) {
        const order = run % 2 === 0 ? [name, `cold-hello-${name}`] : [`cold-hello-${name}`, name];
        for (const key of order) {
          const result = await coldStart(bundles.get(key) ?? '', name);
          const entry = runs.get(key) ?? {
            ms: [],
            importMs: [],
            invokeMs: [],
            statusCode: result.statusCode,
          };
          entry.ms.push(result.elapsedMs);
          entry.importMs.push(result.importMs);
          entry.invokeMs.push(result.invokeMs);
          runs.set(key, entry);
        }
      }
    }

    const coldOf = (key: string): ColdStart => {
      const entry = runs.get(key) ?? { ms: [], importMs: [], invokeMs: [], statusCode: 0 };
      return {
        runsMs: entry.ms,
        medianMs: median(entry.ms),
        importMs: median(entry.importMs),
        invokeMs: median(entry.invokeMs),
        statusCode: entry.statusCode,
      };
    };
    const size = (key: string) => statSync(bundles.get(key) ?? '').size;
    return names.map((name): BundleResult => {
      const bytes = size(name);
      const helloBytes = size(`hello-${name}`);
      const cold = coldOf(name);
      const helloCold = coldOf(`cold-hello-${name}`);
      return {
        name,
        bytes,
        helloBytes,
        sizeRatio: bytes / helloBytes,
        clients: clientsOf(name),
        coldHelloBytes: size(`cold-hello-${name}`),
        event: COLD_START_EVENTS[name],
        calls: calls.get(name)?.fn ?? [],
        helloCalls: calls.get(name)?.hello ?? [],
        cold,
        helloCold,
        coldRatio: cold.medianMs / helloCold.medianMs,
      };
    });
  } finally {
    await recorder.close();
    await dynalite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a process and resolves with the first line it prints, failing on an exit before it. */
/** Runs `command` and answers the runner's result line (after RESULT_MARK), whatever else it prints. */
function resultLine(command: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const start = out.indexOf(`\n${RESULT_MARK}`);
      const end = start < 0 ? -1 : out.indexOf('\n', start + 1);
      if (end >= 0 && !done) {
        done = true;
        resolve(out.slice(start + 1 + RESULT_MARK.length, end));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!done) reject(new Error(`${args[1]} exited ${code} before answering: ${err.slice(0, 500)}`));
    });
  });
}
