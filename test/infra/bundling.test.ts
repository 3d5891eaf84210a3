import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import { esbuildOptions } from '../../infra/bundling.js';
import { bindingsOf, FUNCTIONS, type FunctionName } from '../../infra/functions.js';
import { EMULATOR_CLIENT_CONFIG, type RunningDynalite, startDynalite } from '../helpers/aws.js';
import { helloWorldSource, usesAwsClients } from '../helpers/hello-world.js';
import { GENEROUS_RATE_LIMITS } from '../helpers/limits.js';
import { EVENTS, SAMPLES, SYNAPSE_SAMPLE_ENV } from '../helpers/samples.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * A budget, not a target: a bundle may weigh at most this much more than a hello-world that
 * imports the same AWS SDK clients (test/helpers/hello-world.ts), built in the same test. Past it,
 * something heavy slipped in.
 */
const MAX_RATIO_TO_HELLO_WORLD = 1.2;
/**
 * The requestToken functions carry the abuse controls on top (the limits, their overrides'
 * validation, the client IP, the SMS and email policies: about 20 KiB minified), the clients of
 * the homeserver (Synapse's admin API and module, CloudFront's origin secret: about 3 KiB), and
 * negotiate the language of what they send (negotiator's Accept-Language code, 1.2 KiB; the
 * catalogs are data files beside the bundle, read one locale at a time, not code in it), so their
 * budget is a little wider.
 */
const MAX_RATIO_FOR_SENDERS = 1.26;
/** A function that uses no AWS client (the fallback) has no such floor: it keeps to this size. */
const MAX_BYTES_WITHOUT_CLIENTS = 64 * 1024;

