/** The module's own Python unit tests (synapse-module/tests), run with pytest in the pinned venv. */
import { spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { moduleDir } from '../helpers/synapse/venv.js';

const python = inject('synapsePython');

describe.runIf(python)('synapse-module', () => {
  it('passes its pytest suite', () => {
    const result = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: moduleDir,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toMatch(/\d+ passed/);
  }, 130_000);
});
