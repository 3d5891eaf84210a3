import { describe, expect, it } from 'vitest';
import type { Session } from '../../functions/core/model.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import {
  rulesFor,
  type SessionStatus,
  sessionStatus,
  validatingGuess,
} from '../../functions/core/session-state.js';
import { HOUR, MINUTE } from '../helpers/clock.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

const session = (overrides: Partial<Session> = {}): Session => ({
  key: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  generation: 'BBBBBBBBBBBB',
  purpose: 'registration',
  threepid: { medium: 'msisdn', address: '447400123456' },
  clientSecretDigest: 'digest',
  lastSendAttempt: 1,
  sendCount: 1,
  lastSentAt: NOW,
  tokens: [{ digest: 'token', expiresAt: NOW + 10 * MINUTE }],
  guesses: [],
  createdAt: NOW,
  expiresAt: NOW + 49 * HOUR,
  version: 1,
  ...overrides,
});

/** Guesses of a digest, submitted at the given times. */
const guesses = (digest: string, ...times: number[]) => times.map((at) => ({ digest, at }));
const wrongGuesses = (count: number) => guesses('wrong', ...Array<number>(count).fill(NOW - MINUTE));
/** A session whose only token was live until `expiresAt` and was guessed right at `at`. */
const validatedAt = (at: number) =>
  session({ tokens: [{ digest: 'token', expiresAt: at + MINUTE }], guesses: guesses('token', at) });

describe('sessionStatus', () => {
  it.each<[SessionStatus, Session]>([
    ['awaiting', session()],
    ['awaiting', session({ guesses: wrongGuesses(4) })],
    ['token_expired', session({ tokens: [{ digest: 'token', expiresAt: NOW }] })],
    ['locked', session({ guesses: wrongGuesses(DEFAULT_POLICY.maxTokenSubmissions) })],
    ['validated', validatedAt(NOW - 24 * HOUR + 1)],
    ['consumed', { ...validatedAt(NOW - HOUR), consumedAt: NOW - 1 }],
    ['validation_expired', validatedAt(NOW - 24 * HOUR)],
    ['gone', validatedAt(NOW - 48 * HOUR)],
    ['gone', session({ tokens: [{ digest: 'token', expiresAt: NOW - 24 * HOUR }] })],
    ['gone', session({ expiresAt: NOW })],
  ])('is %s', (status, record) => {
    expect(sessionStatus(record, NOW, DEFAULT_POLICY)).toBe(status);
  });

  it('is validated by the first right guess made while its token was live', () => {
    const late = session({
      tokens: [{ digest: 'token', expiresAt: NOW - MINUTE }],
      guesses: guesses('token', NOW),
    });
    expect(sessionStatus(late, NOW, DEFAULT_POLICY)).toBe('token_expired');
    const twice = session({ guesses: guesses('token', NOW - 2 * MINUTE, NOW - MINUTE) });
    expect(validatingGuess(twice)?.at).toBe(NOW - 2 * MINUTE);
  });

  it('puts validation before lock-out: a validated session never becomes locked', () => {
    const validated = session({ guesses: [...guesses('token', NOW), ...wrongGuesses(99)] });
    expect(sessionStatus(validated, NOW, DEFAULT_POLICY)).toBe('validated');
  });
});

describe('rulesFor, the one table of what each operation does in each state', () => {
  const expired = (reason: string) => ({ refuse: 'expired', reason });
  const unknown = { refuse: 'unknown' };

  // biome-ignore format: one row per state reads as the table it is
  it.each<[SessionStatus, unknown[]]>([
    // status               repeat              newer attempt        submit (not recorded)   guess recorded       page                query                 consume
    ['awaiting', ['answer-same-sid', 'send-new-token', 'record-guess', 'incorrect', 'ask-to-confirm', 'not-yet-validated', 'not-yet-validated']],
    ['token_expired', ['answer-same-sid', 'send-new-token', expired('token_expired'), expired('token_expired'), expired('token_expired'), expired('token_expired'), expired('token_expired')]],
    ['locked', ['answer-same-sid', 'start-new-session', expired('locked'), 'incorrect', expired('locked'), expired('locked'), expired('locked')]],
    ['validated', ['answer-same-sid', 'answer-same-sid', 'reconfirm', 'validated', 'show-confirmed', 'answer-validated', 'consume']],
    ['consumed', ['answer-same-sid', 'start-new-session', expired('consumed'), expired('consumed'), expired('consumed'), expired('consumed'), expired('consumed')]],
    ['validation_expired', ['answer-same-sid', 'start-new-session', expired('validation_expired'), expired('validation_expired'), expired('validation_expired'), expired('validation_expired'), expired('validation_expired')]],
    ['gone', ['start-new-session', 'start-new-session', unknown, unknown, unknown, unknown, unknown]],
  ])('%s', (status, [onRepeatedAttempt, onNewerAttempt, onSubmit, onGuessRecorded, onPreview, onQuery, onConsume]) => {
    expect(rulesFor(status)).toEqual({
      onRepeatedAttempt,
      onNewerAttempt,
      onSubmit,
      onGuessRecorded,
      onPreview,
      onQuery,
      onConsume,
    });
  });

  it('refuses a state it does not know, rather than guessing', () => {
    expect(() => rulesFor('decoy' as SessionStatus)).toThrow('Unhandled case: decoy');
  });
});
