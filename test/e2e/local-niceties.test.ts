import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envExample, localSettings } from '../../functions/local/help.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx's loader by path, for a process whose working directory is not this repository. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const start = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'functions/local/main.ts', ...args], {
    cwd: ROOT,
    timeout: 15_000,
  });

describe('npm start, for a person at a terminal', () => {
  it('prints its version with --version, and starts nothing', async () => {
    const { stdout } = await start('--version');
    expect(stdout.trim()).toBe(VERSION);
  });

  it('lists every setting it reads, with its default, with --help', async () => {
    const { stdout } = await start('--help');
    expect(stdout).toContain(`matrix-3pid-serverless ${VERSION}`);
    for (const setting of localSettings()) expect(stdout).toContain(setting.env);
    expect(stdout).toMatch(/PORT\s+8090/);
  });

  it('reads a .env file in its working directory, and the environment wins over it', async () => {
    // Prepare: a .env with a bad server name; bad values stop the start before anything listens.
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    writeFileSync(join(dir, '.env'), '# a comment\nSERVER_NAME=not a host name\n');
    const inDir = (env: Record<string, string>) =>
      run(process.execPath, ['--import', TSX, join(ROOT, 'functions/local/main.ts')], {
        cwd: dir,
        env: { ...process.env, ...env },
        timeout: 15_000,
      }).then(
        () => '',
        (error: { stderr: string }) => error.stderr,
      );

    // Act / Assess: the file's value is read...
    expect(await inDir({})).toContain('SERVER_NAME');
    // ...unless the environment names one; then only the environment's bad PORT is left.
    const overridden = await inDir({ SERVER_NAME: 'example.org', PORT: 'not-a-port' });
    expect(overridden).toContain('PORT');
    expect(overridden).not.toContain('SERVER_NAME');
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships a .env.example with every local setting, generated from the settings table', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(example, 'run `npm run docs`').toBe(envExample());
    for (const setting of localSettings()) expect(example).toContain(`# ${setting.env}=`);
  });
});

describe('the local server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('answers GET /health once it is ready', async () => {
    const health = await server.get('/health');
    expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
    expect((await server.send('POST', '/health')).status).toBe(405);
  });

  it('shows where a walk-through’s next_link lands, with the sid, in the browser’s language', async () => {
    const page = await server.send('GET', '/_local/back?sid=abc.def', {
      headers: { 'Accept-Language': 'es' },
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="es">');
    expect(page.text).toContain('<h1>Has vuelto a tu aplicación</h1>');
    expect(page.text).toContain('<code>abc.def</code>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
