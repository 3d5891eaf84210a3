/**
 * Installs the pinned Synapse once per run (see venv.ts) and tells test files which Python to
 * start it with. Where Python or the install is missing, the Synapse tests are skipped with a
 * message; on CI (CI=true) that is an error, so nothing is silently skipped there.
 */
import 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureSynapseVenv, pinnedSynapseVersion } from './venv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The venv's python, with Synapse and the module installed; '' when unavailable here. */
    synapsePython: string;
  }
}

export function setup(project: TestProject): void {
  const result = ensureSynapseVenv();
  if ('missing' in result) {
    const message = `Synapse ${pinnedSynapseVersion()} could not be installed into .synapse/venv: ${result.missing}`;
    if (process.env.CI) throw new Error(`CI needs the Synapse tests. ${message}`);
    console.warn(`${message}\nThe Synapse tests (test/synapse) will not run.`);
    project.provide('synapsePython', '');
    return;
  }
  if (result.installedSeconds !== undefined)
    console.log(
      `Installed Synapse ${pinnedSynapseVersion()} into .synapse/venv in ${result.installedSeconds.toFixed(1)} s.`,
    );
  project.provide('synapsePython', result.python);
}
