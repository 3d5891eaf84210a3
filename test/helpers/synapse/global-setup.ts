/**
 * Installs the pinned Synapse once per run (see venv.ts) and tells test files which Python to
 * start it with. Where Python or the install is missing, the Synapse tests are skipped with a
 * message, and so are the Postgres variants where PostgreSQL is missing; on CI (CI=true) either is
 * an error, so nothing is silently skipped there.
 */
import 'vitest';
import type { TestProject } from 'vitest/node';
import { findPostgresBin } from './postgres.js';
import { ensureSynapseVenv, pinnedSynapseVersion } from './venv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The venv's python, with Synapse and the module installed; '' when unavailable here. */
    synapsePython: string;
    /** PostgreSQL's bin directory, for running Synapse on Postgres too; '' when unavailable. */
    postgresBin: string;
  }
}

export function setup(project: TestProject): void {
  const postgresBin = findPostgresBin();
  if (!postgresBin) {
    const message = 'PostgreSQL (initdb, postgres) and setpriv are needed to test the module on Postgres.';
    if (process.env.CI) throw new Error(`CI needs the Postgres tests. ${message}`);
    console.warn(`${message} The Synapse tests will run on SQLite only.`);
  }
  project.provide('postgresBin', postgresBin);

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
