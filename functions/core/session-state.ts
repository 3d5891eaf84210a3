/**
 * The state machine of a validation session: what state a record is in, and, in one exhaustive
 * switch, what every operation does in each state. A new state does not compile until
 * `rulesFor` says what each operation does with it.
 */
import type { ExpiryReason } from './errors.js';
import type { Session } from './model.js';
import type { ValidationPolicy } from './policy.js';

export type SessionStatus =
  /** At least one token is live and attempts remain. */
  | 'awaiting'
  /** Every token sent has expired. */
  | 'token_expired'
  /** Too many tokens were submitted; even the right one no longer works. */
  | 'locked'
  | 'validated'
  /** Validated too long ago to be used. */
  | 'validation_expired'
  /** Past the record's lifetime: behaves as if it did not exist. */
  | 'gone';

export function sessionStatus(session: Session, now: number, policy: ValidationPolicy): SessionStatus {
  if (now >= session.expiresAt) return 'gone';
  if (session.validatedAt !== undefined) {
    return now < session.validatedAt + policy.validatedSessionLifetimeMs ? 'validated' : 'validation_expired';
  }
  if (session.submissions >= policy.maxTokenSubmissions) return 'locked';
  return session.tokens.some((token) => now < token.expiresAt) ? 'awaiting' : 'token_expired';
}

/** Why an operation is turned down: the session is unknown to the caller, or no longer usable. */
export type Refusal =
  | { readonly refuse: 'unknown' }
  | { readonly refuse: 'expired'; readonly reason: ExpiryReason };

/** What each operation does with a session in one state. */
export interface StatusRules {
  /** requestToken with a send_attempt that is not newer than the last one seen. */
  readonly onRepeatedAttempt: 'answer-same-sid' | 'start-new-session';
  /** requestToken with a newer send_attempt. */
  readonly onNewerAttempt: 'send-new-token' | 'start-new-session';
  /** submitToken, before this submission has been counted. */
  readonly onSubmit: 'count-then-check' | 'reconfirm' | Refusal;
  /**
   * submitToken, after this submission was counted. The count may itself have filled the limit,
   * so `locked` still checks the token: this submission was one of the allowed ones.
   */
  readonly onCountedSubmit: 'check' | 'reconfirm' | Refusal;
  /** The emailed link's page, which only shows and never validates. */
  readonly onPreview: 'ask-to-confirm' | 'show-confirmed' | Refusal;
  /** getValidated3pid: the homeserver asks whether the session was validated. */
  readonly onQuery: 'answer-validated' | 'not-yet-validated' | Refusal;
}

const UNKNOWN: Refusal = { refuse: 'unknown' };
const expired = (reason: ExpiryReason): Refusal => ({ refuse: 'expired', reason });

export function rulesFor(status: SessionStatus): StatusRules {
  switch (status) {
    case 'awaiting':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'send-new-token',
        onSubmit: 'count-then-check',
        onCountedSubmit: 'check',
        onPreview: 'ask-to-confirm',
        onQuery: 'not-yet-validated',
      };
    case 'token_expired':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        // The same sid gets a new token: the client still holds it, and nothing was validated.
        onNewerAttempt: 'send-new-token',
        onSubmit: expired('token_expired'),
        onCountedSubmit: expired('token_expired'),
        onPreview: expired('token_expired'),
        onQuery: expired('token_expired'),
      };
    case 'locked':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'start-new-session',
        onSubmit: expired('locked'),
        onCountedSubmit: 'check',
        onPreview: expired('locked'),
        onQuery: expired('locked'),
      };
    case 'validated':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'start-new-session',
        onSubmit: 'reconfirm',
        onCountedSubmit: 'reconfirm',
        onPreview: 'show-confirmed',
        onQuery: 'answer-validated',
      };
    case 'validation_expired':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'start-new-session',
        onSubmit: expired('validation_expired'),
        onCountedSubmit: expired('validation_expired'),
        onPreview: expired('validation_expired'),
        onQuery: expired('validation_expired'),
      };
    case 'gone':
      return {
        onRepeatedAttempt: 'start-new-session',
        onNewerAttempt: 'start-new-session',
        onSubmit: UNKNOWN,
        onCountedSubmit: UNKNOWN,
        onPreview: UNKNOWN,
        onQuery: UNKNOWN,
      };
    default:
      return unreachable(status);
  }
}

/** Makes a switch exhaustive at compile time: a new case leaves a value that is not `never`. */
export function unreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
