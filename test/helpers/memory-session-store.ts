import type { Session } from '../../functions/core/model.js';
import type { SessionStore } from '../../functions/core/ports.js';

/**
 * In-memory SessionStore with DynamoDB's semantics: each operation is atomic, and operations of
 * concurrent callers interleave between awaits. The same contract tests run against this and
 * against DynamoDB (dynalite, moto), which keeps this fake honest.
 */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, Session>();

  async load(key: string): Promise<Session | undefined> {
    await yieldTurn();
    return copy(this.records.get(key));
  }

  async save(session: Session, expectedVersion: number | undefined): Promise<boolean> {
    await yieldTurn();
    const stored = this.records.get(session.key);
    const matches =
      expectedVersion === undefined ? stored === undefined : stored?.version === expectedVersion;
    if (matches) this.records.set(session.key, structuredClone(session));
    return matches;
  }

  async remove(key: string, expectedVersion: number): Promise<boolean> {
    await yieldTurn();
    if (this.records.get(key)?.version !== expectedVersion) return false;
    this.records.delete(key);
    return true;
  }

  async countSubmission(key: string, generation: string, limit: number): Promise<Session | undefined> {
    await yieldTurn();
    const stored = this.records.get(key);
    if (
      !stored ||
      stored.generation !== generation ||
      stored.submissions >= limit ||
      stored.validatedAt !== undefined
    ) {
      return undefined;
    }
    const updated = { ...stored, submissions: stored.submissions + 1, version: stored.version + 1 };
    this.records.set(key, updated);
    return copy(updated);
  }

  /** Everything stored, for assertions about what is (and is not) kept. */
  all(): Session[] {
    return [...this.records.values()].map((session) => structuredClone(session));
  }
}

function copy(session: Session | undefined): Session | undefined {
  return session && structuredClone(session);
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
