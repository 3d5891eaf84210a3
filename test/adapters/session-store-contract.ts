import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../functions/core/model.js';
import type { SessionStore } from '../../functions/core/ports.js';

let counter = 0;

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
    tokens: [
      { digest: 'first-token-digest', expiresAt: 1_795_000_000_123 },
      { digest: 'second-token-digest', expiresAt: 1_795_000_100_456 },
    ],
    submissions: 1,
    nextLink: 'https://app.example.org/done?a=b#c',
    createdAt: 1_794_990_000_789,
    validatedAt: 1_794_999_999_001,
    expiresAt: 1_795_100_000_000,
    version: 1,
    ...overrides,
  };
}

function withoutOptional(session: Session): Session {
  const { nextLink: _link, validatedAt: _validated, ...rest } = session;
  return rest;
}

/**
 * What every SessionStore must do. Run against the in-memory fake and against DynamoDB
 * emulators, it keeps the fake that core tests rely on faithful to the real thing.
 */
export function describeSessionStoreContract(
  name: string,
  open: () => Promise<{ store: SessionStore; close?: () => Promise<void> }>,
): void {
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
      const session = withoutOptional(sampleSession({ tokens: [] }));
      await store.save(session, undefined);
      const loaded = await store.load(session.key);
      expect(loaded).toEqual(session);
      expect(loaded && 'validatedAt' in loaded).toBe(false);
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

    it('lets exactly one of 20 concurrent creators win', async () => {
      const session = sampleSession();
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.save({ ...session, sendCount: i }, undefined)),
      );
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

    describe('countSubmission', () => {
      const pending = () => withoutOptional(sampleSession({ submissions: 0 }));

      it('adds one submission and one version, and returns the record as updated', async () => {
        const session = pending();
        await store.save(session, undefined);
        const counted = await store.countSubmission(session.key, session.generation, 5);
        expect(counted).toEqual({ ...session, submissions: 1, version: 2 });
        expect(await store.load(session.key)).toEqual(counted);
      });

      it('counts exactly `limit` of 50 concurrent submissions', async () => {
        const session = pending();
        await store.save(session, undefined);
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.countSubmission(session.key, session.generation, 5)),
        );
        expect(results.filter(Boolean)).toHaveLength(5);
        expect((await store.load(session.key))?.submissions).toBe(5);
      });

      it('refuses another generation, a validated session and a missing record', async () => {
        const session = pending();
        await store.save(session, undefined);
        await expect(store.countSubmission(session.key, 'othergener01', 5)).resolves.toBeUndefined();
        const validated = sampleSession({ submissions: 0 });
        await store.save(validated, undefined);
        await expect(store.countSubmission(validated.key, validated.generation, 5)).resolves.toBeUndefined();
        await expect(
          store.countSubmission('missing-key-000000000001', 'generation01', 5),
        ).resolves.toBeUndefined();
        expect((await store.load(session.key))?.submissions).toBe(0);
      });

      it('makes a whole-record write based on an older read fail', async () => {
        const session = pending();
        await store.save(session, undefined);
        await store.countSubmission(session.key, session.generation, 5);
        expect(await store.save({ ...session, version: 2 }, session.version)).toBe(false);
      });
    });
  });
}
