/**
 * Finding the session a sid names, shared by every use case that is given a sid. Every miss (an
 * unknown or malformed sid, a wrong client_secret, another medium, a record past its lifetime)
 * looks the same to the caller and costs the same.
 */
import { MatrixError } from './errors.js';
import { type Medium, parseSid, type Session } from './model.js';
import type { ValidationPolicy } from './policy.js';
import type { Clock, SecretHasher, SessionStore } from './ports.js';
import { assertClientSecret, assertSid } from './secrets.js';
import { type Refusal, type SessionStatus, sessionStatus } from './session-state.js';

export interface SessionQuery {
  readonly sid: string;
  readonly clientSecret: string;
  /** The medium the route is for, when it names one. */
  readonly medium?: Medium | undefined;
}

export interface SessionLookupDeps {
  readonly store: Pick<SessionStore, 'load'>;
  readonly hasher: SecretHasher;
  readonly clock: Clock;
  readonly policy: ValidationPolicy;
}

export interface FoundSession {
  readonly session: Session;
  readonly status: SessionStatus;
}

export type SessionLookup = (query: SessionQuery) => Promise<FoundSession>;

export function makeSessionLookup(deps: SessionLookupDeps): SessionLookup {
  // Compared against when a session is missing, so a miss costs the same as a wrong secret.
  const decoyDigest = deps.hasher.digest('client-secret', 'decoy');
  return async (query) => {
    assertSid(query.sid);
    assertClientSecret(query.clientSecret);
    const parsed = parseSid(query.sid);
    const session = parsed ? await deps.store.load(parsed.key) : undefined;
    const secretMatches = deps.hasher.matches(
      'client-secret',
      query.clientSecret,
      session?.clientSecretDigest ?? decoyDigest,
    );
    const found =
      session !== undefined &&
      secretMatches &&
      session.generation === parsed?.generation &&
      (query.medium === undefined || query.medium === session.threepid.medium);
    if (!found) throw MatrixError.noValidSession();
    return { session, status: sessionStatus(session, deps.clock.now(), deps.policy) };
  };
}

/** The error a refused operation answers with. */
export function refusalError(refusal: Refusal): MatrixError {
  return refusal.refuse === 'unknown'
    ? MatrixError.noValidSession()
    : MatrixError.sessionExpired(refusal.reason);
}
