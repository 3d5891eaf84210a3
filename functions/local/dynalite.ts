/**
 * The embedded DynamoDB of local mode: dynalite, in this process, with the iterators behind its
 * Scans and Queries closed.
 *
 * dynalite reads a Scan or a Query through a stream over an abstract-level iterator, and when the
 * stream is done it closes the iterator by calling its `return()`. abstract-level 3's iterators
 * have no `return()` (they close with `close()`), so every Scan leaves its iterator open; the
 * database keeps every open iterator, and each holds the snapshot of the store it was opened on.
 * After one Scan (the TTL sweep finds expired items with one), what it saw is never given back,
 * deleted or not. Giving abstract-level's iterators the `return()` dynalite calls closes them.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import dynalite from 'dynalite';

interface LevelIterator {
  close(): Promise<void>;
  return?: () => Promise<{ done: true; value: undefined }>;
}
/** What this module uses of abstract-level (a dependency of dynalite's stores, not of ours). */
export interface AbstractLevelModule {
  readonly AbstractLevel: {
    readonly prototype: { attachResource(resource: object): void; detachResource(resource: object): void };
  };
  readonly AbstractIterator: { readonly prototype: LevelIterator };
  readonly AbstractKeyIterator: { readonly prototype: LevelIterator };
  readonly AbstractValueIterator: { readonly prototype: LevelIterator };
}

const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
/**
 * The abstract-level that dynalite's stores are built on: memory-level's (in memory) and
 * classic-level's (LOCAL_DATA_DIR, through `level`); one module when npm has deduplicated them.
 */
export const DYNALITE_LEVELS: readonly AbstractLevelModule[] = [
  ...new Set(
    [
      fromDynalite.resolve('memory-level'),
      createRequire(fromDynalite.resolve('level')).resolve('classic-level'),
    ].map((store) => createRequire(store)('abstract-level') as AbstractLevelModule),
  ),
];

let closing = false;
/** Gives abstract-level's iterators the `return()` dynalite calls when it is done with one. */
function closeScanIterators(): void {
  if (closing) return;
  closing = true;
  for (const level of DYNALITE_LEVELS) {
    for (const iterator of [level.AbstractIterator, level.AbstractKeyIterator, level.AbstractValueIterator]) {
      if (typeof iterator.prototype.return === 'function') continue;
      iterator.prototype.return = async function (this: LevelIterator) {
        await this.close();
        return { done: true, value: undefined };
      };
    }
  }
}

/** dynalite in this process, in memory or in `path`; not yet listening. */
export function embeddedDynalite(path: string | undefined): Server {
  closeScanIterators();
  return dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
}
