/**
 * The Python virtualenv the Synapse tests run in: the exact versions in
 * synapse-module/test-requirements.txt, plus the module itself (editable, so edits need no
 * reinstall). It lives in .synapse/venv (git-ignored), is kept between runs, and is rebuilt only
 * when the pins, the module's pyproject.toml or the Python version change.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const moduleDir = join(repoRoot, 'synapse-module');
const venvDir = join(repoRoot, '.synapse', 'venv');
const stampFile = join(venvDir, '.installed-from');
const requirements = join(moduleDir, 'test-requirements.txt');

/** The pinned Synapse version, read from the requirements file. */
export function pinnedSynapseVersion(): string {
  const pin = /^matrix-synapse==(\S+)$/m.exec(readFileSync(requirements, 'utf8'));
  if (!pin?.[1]) throw new Error(`${requirements} does not pin matrix-synapse`);
  return pin[1];
}

export type VenvResult = { python: string; installedSeconds?: number } | { missing: string };

/** Makes sure the venv is installed and current. Never throws: says what is missing instead. */
export function ensureSynapseVenv(): VenvResult {
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return { missing: 'python3 is not installed' };
  const stamp = createHash('sha256')
    .update(version.stdout)
    .update(readFileSync(requirements))
    .update(readFileSync(join(moduleDir, 'pyproject.toml')))
    .digest('hex');
  const python = join(venvDir, 'bin', 'python');
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)
    return { python };

  const started = Date.now();
  rmSync(venvDir, { recursive: true, force: true });
  mkdirSync(join(repoRoot, '.synapse'), { recursive: true });
  const pip = ['-m', 'pip', '--disable-pip-version-check', '--no-input', '--quiet', 'install'];
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', venvDir]],
    [python, [...pip, '--requirement', requirements]],
    [python, [...pip, '--no-deps', '--no-build-isolation', '--editable', moduleDir]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 15 * 60_000 });
    if (result.status !== 0) {
      rmSync(venvDir, { recursive: true, force: true });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
      return {
        missing: `\`${command} ${args.join(' ')}\` failed (${result.error ?? result.status}):\n${output}`,
      };
    }
  }
  writeFileSync(stampFile, stamp);
  return { python, installedSeconds: (Date.now() - started) / 1000 };
}
