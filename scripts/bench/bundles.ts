/**
 * Bundle size and cold start of each Lambda function, as ratios to a hello-world that imports the
 * same AWS SDK clients and makes the same AWS calls. Each function is bundled as the construct
 * bundles it (infra/bundling.ts), then loaded in a fresh `node` process and invoked once with its
 * sample event, against dynalite and a local stand-in for Secrets Manager, SES and SNS (the test
 * helper that records AWS calls at the wire). The HMAC key comes from Secrets Manager
 * (TOKEN_HMAC_SECRET_ARN), so fetching it is in the measured path, as on Lambda.
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
import type { BenchOptions } from './options.js';
import { ROOT } from './rpc.js';
import { median } from './stats.js';

/** The sample event each function is cold-started with (events/README.md describes them). */
export const COLD_START_EVENTS: Record<FunctionName, string> = {
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
  readonly event: string;
  /** The AWS calls of one cold invocation, recorded at the wire; the hello-world makes the same. */
  readonly calls: readonly string[];
  readonly helloCalls: readonly string[];
  readonly cold: ColdStart;
  readonly helloCold: ColdStart;
  readonly coldRatio: number;
}

/** Imports the bundle, invokes it once, prints the answer's status and exits. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const [bundle, eventFile] = process.argv.slice(2);
const { handler } = await import(bundle);
const imported = performance.now();
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 5000 };
const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
const invokeMs = performance.now() - imported;
process.stdout.write(JSON.stringify({ statusCode: result.statusCode, importMs: imported, invokeMs }) + '\\n');
process.exit(0);
`;

type Client = 'dynamodb' | 'secretsmanager' | 'ses' | 'sns';

function clientsOf(name: FunctionName): Client[] {
  const spec = FUNCTIONS[name];
  const senders = bindingsOf(spec, 'sender').map((binding) => binding.sends);
  return [
    ...(bindingsOf(spec, 'table').length > 0 ? (['dynamodb'] as const) : []),
    ...(bindingsOf(spec, 'secret').length > 0 ? (['secretsmanager'] as const) : []),
    ...(senders.includes('email') ? (['ses'] as const) : []),
    ...(senders.includes('sms') ? (['sns'] as const) : []),
  ];
}

/**
 * A hello-world Lambda function with the same SDK clients: it reads the secret at cold start
 * when the function does, then makes the calls HELLO_CALLS lists, and answers constant JSON.
 */
export function helloWorldSource(clients: readonly Client[]): string {
  const has = (client: Client) => clients.includes(client);
  const lines = [
    ...(has('dynamodb')
      ? [
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
          "import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';",
        ]
      : []),
    ...(has('secretsmanager')
      ? ["import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';"]
      : []),
    ...(has('ses') ? ["import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';"] : []),
    ...(has('sns') ? ["import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';"] : []),
    'const env = process.env;',
    has('secretsmanager')
      ? 'const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: env.TOKEN_HMAC_SECRET_ARN }));'
      : 'const SecretString = "";',
    ...(has('dynamodb')
      ? [
          'const table = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
          "const item = { TableName: env.TABLE_NAME, Key: { pk: 'hello-world' } };",
        ]
      : []),
    ...(has('ses') ? ['const ses = new SESClient({});'] : []),
    ...(has('sns') ? ['const sns = new SNSClient({});'] : []),
    "const calls = (env.HELLO_CALLS ?? '').split(',').filter(Boolean);",
    'export const handler = async () => {',
    '  for (const call of calls) {',
    '    switch (call) {',
    ...(has('dynamodb')
      ? [
          "      case 'dynamodb:GetItem': await table.send(new GetCommand({ ...item, ConsistentRead: true })); break;",
          "      case 'dynamodb:UpdateItem': await table.send(new UpdateCommand({ ...item, UpdateExpression: 'SET greeting = :hello', ExpressionAttributeValues: { ':hello': 'world' } })); break;",
          "      case 'dynamodb:PutItem': await table.send(new PutCommand({ TableName: item.TableName, Item: { ...item.Key, greeting: 'world' } })); break;",
          "      case 'dynamodb:DeleteItem': await table.send(new DeleteCommand(item)); break;",
        ]
      : []),
    ...(has('ses')
      ? [
          "      case 'ses:SendEmail': await ses.send(new SendEmailCommand({ Source: env.EMAIL_FROM, Destination: { ToAddresses: ['hello@example.org'] }, Message: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hello, world' } } } })); break;",
        ]
      : []),
    ...(has('sns')
      ? [
          "      case 'sns:Publish': await sns.send(new PublishCommand({ PhoneNumber: '+447400123456', Message: 'Hello, world' })); break;",
        ]
      : []),
    "      default: throw new Error('the hello-world cannot make ' + call);",
    '    }',
    '  }',
    "  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hello: 'world', key: SecretString.length > 0 }) };",
    '};',
  ];
  return `${lines.join('\n')}\n`;
}

