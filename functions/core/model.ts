export const MEDIA = ['email', 'msisdn'] as const;
export type Medium = (typeof MEDIA)[number];

/**
 * Why the address is being validated. A session validated for one purpose is not valid for
 * another. `delegated` is a session started by the homeserver itself, through the identity-server
 * routes it calls as its msisdn delegate (Synapse's `account_threepid_delegates.msisdn`): the
 * service is not told whether it is for registering or adding the number.
 */
export const PURPOSES = ['registration', 'password_reset', 'add_threepid', 'delegated'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** A third-party identifier in canonical form: lower-cased email, or E.164 digits without `+`. */
export interface Threepid {
  readonly medium: Medium;
  readonly address: string;
}

/** A token that was sent. Only its keyed digest is kept; the token itself lives in the message. */
export interface IssuedToken {
  readonly digest: string;
  /** Epoch milliseconds after which the token no longer validates. */
  readonly expiresAt: number;
}

/**
 * A token that was submitted, right or wrong, kept as a keyed digest. A session is validated by
 * the first guess that equals one of its tokens while that token was live: recording the guess is
 * the one write that both counts the attempt and, when it is right, validates.
 */
export interface Guess {
  readonly digest: string;
  /** Epoch milliseconds when it was submitted. */
  readonly at: number;
}

/**
 * One validation session, as stored. A record is keyed by (purpose, medium, address,
 * client_secret), so repeated requests find it without a secondary index. `generation` changes
 * whenever a request has to start over (after validation, lock-out or expiry), which retires the
 * previous sid. Whether and when it was validated is derived from `tokens` and `guesses`
 * (session-state.ts), never stored separately, so no second write can disagree with the first.
 */
export interface Session {
  readonly key: string;
  readonly generation: string;
  readonly purpose: Purpose;
  readonly threepid: Threepid;
  readonly clientSecretDigest: string;
  readonly lastSendAttempt: number;
  readonly sendCount: number;
  /** Epoch milliseconds of the newest send. */
  readonly lastSentAt: number;
  /** Newest last. Email keeps a few recent tokens so an older email still works; SMS keeps one. */
  readonly tokens: readonly IssuedToken[];
  /** Every submission counted against this generation, in order. */
  readonly guesses: readonly Guess[];
  readonly nextLink?: string;
  /**
   * The language of the messages and pages, as negotiated from the newest requestToken's
   * `Accept-Language` (a locale the service has, like `de`); absent: the default locale.
   */
  readonly locale?: string;
  /**
   * A decoy (uniform responses): the address's account state would have refused the request, so
   * the session looks and counts exactly like a real one, but its token was never sent and can
   * never validate it.
   */
  readonly decoy?: true;
  /**
   * When the session was used up, for the flows the service completes itself (a password reset):
   * from then on it validates nothing more.
   */
  readonly consumedAt?: number;
  readonly createdAt: number;
  /**
   * Epoch milliseconds (whole seconds) after which the record cannot matter any more: the TTL. It
   * is an upper bound; when a session stops being usable is derived (session-state.ts).
   */
  readonly expiresAt: number;
  /** Incremented by every write, so whole-record writes can be conditional on what was read. */
  readonly version: number;
}

const SID_SEPARATOR = '.';

/** The sid names the record and its generation. Both parts are unguessable base64url. */
export function formatSid(key: string, generation: string): string {
  return `${key}${SID_SEPARATOR}${generation}`;
}

export function parseSid(sid: string): { key: string; generation: string } | undefined {
  const match = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{8,32})$/.exec(sid);
  return match?.[1] && match[2] ? { key: match[1], generation: match[2] } : undefined;
}

export function sidOf(session: Session): string {
  return formatSid(session.key, session.generation);
}
