import type { Session } from '../../functions/core/model.js';
import type { GuessOutcome, SendOutcome, SessionStore } from '../../functions/core/ports.js';
import {
  applyGuess,
  applySend,
  canRecordGuess,
  canSendInPlace,
  type GuessWrite,
  type SendWrite,
} from '../../functions/core/session-lifecycle.js';

/**
 * In-memory SessionStore with DynamoDB's semantics: each operation is atomic, and operations of
 * concurrent callers interleave between awaits. Its conditional writes apply core's own
 * predicates and effects; the same contract tests run against this and against DynamoDB
 * (dynalite, moto), whose expressions must agree with them, which keeps this fake honest.
 */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, Session>();

  async load(key: string): Promise<Session | undefined> {
    await yieldTurn();
    return copy(this.records.get(key));
  }

  async send(write: SendWrite): Promise<SendOutcome> {
    await yieldTurn();
    const stored = this.records.get(write.key);
    if (!canSendInPlace(stored, write)) return { written: false, current: copy(stored) };
    this.records.set(write.key, applySend(stored, write));
    return { written: true, before: copy(stored) };
  }

  async recordGuess(write: GuessWrite): Promise<GuessOutcome> {
    await yieldTurn();
    const stored = this.records.get(write.key);
    if (!stored || !canRecordGuess(stored, write)) return { recorded: false, current: copy(stored) };
    const after = applyGuess(stored, write);
    this.records.set(write.key, after);
    return { recorded: true, after: structuredClone(after) };
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

  async consume(key: string, expectedVersion: number, at: number): Promise<boolean> {
    await yieldTurn();
    const stored = this.records.get(key);
    if (stored?.version !== expectedVersion || stored.consumedAt !== undefined) return false;
    this.records.set(key, { ...stored, consumedAt: at, version: stored.version + 1 });
    return true;
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
