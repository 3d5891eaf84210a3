/**
 * submitToken: checks a submitted token (an SMS code, or the token of an emailed link); on
 * success the session is validated, at most once.
 */
import { MatrixError } from './errors.js';
import { type Medium, type Purpose, type Session, sidOf } from './model.js';
import { appendSid, isAllowedNextLink } from './next-link.js';
import type { ValidationPolicy } from './policy.js';
import type { Clock, Logger, SecretHasher, SessionStore } from './ports.js';
import { assertToken } from './secrets.js';
import { markValidated, tokenMatches } from './session-lifecycle.js';
import { sessionLogger } from './session-log.js';
import { rulesFor } from './session-state.js';
import { makeSessionLookup, refusalError } from './sessions.js';

export interface TokenSubmission {
  readonly sid: string;
  readonly clientSecret: string;
  readonly token: string;
  /** The medium the route is for, when it names one. */
  readonly medium?: Medium;
}

export interface SubmissionResult {
  readonly purpose: Purpose;
  /** Where to send the user's browser: next_link with the sid appended, when it is still allowed. */
  readonly nextLink?: string;
  readonly alreadyValidated: boolean;
}

export type SubmitToken = (submission: TokenSubmission) => Promise<SubmissionResult>;

export interface SubmitTokenDeps {
  readonly store: Pick<SessionStore, 'load' | 'save' | 'countSubmission'>;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  readonly policy: ValidationPolicy;
}

/** Bounds optimistic-concurrency retries; only a flood of writers to one record ever gets near it. */
const MAX_WRITE_ROUNDS = 8;

export function makeSubmitToken(deps: SubmitTokenDeps): SubmitToken {
  const { store, clock, hasher, policy } = deps;
  const find = makeSessionLookup(deps);
  const log = sessionLogger(deps.logger, hasher);

  const result = (session: Session, alreadyValidated: boolean): SubmissionResult => {
    const { nextLink } = session;
    const usable = nextLink !== undefined && isAllowedNextLink(nextLink, policy.nextLinkAllowedHosts);
    return {
      purpose: session.purpose,
      alreadyValidated,
      ...(usable ? { nextLink: appendSid(nextLink, sidOf(session)) } : {}),
    };
  };

  /** A validated session accepts its own token again (a second click), without another write. */
  const reconfirm = (session: Session, token: string): SubmissionResult => {
    if (!tokenMatches(session, token, { now: clock.now(), hasher }, true)) throw MatrixError.tokenIncorrect();
    return result(session, true);
  };

  return async (submission) => {
    assertToken(submission.token);
    let counted = false;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      let { session, status } = await find(submission);
      const rules = rulesFor(status);
      const rule = counted ? rules.onCountedSubmit : rules.onSubmit;
      if (rule === 'reconfirm') return reconfirm(session, submission.token);
      if (typeof rule === 'object') throw refusalError(rule);
      if (rule === 'count-then-check') {
        // Count the attempt before looking at the token, so concurrent guesses cannot outrun the limit.
        const updated = await store.countSubmission(
          session.key,
          session.generation,
          policy.maxTokenSubmissions,
        );
        if (!updated) continue; // validated, locked out or restarted meanwhile: look again
        counted = true;
        session = updated;
      }
      const now = clock.now();
      if (!tokenMatches(session, submission.token, { now, hasher }, false)) {
        log('warn', 'Incorrect token submitted', session, { submissions: session.submissions });
        throw MatrixError.tokenIncorrect(policy.maxTokenSubmissions - session.submissions);
      }
      if (await store.save(markValidated(session, now, policy), session.version)) {
        log('info', 'Session validated', session);
        return result(session, false);
      }
      // Another write landed between counting and validating: look again, without counting twice.
    }
    throw new Error('Gave up validating a session: too many concurrent writers.');
  };
}
