/**
 * Installs the pinned Python test tools once per run (cfn-lint, see synapse/venv.ts) and tells
 * test files where they are. Where Python or the install is missing, those tests are skipped with
 * a message; on CI (CI=true) that is an error, so nothing is silently skipped there.
 */
import { join } from 'node:path';
import 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureToolsVenv } from './synapse/venv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** cfn-lint's executable in .tools/venv; '' when unavailable here. */
    cfnLint: string;
  }
}

export function setup(project: TestProject): void {
  const result = ensureToolsVenv();
  if ('missing' in result) {
    const message = `cfn-lint could not be installed into .tools/venv: ${result.missing}`;
    if (process.env.CI) throw new Error(`CI needs the cfn-lint test. ${message}`);
    console.warn(`${message}\nThe cfn-lint test will not run.`);
    project.provide('cfnLint', '');
    return;
  }
  if (result.installedSeconds !== undefined) {
    console.log(
      `Installed the Python test tools into .tools/venv in ${result.installedSeconds.toFixed(1)} s.`,
    );
  }
  project.provide('cfnLint', join(result.python, '..', 'cfn-lint'));
}