/** Loads a bundle in a fresh Node process, as Lambda would, and invokes it with one event. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const [bundle, eventFile] = process.argv.slice(2);
const { handler } = await import(bundle);
const context = { functionName: 'bundle-test', awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 5000 };
const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context);
process.stdout.write(JSON.stringify(result));
`;

const names = Object.keys(FUNCTIONS) as FunctionName[];
const samplesOf = (name: FunctionName) => Object.entries(SAMPLES).filter(([, sample]) => sample.fn === name);

describe('the Lambda bundles', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bundles-'));
  const runner = join(outDir, 'runner.mjs');
  const bundles = new Map<FunctionName, string>();
  const helloWorlds = new Map<FunctionName, string>();
  let dynalite: RunningDynalite;
  const baseEnv = () => ({
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SERVER_NAME: 'example.org',
    PUBLIC_BASEURL: 'https://matrix.example.org/',
    EMAIL_FROM: 'noreply@example.org',
    TABLE_NAME: 'bundles',
    SMS_ALLOWED_COUNTRIES: 'GB',
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    LOG_LEVEL: 'SILENT',
    RATE_LIMITS: GENEROUS_RATE_LIMITS,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  async function invoke(name: FunctionName, sample: string, env: Record<string, string>) {
    const bundle = pathToFileURL(bundles.get(name) ?? '').href;
    const { stdout } = await run(process.execPath, [runner, bundle, fileURLToPath(new URL(sample, EVENTS))], {
      env,
      timeout: 15_000,
    });
    // The result is the last line: the metrics the function published (EMF) come before it.
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { statusCode: number; body: string };
  }

  beforeAll(async () => {
    writeFileSync(runner, RUNNER);
    dynalite = await startDynalite();
    await ensureSessionTable(dynalite.client, 'bundles');
    await Promise.all(
      names.map(async (name) => {
        const outfile = join(outDir, name, 'index.mjs');
        await build(esbuildOptions(join(ROOT, FUNCTIONS[name].entry), outfile));
        bundles.set(name, outfile);
        const helloEntry = join(ROOT, 'test', `.hello-${name}-${process.pid}.mjs`);
        writeFileSync(helloEntry, helloWorldSource(FUNCTIONS[name]));
        const helloOut = join(outDir, `hello-${name}`, 'index.mjs');
        try {
          await build(esbuildOptions(helloEntry, helloOut));
        } finally {
          rmSync(helloEntry, { force: true });
        }
        helloWorlds.set(name, helloOut);
      }),
    );
  });
  afterAll(() => dynalite.close());

  it('bundle with esbuild as the construct does, each within its budget over a hello-world with its clients', () => {
    const size = (file: string | undefined) => statSync(file ?? '').size;
    const rows = names.map((name) => {
      const bytes = size(bundles.get(name));
      const floor = size(helloWorlds.get(name));
      return { name, bytes, floor, ratio: bytes / floor };
    });
    console.log(
      `Bundle sizes (minified ESM, AWS SDK included), against a hello-world with the same clients:\n${rows
        .map(
          (row) =>
            `  ${row.name.padEnd(20)} ${(row.bytes / 1024).toFixed(0).padStart(5)} KiB  ` +
            `${(row.floor / 1024).toFixed(0).padStart(5)} KiB  ${row.ratio.toFixed(2)}×`,
        )
        .join('\n')}`,
    );
    for (const row of rows) {
      if (usesAwsClients(FUNCTIONS[row.name])) {
        const sends = bindingsOf(FUNCTIONS[row.name], 'sender').length > 0;
        expect(row.ratio, `${row.name} is ${row.ratio.toFixed(2)}× its hello-world`).toBeLessThanOrEqual(
          sends ? MAX_RATIO_FOR_SENDERS : MAX_RATIO_TO_HELLO_WORLD,
        );
      } else {
        expect(row.bytes, `${row.name} has no AWS client`).toBeLessThanOrEqual(MAX_BYTES_WITHOUT_CLIENTS);
      }
    }
  });

  it('have the default templates beside them exactly when the construct copies them there', () => {
    for (const name of names) {
      const renders = bindingsOf(FUNCTIONS[name], 'templates').length > 0;
      expect(existsSync(join(outDir, name, 'defaults', 'locales', 'en.json')), name).toBe(renders);
    }
  });

  it.each(
    names.filter((name) => bindingsOf(FUNCTIONS[name], 'sender').length === 0),
  )('%s loads in a fresh Node process and answers its sample event', async (name) => {
    for (const [sample, expected] of samplesOf(name)) {
      const response = await invoke(name, sample, {
        ...baseEnv(),
        TOKEN_HMAC_SECRET: 'bundle-test-secret-of-at-least-32-chars',
        ...expected.env,
      });
      expect(response.statusCode).toBe(expected.status);
      expected.check(response.body);
    }
  });

  const moto = inject('motoEndpoint');
  describe.runIf(moto)('against moto', () => {
    // The HMAC key in moto's Secrets Manager and a verified SES sender, made once for these tests.
    let prepared: Promise<string> | undefined;
    const motoSecretArn = () => {
      prepared ??= (async () => {
        const secrets = new SecretsManagerClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
        const created = await secrets.send(
          new CreateSecretCommand({ Name: `bundle-hmac-${Date.now()}`, SecretString: 'b'.repeat(64) }),
        );
        await new SESClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto }).send(
          new VerifyEmailIdentityCommand({ EmailAddress: 'noreply@example.org' }),
        );
        return created.ARN ?? '';
      })();
      return prepared;
    };

    /** The Synapse admin token in moto's Secrets Manager, for the function that reads it. */
    const adminTokenArn = async () => {
      const secrets = new SecretsManagerClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
      const created = await secrets.send(
        new CreateSecretCommand({
          Name: `bundle-admin-${Date.now()}`,
          SecretString: SYNAPSE_SAMPLE_ENV.SYNAPSE_ADMIN_TOKEN,
        }),
      );
      return created.ARN ?? '';
    };

    it.each(names)('%s reads its secrets from Secrets Manager and answers its sample event', async (name) => {
      for (const [sample, expected] of samplesOf(name)) {
        const { SYNAPSE_ADMIN_TOKEN, ...env } = expected.env ?? {};
        const response = await invoke(name, sample, {
          ...baseEnv(),
          ...env,
          ...(SYNAPSE_ADMIN_TOKEN === undefined
            ? {}
            : { SYNAPSE_ADMIN_TOKEN_SECRET_ARN: await adminTokenArn() }),
          TOKEN_HMAC_SECRET_ARN: await motoSecretArn(),
          AWS_ENDPOINT_URL_SECRETS_MANAGER: moto,
          AWS_ENDPOINT_URL_SES: moto,
          AWS_ENDPOINT_URL_SNS: moto,
        });
        expect(response.statusCode).toBe(expected.status);
        expected.check(response.body);
      }
    });
  });
});
