import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envExample, localSettings } from '../../functions/local/help.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
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
