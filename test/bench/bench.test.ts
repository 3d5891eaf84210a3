import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../infra/functions.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const FLOWS = [
  'newSessionEmail',
  'newSessionSms',
  'repeatSendAttempt',
  'higherSendAttempt',
  'wrongCode',
  'rightCode',
  'linkPost',
  'getValidated3pid',
  'newSessionEmailSeparateStore',
  'limitedSent',
  'limitedAtClient',
  'limitedAtSendBudget',
];
const EXPECTED_ROWS = [
  ...FLOWS.map((flow) => `calls.${flow}`),
  ...FLOWS.map((flow) => `throughput.${flow}`),
  ...['http', 'PutItem', 'GetItem', 'UpdateItem', 'inProcess', 'separateUpdateItem'].map(
    (floor) => `floor.${floor}`,
  ),
  ...Object.keys(FUNCTIONS).map((name) => `bundle.${name}`),
  ...Object.keys(FUNCTIONS).map((name) => `cold.${name}`),
  'memory.perSession',
  'memory.bounded',
  // Measured where nginx is installed, as on CI.
  ...(existsSync(process.env.NGINX_PATH ?? '/usr/sbin/nginx') ? ['hop.nginx'] : []),
];

interface ColdStart {
  importMs: number | null;
  invokeMs: number | null;
}

interface Row {
  id: string;
  value: number;
  goal: { op: string; target: number } | null;
  met: boolean | null;
}

// `npm run bench -- --quick`: small counts, one short round. It checks that the bench runs end
// to end and reports every row; it asserts no timing and no goal (those are the bench's output,
// and timings on a shared machine are noise).
describe('npm run bench -- --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs end to end and writes every row as JSON, and the chart', async () => {
    await run(process.execPath, ['--import', 'tsx', 'scripts/bench/main.ts', '--quick', '--out', out], {
      cwd: ROOT,
      timeout: 110_000,
    });
    const json = JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8')) as {
      quick: boolean;
      git: { commit: string };
      machine: { cpus: number; node: string };
      rows: Row[];
      bundles: { name: string; cold: ColdStart; helloCold: ColdStart }[];
    };
    expect(json.quick).toBe(true);
    expect(json.machine.node).toBe(process.version);
    expect(json.git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(json.rows.map((row) => row.id).sort()).toEqual([...EXPECTED_ROWS].sort());
    for (const row of json.rows) {
      expect(Number.isFinite(row.value), row.id).toBe(true);
      expect(row.met === null, row.id).toBe(row.goal === null);
    }
    // Each cold start is read from the runner's own answer, not from whatever the function prints.
    for (const bundle of json.bundles) {
      for (const cold of [bundle.cold, bundle.helloCold]) {
        expect(cold.importMs, bundle.name).toEqual(expect.any(Number));
        expect(cold.invokeMs, bundle.name).toEqual(expect.any(Number));
      }
    }
    const svg = readFileSync(join(out, 'quick.svg'), 'utf8');
    expect(svg).toContain('<title id="bench-title">');
    expect(svg).toContain('new session (email)');
  }, 120_000);
});
