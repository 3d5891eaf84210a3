import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThreepidBinding } from '../../functions/adapters/directory/static-directory.js';

/** Writes a THREEPID_BINDINGS_FILE to a fresh temporary directory and returns its path. */
export function writeBindingsFile(bindings: readonly ThreepidBinding[] | string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bindings-')), 'bindings.json');
  writeFileSync(path, typeof bindings === 'string' ? bindings : JSON.stringify(bindings));
  return path;
}
