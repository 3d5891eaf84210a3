/**
 * submitToken: checks a submitted token (an SMS code, or the token of an emailed link). The
 * submission is recorded as a guess in one conditional write, which both counts it against the
 * session's attempts and, when it is right, validates the session: concurrent guesses can never
 * get more comparisons than the attempts allowed, and a right token costs one write.
 */
import { MatrixError } from './errors.js';
import { type Medium, type Purpose, type Session, sidOf } from './model.js';
import { appendSid, isAllowedNextLink } from './next-link.js';
import type { ValidationPolicy } from './policy.js';
import type { Clock, DomainEvents, HomeserverSessions, Logger, SecretHasher, SessionStore } from './ports.js';
import { assertToken } from './secrets.js';
import { guessWrite, sentToken } from './session-lifecycle.js';
import { sessionLogger } from './session-log.js';
import { rulesFor, sessionStatus, validatedAt, validatingGuess } from './session-state.js';
import { makeSessionMatcher, refusalError, sidTarget } from './sessions.js';

export interface TokenSubmission {
  readonly sid: string;
  /** Required on every API route; the emailed link's page may leave it out (see SessionQuery). */
  readonly clientSecret: string | undefined;
  readonly token: string;
  /** The medium the route is for: it says how the token is read (codes ignore spaces and dashes). */
  readonly medium: Medium;
}

export interface SubmissionResult {
  readonly purpose: Purpose;
  /** The address just confirmed, canonical. */
  readonly address: string;
  /** The session's language; undefined: the default. */
  readonly locale: string | undefined;
  /** Where to send the user's browser: next_link with the sid appended, when it is still allowed. */
  readonly nextLink?: string;
  readonly alreadyValidated: boolean;
}

export type SubmitToken = (submission: TokenSubmission) => Promise<SubmissionResult>;

export interface SubmitTokenDeps {
  readonly store: Pick<SessionStore, 'recordGuess'>;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  /** Where wrong tokens, lockouts and validations are counted. */
  readonly events: DomainEvents;
  readonly policy: ValidationPolicy;
  /** Told of every validated email session (Synapse's module), or nobody. */
  readonly homeserverSessions: Pick<HomeserverSessions, 'validated'>;
}

/** Bounds retries when the record keeps changing under a submission; only a flood gets near it. */
const MAX_WRITE_ROUNDS = 8;

export function makeSubmitToken(deps: SubmitTokenDeps): SubmitToken {
  const { store, clock, hasher, policy, events } = deps;
  const match = makeSessionMatcher(hasher);
  const log = sessionLogger(deps.logger, hasher);

  const result = (session: Session, alreadyValidated: boolean): SubmissionResult => {
    const { nextLink } = session;
    const usable = nextLink !== undefined && isAllowedNextLink(nextLink, policy.nextLinkAllowedHosts);
    return {
      purpose: session.purpose,
      address: session.threepid.address,
      locale: session.locale,
      alreadyValidated,
      ...(usable ? { nextLink: appendSid(nextLink, sidOf(session)) } : {}),
    };
  };

  /** A validated session accepts any of its own tokens again (a second click), changing nothing. */
  const reconfirm = (session: Session, token: string): SubmissionResult => {
    if (!sentToken(session, token, hasher)) throw MatrixError.tokenIncorrect();
    return result(session, true);
  };

  /** The answer, from the record right after this submission's guess was recorded. */
  const answer = (after: Session, token: string): SubmissionResult => {
    const rule = rulesFor(sessionStatus(after, clock.now(), policy)).onGuessRecorded;
    if (typeof rule === 'object') throw refusalError(rule);
    const counted = { medium: after.threepid.medium, purpose: after.purpose };
    if (rule === 'incorrect') {
      log('warn', 'Incorrect token submitted', after, { submissions: after.guesses.length });
      const attemptsLeft = policy.maxTokenSubmissions - after.guesses.length;
      events.record({ kind: 'token-incorrect', ...counted });
      if (attemptsLeft <= 0) events.record({ kind: 'session-locked', ...counted });
      throw MatrixError.tokenIncorrect(attemptsLeft);
    }
    // This submission's guess is the newest; if it is the one that validated, this is the first time.
    if (validatingGuess(after) !== after.guesses.at(-1)) return reconfirm(after, token);
    log('info', 'Session validated', after);
    events.record({ kind: 'session-validated', ...counted });
    return result(after, false);
  };

  /**
   * Tells the homeserver that keeps its own copy of email sessions, every time the session is
   * confirmed (again): so a confirmation whose message did not get through is repaired by the next.
   */
  const tellHomeserver = async (session: Session, outcome: SubmissionResult) => {
    const validated = validatedAt(session);
    if (session.threepid.medium !== 'email' || validated === undefined) return outcome;
    await deps.homeserverSessions.validated({
      sid: sidOf(session),
      validatedAt: validated,
      usableUntil: validated + policy.validatedSessionLifetimeMs,
    });
    return outcome;
  };

  return async (submission) => {
    assertToken(submission.token);
    const target = sidTarget(submission);
    const clientSecretDigest =
      submission.clientSecret === undefined
        ? undefined
        : hasher.digest('client-secret', submission.clientSecret);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const write = guessWrite(
        { ...target, clientSecretDigest, medium: submission.medium },
        submission.token,
        {
          now: clock.now(),
          policy,
          hasher,
        },
      );
      const outcome = await store.recordGuess(write);
      if (outcome.recorded) return tellHomeserver(outcome.after, answer(outcome.after, submission.token));
      // Not recorded: decide by the record as it is now.
      const current = match(outcome.current, submission);
      const rule = rulesFor(sessionStatus(current, clock.now(), policy)).onSubmit;
      if (rule === 'reconfirm') return tellHomeserver(current, reconfirm(current, submission.token));
      if (typeof rule === 'object') throw refusalError(rule);
      // 'record-guess': the record changed between the write and the read; try again.
    }
    throw new Error('Gave up recording a token submission: too many concurrent writers.');
  };
}