export interface Bundles {
  readonly dir: string;
  /** Each function's bundle by its name, and its hello-world's as `hello-<name>`. */
  readonly files: ReadonlyMap<string, string>;
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
      const { entryPoints: _, ...helloOptions } = esbuildOptions('hello.mjs', hello);
      await Promise.all([
        build(esbuildOptions(join(ROOT, FUNCTIONS[name].entry), outfile)),
        build({
          ...helloOptions,
          stdin: {
            contents: helloWorldSource(clientsOf(name)),
            resolveDir: ROOT,
            sourcefile: `hello-${name}.mjs`,
          },
        }),
      ]);
      files.set(name, outfile);
      files.set(`hello-${name}`, hello);
    }),
  );
  return { dir, files };
}

/** Sizes, and cold starts interleaved function / hello-world; removes the bundles when done. */
export async function measureBundles(
  built: Bundles,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<BundleResult[]> {
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const { dir, files: bundles } = built;
  const dynalite = await startDynalite();
  const recorder = await startAwsRecorder({ dynamodb: dynalite.endpoint, secretString: 'b'.repeat(64) });
  try {
    const runner = join(dir, 'runner.mjs');
    writeFileSync(runner, RUNNER);

    let table = 0;
    /** One cold start: a fresh process on a fresh table, so every run makes the same calls. */
    const coldStart = async (bundle: string, name: FunctionName, calls: readonly string[]) => {
      const tableName = `cold-${table++}`;
      await ensureSessionTable(dynalite.client, tableName);
      recorder.take();
      const started = performance.now();
      const answer = await firstLine(
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
          SERVER_NAME: 'example.org',
          PUBLIC_BASEURL: 'https://matrix.example.org/',
          EMAIL_FROM: 'noreply@example.org',
          TABLE_NAME: tableName,
          TOKEN_HMAC_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-hmac-AbCdEf',
          LOG_LEVEL: 'SILENT',
          HELLO_CALLS: calls.filter((call) => !call.startsWith('secretsmanager:')).join(','),
        },
      );
      const elapsedMs = performance.now() - started;
      const inside = JSON.parse(answer) as { statusCode: number; importMs: number; invokeMs: number };
      return { elapsedMs, ...inside, calls: recorder.take() };
    };

    // One run of each, not timed: it records the function's calls, and brings both files into the
    // page cache so that no timed run is the first to read them from disk.
    const calls = new Map<FunctionName, { fn: string[]; hello: string[] }>();
    for (const name of names) {
      const fn = await coldStart(bundles.get(name) ?? '', name, []);
      const hello = await coldStart(bundles.get(`hello-${name}`) ?? '', name, fn.calls);
      calls.set(name, { fn: fn.calls, hello: hello.calls });
    }
    log(`cold-starting each function and its hello-world ${options.coldRuns} times, interleaved`);
    const runs = new Map<
      string,
      { ms: number[]; importMs: number[]; invokeMs: number[]; statusCode: number }
    >();
    for (let run = 0; run < options.coldRuns; run++) {
      for (const name of names) {
        const order = run % 2 === 0 ? [name, `hello-${name}`] : [`hello-${name}`, name];
        for (const key of order) {
          const result = await coldStart(bundles.get(key) ?? '', name, calls.get(name)?.fn ?? []);
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
    return names.map((name): BundleResult => {
      const bytes = statSync(bundles.get(name) ?? '').size;
      const helloBytes = statSync(bundles.get(`hello-${name}`) ?? '').size;
      const cold = coldOf(name);
      const helloCold = coldOf(`hello-${name}`);
      return {
        name,
        bytes,
        helloBytes,
        sizeRatio: bytes / helloBytes,
        clients: clientsOf(name),
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
function firstLine(command: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const end = out.indexOf('\n');
      if (end >= 0 && !done) {
        done = true;
        resolve(out.slice(0, end));
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
