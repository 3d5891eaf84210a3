import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../functions/core/model.js';
import type { SessionStore } from '../../functions/core/ports.js';
import {
  applyGuess,
  applySend,
  type GuessWrite,
  type SendWrite,
} from '../../functions/core/session-lifecycle.js';

let counter = 0;
const NOW = 1_795_000_000_000;
const HOUR = 3_600_000;

/** A complete session record with every optional field set. */
export function sampleSession(overrides: Partial<Session> = {}): Session {
  counter += 1;
  return {
    key: `key${String(counter).padStart(21, '0')}`,
    generation: 'generation01',
    purpose: 'add_threepid',
    threepid: { medium: 'email', address: 'strauss@öumlaut.com' },
    clientSecretDigest: 'client-secret-digest',
    lastSendAttempt: 3,
    sendCount: 2,
    lastSentAt: NOW - 1000,
    tokens: [
      { digest: 'first-token-digest', expiresAt: NOW + 123 },
      { digest: 'second-token-digest', expiresAt: NOW + 100_456 },
    ],
    guesses: [{ digest: 'a-guess-digest', at: NOW - 500 }],
    nextLink: 'https://app.example.org/done?a=b#c',
    createdAt: NOW - 10_000,
    expiresAt: NOW + 49 * HOUR,
    version: 1,
    ...overrides,
  };
}

function withoutOptional(session: Session): Session {
  const { nextLink: _link, ...rest } = session;
  return rest;
}

/** A send for `key`, at send_attempt `attempt`, as core builds it. */
function sendOf(key: string, attempt: number, overrides: Partial<SendWrite> = {}): SendWrite {
  return {
    key,
    purpose: 'registration',
    threepid: { medium: 'email', address: 'alice@example.org' },
    clientSecretDigest: 'client-secret-digest',
    sendAttempt: attempt,
    nextLink: 'https://app.example.org/next',
    locale: 'de',
    decoy: false,
    spacing: undefined,
    generation: 'newgeneratio',
    token: { digest: `token-${attempt}`, expiresAt: NOW + HOUR },
    tokens: 'append',
    maxTokens: 3,
    newestTokenAfter: NOW - 24 * HOUR,
    now: NOW,
    expiresAt: NOW + 49 * HOUR,
    ...overrides,
  };
}

/** A guess at `session`, as core builds it. */
function guessOf(session: Session, overrides: Partial<GuessWrite> = {}): GuessWrite {
  return {
    key: session.key,
    generation: session.generation,
    clientSecretDigest: session.clientSecretDigest,
    medium: session.threepid.medium,
    guess: { digest: 'guessed-digest', at: NOW },
    maxGuesses: 5,
    ...overrides,
  };
}

/**
 * What every SessionStore must do. Run against the in-memory fake and against DynamoDB
 * emulators, it keeps the fake that core tests rely on faithful to the real thing, and the
 * DynamoDB expressions faithful to core's conditions and effects (session-lifecycle.ts).
 */
