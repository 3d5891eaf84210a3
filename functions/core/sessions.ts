/**
 * Finding the session a sid names, shared by every use case that is given a sid. Every miss (an
 * unknown or malformed sid, a wrong client_secret, another medium) looks the same to the caller
 * and costs the same.
 */
import { MatrixError } from './errors.js';
import { type Medium, parseSid, type Session } from './model.js';
import type { ValidationPolicy } from './policy.js';
import type { Clock, SecretHasher, SessionStore } from './ports.js';
import { assertClientSecret, assertSid } from './secrets.js';
import { type Refusal, type SessionStatus, sessionStatus } from './session-state.js';

export interface SessionQuery {
  readonly sid: string;
  /**
   * The client_secret. Only the emailed link may leave it out (its 192-bit token is the
   * credential there, and the secret no longer travels in the email); every API route needs it.
   */
  readonly clientSecret: string | undefined;
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

/** The record key and generation a well-formed sid names; a sid that names none is a miss. */
export function sidTarget(query: SessionQuery): { key: string; generation: string } {
  assertSid(query.sid);
  if (query.clientSecret !== undefined) assertClientSecret(query.clientSecret);
  const target = parseSid(query.sid);
  if (!target) throw MatrixError.noValidSession();
  return target;
}

/**
 * Whether `session` (as stored under the sid's key) is the one `query` names: same generation,
 * same client_secret (compared in constant time, against a decoy when there is no record), same
 * medium. Throws M_NO_VALID_SESSION when it is not.
 */
export function makeSessionMatcher(hasher: SecretHasher) {
  // Compared against when a session is missing, so a miss costs the same as a wrong secret.
  const decoyDigest = hasher.digest('client-secret', 'decoy');
  return (session: Session | undefined, query: SessionQuery): Session => {
    const target = sidTarget(query);
    const secretMatches =
      query.clientSecret === undefined ||
      hasher.matches('client-secret', query.clientSecret, session?.clientSecretDigest ?? decoyDigest);
    const found =
      session !== undefined &&
      secretMatches &&
      session.generation === target.generation &&
      (query.medium === undefined || query.medium === session.threepid.medium);
    if (!found) throw MatrixError.noValidSession();
    return session;
  };
}

export type SessionLookup = (query: SessionQuery) => Promise<FoundSession>;

/** Loads the session a sid names, with its status; every miss throws the same M_NO_VALID_SESSION. */
export function makeSessionLookup(deps: SessionLookupDeps): SessionLookup {
  const match = makeSessionMatcher(deps.hasher);
  return async (query) => {
    const session = match(await deps.store.load(sidTarget(query).key), query);
    return { session, status: sessionStatus(session, deps.clock.now(), deps.policy) };
  };
}

/** The error a refused operation answers with. */
export function refusalError(refusal: Refusal): MatrixError {
  return refusal.refuse === 'unknown'
    ? MatrixError.noValidSession()
    : MatrixError.sessionExpired(refusal.reason);
}
