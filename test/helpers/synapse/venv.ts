/**
 * The Python virtualenvs the tests use, each installed from pinned requirements into a git-ignored
 * folder, kept between runs, and rebuilt only when its pins or the Python version change: the one
 * the Synapse tests run in (synapse-module/test-requirements.txt, plus the module itself, editable
 * so edits need no reinstall), and one for test tools (cfn-lint, test/helpers/tools-requirements.txt).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const moduleDir = join(repoRoot, 'synapse-module');
const requirements = join(moduleDir, 'test-requirements.txt');
const toolRequirements = join(repoRoot, 'test', 'helpers', 'tools-requirements.txt');

/** The pinned Synapse version, read from the requirements file. */
export function pinnedSynapseVersion(): string {
  const pin = /^matrix-synapse==(\S+)$/m.exec(readFileSync(requirements, 'utf8'));
  if (!pin?.[1]) throw new Error(`${requirements} does not pin matrix-synapse`);
  return pin[1];
}

export type VenvResult = { python: string; installedSeconds?: number } | { missing: string };

/** The Synapse tests' venv, .synapse/venv: Synapse and the module. Never throws (see ensureVenv). */
export function ensureSynapseVenv(): VenvResult {
  return ensureVenv(join(repoRoot, '.synapse', 'venv'), requirements, moduleDir);
}

/** The test tools' venv, .tools/venv: cfn-lint. */
export function ensureToolsVenv(): VenvResult {
  return ensureVenv(join(repoRoot, '.tools', 'venv'), toolRequirements);
}

/** Makes sure a venv is installed and current. Never throws: says what is missing instead. */
function ensureVenv(venvDir: string, requirementsFile: string, editable?: string): VenvResult {
  const stampFile = join(venvDir, '.installed-from');
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return { missing: 'python3 is not installed' };
  const stamp = createHash('sha256')
    .update(version.stdout)
    .update(readFileSync(requirementsFile))
    .update(editable ? readFileSync(join(editable, 'pyproject.toml')) : '')
    .digest('hex');
  const python = join(venvDir, 'bin', 'python');
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp)
    return { python };

  const started = Date.now();
  rmSync(venvDir, { recursive: true, force: true });
  mkdirSync(join(venvDir, '..'), { recursive: true });
  const pip = ['-m', 'pip', '--disable-pip-version-check', '--no-input', '--quiet', 'install'];
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', venvDir]],
    [python, [...pip, '--requirement', requirementsFile]],
    ...(editable
      ? [
          [python, [...pip, '--no-deps', '--no-build-isolation', '--editable', editable]] as [
            string,
            string[],
          ],
        ]
      : []),
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
