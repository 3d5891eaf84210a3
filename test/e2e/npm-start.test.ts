import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSynapseStandIn } from '../helpers/synapse-stand-in.js';

/** `npm start`, run as a newcomer runs it: the README's command, its banner, its outbox. */
const ROOT = new URL('../..', import.meta.url).pathname;
const running: ChildProcess[] = [];

interface Started {
  readonly process: ChildProcess;
  readonly url: string;
  output(): string;
}

/** `npm start` in its own process group, so it can be stopped the way Ctrl+C stops it. */
function spawnNpmStart(env: Record<string, string>): ChildProcess {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  return child;
}

function npmStart(env: Record<string, string>): Promise<Started> {
  const child = spawnNpmStart(env);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 30_000);
    const check = () => {
      const url = output.match(/listening on\s+(http:\/\/\S+)/)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ process: child, url, output: () => output });
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`npm start exited:\n${output}`));
    });
  });
}

/** Ctrl+C's way: signal npm and everything it started, then wait until the server is gone. */
async function stop(started: Started): Promise<void> {
  process.kill(-(started.process.pid ?? 0), 'SIGTERM');
  await exitOf(started.process);
  await serverGone(started.url);
}

/** Waits until nothing answers at `url` any more. */
async function serverGone(url: string): Promise<void> {
  await expect
    .poll(
      () =>
        fetch(url).then(
          () => 'up',
          () => 'down',
        ),
      { timeout: 10_000 },
    )
    .toBe('down');
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

afterEach(() => {
  for (const child of running.splice(0)) {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const requestToken = (url: string, body: Record<string, unknown>) =>
  fetch(`${url}/_matrix/client/v3/register/email/requestToken`, {
    method: 'POST',
    body: JSON.stringify(body),
  });

describe('npm start', () => {
  it('serves the API, prints each message with its link, and stops cleanly on Ctrl+C or SIGTERM', async () => {
    const started = await npmStart({});
    expect(started.output()).toContain('embedded DynamoDB (dynalite), in memory');
    expect(started.output()).toMatch(new RegExp(`health +${started.url}/health\n`));
    expect(started.output()).toContain('npm start -- --help lists them all');
    const response = await requestToken(started.url, {
      client_secret: 'readme',
      email: 'alice@example.org',
      send_attempt: 1,
    });
    expect(response.status).toBe(200);
    const { sid } = (await response.json()) as { sid: string };
    await expect.poll(() => started.output()).toContain(`confirm?sid=${sid}&token=`);
    await expect
      .poll(() => started.output())
      .toContain('POST /_matrix/client/v3/register/email/requestToken → 200');

    await stop(started);
    expect(started.output()).not.toMatch(/Error|Unhandled/);
  });

  it('logs what it counts at LOG_LEVEL=INFO, as Lambda would publish it, with no address in it', async () => {
    const started = await npmStart({ LOG_LEVEL: 'INFO' });
    await requestToken(started.url, {
      client_secret: 'counted',
      email: 'carol@example.org',
      send_attempt: 1,
    });
    await expect.poll(() => started.output()).toContain('"message":"Counted"');
    const counted = started
      .output()
      .split('\n')
      .filter((line) => line.includes('"message":"Counted"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(counted).toEqual([
      expect.objectContaining({ metric: 'TokenSent', medium: 'email', purpose: 'registration' }),
    ]);
    expect(JSON.stringify(counted)).not.toContain('carol');
    await stop(started);
  });

  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('stops the server when only the npm process gets %s, as `kill <pid>` sends it', async (signal) => {
    const started = await npmStart({});
    process.kill(started.process.pid ?? 0, signal);
    await exitOf(started.process);
    await serverGone(started.url);
  });

  it('keeps sessions across restarts with LOCAL_DATA_DIR, HMAC key included', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'local-data-')), 'data');
    const body = { client_secret: 'persist', email: 'persist@example.org', send_attempt: 1 };

    const first = await npmStart({ LOCAL_DATA_DIR: dataDir });
    expect(first.output()).toContain(`persisted in ${dataDir}`);
    const { sid } = (await (await requestToken(first.url, body)).json()) as { sid: string };
    await stop(first);

    const second = await npmStart({ LOCAL_DATA_DIR: dataDir });
    const again = (await (await requestToken(second.url, body)).json()) as { sid: string };
    expect(again.sid).toBe(sid);
    const check = await fetch(
      `${second.url}/_matrix/identity/v2/3pid/getValidated3pid?sid=${sid}&client_secret=persist`,
    );
    expect(((await check.json()) as { errcode: string }).errcode).toBe('M_SESSION_NOT_VALIDATED');
  });

  it('fronts a homeserver with HOMESERVER_URL: what it does not serve is proxied there', async () => {
    const synapse = await startSynapseStandIn();
    try {
      const started = await npmStart({
        HOMESERVER_URL: synapse.url,
        SYNAPSE_ADMIN_TOKEN: synapse.adminToken,
      });
      expect(started.output()).toContain(
        `homeserver     ${synapse.url}: every request not served here goes there`,
      );
      expect(started.output()).toContain("bindings       Synapse's admin API at");
      const versions = await fetch(`${started.url}/_matrix/client/versions`);
      expect(versions.status).toBe(200);
      expect(((await versions.json()) as { versions: string[] }).versions).toContain('v1.12');
      expect(synapse.requests.at(-1)).toMatchObject({ method: 'GET', url: '/_matrix/client/versions' });
      await stop(started);
    } finally {
      await synapse.close();
    }
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawnNpmStart({ PORT: 'eighty', TOKEN_HMAC_SECRET: 'short' });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    expect(await exitOf(child)).toBe(1);
    expect(stderr).toContain('Invalid configuration:');
    expect(stderr).toContain('PORT must be a whole number from 0 to 65535');
    expect(stderr).toContain('TOKEN_HMAC_SECRET must be at least 32 characters');
  });
});
