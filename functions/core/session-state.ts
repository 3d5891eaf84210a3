/**
 * The state machine of a validation session: what state a record is in, and, in one exhaustive
 * switch, what every operation does in each state. A new state does not compile until
 * `rulesFor` says what each operation does with it.
 */
import type { ExpiryReason } from './errors.js';
import type { Guess, Session } from './model.js';
import type { ValidationPolicy } from './policy.js';
import { sameDigest } from './secrets.js';

export type SessionStatus =
  /** At least one token is live and attempts remain. */
  | 'awaiting'
  /** Every token sent has expired. */
  | 'token_expired'
  /** Too many tokens were submitted; even the right one no longer works. */
  | 'locked'
  | 'validated'
  /** Validated, then used up by a flow the service completes itself (a password reset). */
  | 'consumed'
  /** Validated too long ago to be used. */
  | 'validation_expired'
  /** Past the record's lifetime: behaves as if it did not exist. */
  | 'gone';

/**
 * The guess that validated the session: the first one equal to a token that was live when it was
 * submitted. Every pair is compared, in constant time, whichever matches.
 */
export function validatingGuess(session: Session): Guess | undefined {
  let found: Guess | undefined;
  for (const guess of session.guesses) {
    let matches = false;
    for (const token of session.tokens) {
      matches = (sameDigest(guess.digest, token.digest) && guess.at < token.expiresAt) || matches;
    }
    if (matches && found === undefined) found = guess;
  }
  return found;
}

/** When the session was validated, if it was. */
export function validatedAt(session: Session): number | undefined {
  return validatingGuess(session)?.at;
}

/**
 * When a session stops mattering: a grace period after the last moment it can be used, so a late
 * click or query gets "expired" rather than "unknown".
 */
export function goneAt(session: Session, policy: ValidationPolicy): number {
  const validated = validatedAt(session);
  const usableUntil = Math.max(
    ...session.tokens.map((token) => token.expiresAt),
    validated === undefined ? 0 : validated + policy.validatedSessionLifetimeMs,
  );
  return usableUntil + policy.recordGraceMs;
}

export function sessionStatus(session: Session, now: number, policy: ValidationPolicy): SessionStatus {
  if (now >= Math.min(session.expiresAt, goneAt(session, policy))) return 'gone';
  const validated = validatedAt(session);
  if (validated !== undefined) {
    if (now >= validated + policy.validatedSessionLifetimeMs) return 'validation_expired';
    return session.consumedAt === undefined ? 'validated' : 'consumed';
  }
  if (session.guesses.length >= policy.maxTokenSubmissions) return 'locked';
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
  /**
   * requestToken with a newer send_attempt: send a new token in the same session, start a new one,
   * or answer with this one and send nothing (a validated session keeps its validation).
   */
  readonly onNewerAttempt: 'send-new-token' | 'start-new-session' | 'answer-same-sid';
  /**
   * submitToken whose guess could not be recorded (the write's condition failed), by the state
   * read afterwards: try again (the record changed under it), re-check against a validated
   * session without counting, or refuse.
   */
  readonly onSubmit: 'record-guess' | 'reconfirm' | Refusal;
  /**
   * submitToken, by the state right after its guess was recorded (and counted). `locked` means this
   * guess was the last one allowed, so it is answered as a wrong token.
   */
  readonly onGuessRecorded: 'incorrect' | 'validated' | Refusal;
  /** The emailed link's page, which only shows and never validates. */
  readonly onPreview: 'ask-to-confirm' | 'show-confirmed' | Refusal;
  /** getValidated3pid: the homeserver asks whether the session was validated. */
  readonly onQuery: 'answer-validated' | 'not-yet-validated' | Refusal;
  /** A flow the service completes itself (a password reset) uses the session up. */
  readonly onConsume: 'consume' | 'not-yet-validated' | Refusal;
}

const UNKNOWN: Refusal = { refuse: 'unknown' };
const expired = (reason: ExpiryReason): Refusal => ({ refuse: 'expired', reason });

export function rulesFor(status: SessionStatus): StatusRules {
  switch (status) {
    case 'awaiting':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'send-new-token',
        onSubmit: 'record-guess',
        onGuessRecorded: 'incorrect',
        onPreview: 'ask-to-confirm',
        onQuery: 'not-yet-validated',
        onConsume: 'not-yet-validated',
      };
    case 'token_expired':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        // The same sid gets a new token: the client still holds it, and nothing was validated.
        onNewerAttempt: 'send-new-token',
        onSubmit: expired('token_expired'),
        onGuessRecorded: expired('token_expired'),
        onPreview: expired('token_expired'),
        onQuery: expired('token_expired'),
        onConsume: expired('token_expired'),
      };
    case 'locked':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'start-new-session',
        onSubmit: expired('locked'),
        onGuessRecorded: 'incorrect',
        onPreview: expired('locked'),
        onQuery: expired('locked'),
        onConsume: expired('locked'),
      };
    case 'validated':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        // A resend must not erase a validation the homeserver may still ask about: the client
        // asked again while the link was being clicked, and its sid is already good.
        onNewerAttempt: 'answer-same-sid',
        onSubmit: 'reconfirm',
        onGuessRecorded: 'validated',
        onPreview: 'show-confirmed',
        onQuery: 'answer-validated',
        onConsume: 'consume',
      };
    case 'consumed':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'start-new-session',
        onSubmit: expired('consumed'),
        onGuessRecorded: expired('consumed'),
        onPreview: expired('consumed'),
        onQuery: expired('consumed'),
        onConsume: expired('consumed'),
      };
    case 'validation_expired':
      return {
        onRepeatedAttempt: 'answer-same-sid',
        onNewerAttempt: 'start-new-session',
        onSubmit: expired('validation_expired'),
        onGuessRecorded: expired('validation_expired'),
        onPreview: expired('validation_expired'),
        onQuery: expired('validation_expired'),
        onConsume: expired('validation_expired'),
      };
    case 'gone':
      return {
        onRepeatedAttempt: 'start-new-session',
        onNewerAttempt: 'start-new-session',
        onSubmit: UNKNOWN,
        onGuessRecorded: UNKNOWN,
        onPreview: UNKNOWN,
        onQuery: UNKNOWN,
        onConsume: UNKNOWN,
      };
    default:
      return unreachable(status);
  }
}

/** Makes a switch exhaustive at compile time: a new case leaves a value that is not `never`. */
export function unreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
