import { describe, expect, it } from 'vitest';
import type { Session } from '../../functions/core/model.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { rulesFor, type SessionStatus, sessionStatus } from '../../functions/core/session-state.js';
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
  tokens: [{ digest: 'token', expiresAt: NOW + 10 * MINUTE }],
  submissions: 0,
  createdAt: NOW,
  expiresAt: NOW + 25 * HOUR,
  version: 1,
  ...overrides,
});

describe('sessionStatus', () => {
  it.each<[SessionStatus, Partial<Session>]>([
    ['awaiting', {}],
    ['token_expired', { tokens: [{ digest: 'token', expiresAt: NOW }] }],
    ['locked', { submissions: DEFAULT_POLICY.maxTokenSubmissions }],
    ['validated', { validatedAt: NOW - 24 * HOUR + 1 }],
    ['validation_expired', { validatedAt: NOW - 24 * HOUR }],
    ['gone', { expiresAt: NOW, validatedAt: NOW - MINUTE }],
  ])('is %s', (status, overrides) => {
    expect(sessionStatus(session(overrides), NOW, DEFAULT_POLICY)).toBe(status);
  });

  it('puts validation before lock-out: a validated session never becomes locked', () => {
    const validated = session({ validatedAt: NOW, submissions: 99 });
    expect(sessionStatus(validated, NOW, DEFAULT_POLICY)).toBe('validated');
  });
});

describe('rulesFor, the one table of what each operation does in each state', () => {
  const expired = (reason: string) => ({ refuse: 'expired', reason });
  const unknown = { refuse: 'unknown' };

  // biome-ignore format: one row per state reads as the table it is
  it.each<[SessionStatus, unknown[]]>([
    // status               repeat              newer attempt        submit               counted submit        page                query
    ['awaiting', ['answer-same-sid', 'send-new-token', 'count-then-check', 'check', 'ask-to-confirm', 'not-yet-validated']],
    ['token_expired', ['answer-same-sid', 'send-new-token', expired('token_expired'), expired('token_expired'), expired('token_expired'), expired('token_expired')]],
    ['locked', ['answer-same-sid', 'start-new-session', expired('locked'), 'check', expired('locked'), expired('locked')]],
    ['validated', ['answer-same-sid', 'start-new-session', 'reconfirm', 'reconfirm', 'show-confirmed', 'answer-validated']],
    ['validation_expired', ['answer-same-sid', 'start-new-session', expired('validation_expired'), expired('validation_expired'), expired('validation_expired'), expired('validation_expired')]],
    ['gone', ['start-new-session', 'start-new-session', unknown, unknown, unknown, unknown]],
  ])('%s', (status, [onRepeatedAttempt, onNewerAttempt, onSubmit, onCountedSubmit, onPreview, onQuery]) => {
    expect(rulesFor(status)).toEqual({
      onRepeatedAttempt,
      onNewerAttempt,
      onSubmit,
      onCountedSubmit,
      onPreview,
      onQuery,
    });
  });

  it('refuses a state it does not know, rather than guessing', () => {
    expect(() => rulesFor('consumed' as SessionStatus)).toThrow('Unhandled case: consumed');
  });
});
