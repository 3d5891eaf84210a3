/**
 * Starts one moto server (Python's AWS emulator: real DynamoDB, SES and SNS wire protocols) for
 * the whole run, and tells tests where it is. Tests that need it run only where moto exists; on
 * CI (CI=true) a missing moto is an error, so nothing is silently skipped there.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import 'vitest';
import type { TestProject } from 'vitest/node';
import { freePort } from './net.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** moto's endpoint, or '' when moto is not installed on this machine. */
    motoEndpoint: string;
  }
}

let moto: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  const installed = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
  if (!installed) {
    if (process.env.CI)
      throw new Error("CI needs Python's moto (pip install 'moto[server]') for the AWS protocol tests.");
    console.warn(
      "moto is not installed (pip install 'moto[server]'): the SES, SNS and moto DynamoDB tests will not run.",
    );
    project.provide('motoEndpoint', '');
    return;
  }
  const port = await freePort();
  moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${endpoint}/moto-api/data.json`);
  project.provide('motoEndpoint', endpoint);
}

export async function teardown(): Promise<void> {
  moto?.kill();
}

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto did not start at ${url}`);
}