export function describeSessionStoreContract(
  name: string,
  open: () => Promise<{ store: SessionStore; close?: () => Promise<void> }>,
  /**
   * Whether the store serialises concurrent writes to one item, as DynamoDB does. moto does not
   * (its server handles requests on threads without a lock), so there the races run one request
   * after the other: the conditions are still checked, the atomicity is not.
   */
  { atomic = true }: { atomic?: boolean } = {},
): void {
  /** Runs `count` calls at once where the store is atomic, else one after the other. */
  const race = async <T>(count: number, call: (i: number) => Promise<T>): Promise<T[]> => {
    if (atomic) return Promise.all(Array.from({ length: count }, (_, i) => call(i)));
    const results: T[] = [];
    for (let i = 0; i < count; i++) results.push(await call(i));
    return results;
  };
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => {
      await close?.();
    });

    it('loads nothing for an unknown key', async () => {
      await expect(store.load('missing-key-000000000000')).resolves.toBeUndefined();
    });

    it('round-trips every field, optional ones included', async () => {
      const session = sampleSession();
      expect(await store.save(session, undefined)).toBe(true);
      expect(await store.load(session.key)).toEqual(session);
    });

    it('round-trips a session without optional fields, leaving them absent', async () => {
      const session = withoutOptional(sampleSession({ tokens: [], guesses: [] }));
      await store.save(session, undefined);
      const loaded = await store.load(session.key);
      expect(loaded).toEqual(session);
      expect(loaded && 'nextLink' in loaded).toBe(false);
    });

    it('creates a record only if none exists', async () => {
      const session = sampleSession();
      expect(await store.save(session, undefined)).toBe(true);
      expect(await store.save({ ...session, sendCount: 99 }, undefined)).toBe(false);
      expect((await store.load(session.key))?.sendCount).toBe(session.sendCount);
    });

    it('replaces a record only at the version it was read at', async () => {
      const session = sampleSession();
      await store.save(session, undefined);
      expect(await store.save({ ...session, sendCount: 7, version: 2 }, 1)).toBe(true);
      expect(await store.save({ ...session, sendCount: 8, version: 2 }, 1)).toBe(false);
      expect(await store.load(session.key)).toMatchObject({ sendCount: 7, version: 2 });
    });

    it(`lets exactly one of 20 ${atomic ? 'concurrent' : 'successive'} creators win`, async () => {
      const session = sampleSession();
      const wins = await race(20, (i) => store.save({ ...session, sendCount: i }, undefined));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('removes a record only at the expected version', async () => {
      const session = sampleSession();
      await store.save(session, undefined);
      expect(await store.remove(session.key, 5)).toBe(false);
      expect(await store.remove(session.key, 1)).toBe(true);
      await expect(store.load(session.key)).resolves.toBeUndefined();
      expect(await store.remove(session.key, 1)).toBe(false);
    });

    describe('send: create, or add a token in place, in one request', () => {
      /** A stored session nobody has submitted to yet, at send_attempt 1. */
      const unanswered = async (overrides: Partial<Session> = {}) => {
        const session = sampleSession({ guesses: [], lastSendAttempt: 1, sendCount: 1, ...overrides });
        await store.save(session, undefined);
        return session;
      };

      it('creates the record core computes when there is none', async () => {
        const write = sendOf(sampleSession().key, 1);
        await expect(store.send(write)).resolves.toEqual({ written: true, before: undefined });
        expect(await store.load(write.key)).toEqual(applySend(undefined, write));
      });

      it('adds an email token to a session nobody has answered, keeping its generation and sid', async () => {
        const before = await unanswered();
        const write = sendOf(before.key, 2);
        await expect(store.send(write)).resolves.toEqual({ written: true, before });
        const after = await store.load(before.key);
        expect(after).toEqual(applySend(before, write));
        expect(after?.tokens).toHaveLength(3);
        expect(after?.generation).toBe(before.generation);
      });

      it('replaces the SMS code, and forgets a next_link the new request does not give', async () => {
        const before = await unanswered({ tokens: [{ digest: 'old-code', expiresAt: NOW + HOUR }] });
        const write = sendOf(before.key, 2, { tokens: 'replace', nextLink: undefined });
        await store.send(write);
        const after = await store.load(before.key);
        expect(after).toEqual(applySend(before, write));
        expect(after?.tokens.map((token) => token.digest)).toEqual(['token-2']);
        expect(after && 'nextLink' in after).toBe(false);
      });

      it.each<[string, Partial<Session>, Partial<SendWrite>]>([
        ['a send_attempt that is not newer', { lastSendAttempt: 2 }, {}],
        ['a session someone submitted a token to', { guesses: [{ digest: 'g', at: NOW - 1 }] }, {}],
        ['an email session that holds the most tokens kept in place', {}, { maxTokens: 2 }],
        [
          'a session whose newest token is too old',
          { tokens: [{ digest: 'old', expiresAt: NOW - 25 * HOUR }] },
          {},
        ],
        ['a record past its TTL', { expiresAt: NOW }, {}],
      ])('refuses %s, and returns the record as it is', async (_, stored, write) => {
        const before = await unanswered(stored);
        await expect(store.send(sendOf(before.key, 2, write))).resolves.toEqual({
          written: false,
          current: before,
        });
        expect(await store.load(before.key)).toEqual(before);
      });

      const SPACING = [60_000, 300_000] as const;
      it.each<[string, number, number, boolean]>([
        ['writes after one message once its first spacing has passed', 1, SPACING[0], true],
        ['refuses after one message until its first spacing has passed', 1, SPACING[0] - 1, false],
        ['writes after two messages once the later spacing has passed', 2, SPACING[1], true],
        ['refuses after two messages until the later spacing has passed', 2, SPACING[1] - 1, false],
      ])('with resend spacing, %s', async (_, sendCount, sinceLastSend, written) => {
        const before = await unanswered({ sendCount, lastSentAt: NOW - sinceLastSend });
        const write = sendOf(before.key, 2, { spacing: SPACING });
        await expect(store.send(write)).resolves.toEqual(
          written ? { written, before } : { written, current: before },
        );
        expect(await store.load(before.key)).toEqual(written ? applySend(before, write) : before);
      });

      it(`lets exactly one of 20 ${atomic ? 'concurrent' : 'successive'} identical sends write`, async () => {
        const write = sendOf(sampleSession().key, 1);
        const outcomes = await race(20, () => store.send(write));
        expect(outcomes.filter((outcome) => outcome.written)).toHaveLength(1);
        expect((await store.load(write.key))?.sendCount).toBe(1);
      });
    });

    describe('consume: use a session up, once', () => {
      it('marks the record used at the version read, and only once', async () => {
        const session = sampleSession();
        await store.save(session, undefined);
        expect(await store.consume(session.key, 2, 1000)).toBe(false);
        expect(await store.consume(session.key, 1, 1000)).toBe(true);
        expect(await store.load(session.key)).toEqual({ ...session, consumedAt: 1000, version: 2 });
        expect(await store.consume(session.key, 2, 2000)).toBe(false);
      });

      it(`lets exactly one of 20 ${atomic ? 'concurrent' : 'successive'} consumers win`, async () => {
        const session = sampleSession();
        await store.save(session, undefined);
        const wins = await race(20, (i) => store.consume(session.key, 1, i));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('recordGuess: count a submission and keep its digest, in one request', () => {
      const pending = async () => {
        const session = sampleSession({ guesses: [] });
        await store.save(session, undefined);
        return session;
      };

      it('appends the guess and one version, and returns the record core computes', async () => {
        const session = await pending();
        const write = guessOf(session);
        const outcome = await store.recordGuess(write);
        expect(outcome).toEqual({ recorded: true, after: applyGuess(session, write) });
        expect(await store.load(session.key)).toEqual(applyGuess(session, write));
      });

      it(`records exactly \`maxGuesses\` of 50 ${atomic ? 'concurrent' : 'successive'} guesses`, async () => {
        const session = await pending();
        const outcomes = await race(50, (i) =>
          store.recordGuess(guessOf(session, { guess: { digest: `guess-${i}`, at: NOW } })),
        );
        expect(outcomes.filter((outcome) => outcome.recorded)).toHaveLength(5);
        expect((await store.load(session.key))?.guesses).toHaveLength(5);
      });

      it.each<[string, Partial<GuessWrite>]>([
        ['another generation', { generation: 'othergener01' }],
        ['another client_secret', { clientSecretDigest: 'another-digest' }],
        ['another medium', { medium: 'msisdn' }],
        ['no attempts left', { maxGuesses: 0 }],
        ['a record past its TTL', { guess: { digest: 'late', at: NOW + 49 * HOUR } }],
      ])('refuses %s, and returns the record as it is', async (_, overrides) => {
        const session = await pending();
        await expect(store.recordGuess(guessOf(session, overrides))).resolves.toEqual({
          recorded: false,
          current: session,
        });
      });

      it('refuses a missing record', async () => {
        const missing = sampleSession();
        await expect(store.recordGuess(guessOf(missing))).resolves.toEqual({
          recorded: false,
          current: undefined,
        });
      });

      it('makes a whole-record write based on an older read fail', async () => {
        const session = await pending();
        await store.recordGuess(guessOf(session));
        expect(await store.save({ ...session, version: 2 }, session.version)).toBe(false);
      });
    });
  });
}
