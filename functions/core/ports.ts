/**
 * Everything the domain needs from the outside world. Adapters in `functions/adapters` implement
 * these; tests use fakes. Time, randomness and keyed hashing are ports too, so core is exact and
 * deterministic under test. Each use case takes only the ports (and the store operations) it uses.
 */
import type { Medium, Purpose, Session, Threepid } from './model.js';
import type { LimitScope } from './rate-limits.js';
import type { GuessWrite, SendWrite } from './session-lifecycle.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface Random {
  /** Bytes from a cryptographically secure generator. */
  bytes(length: number): Uint8Array;
  /** A uniform integer in [0, maxExclusive) from a cryptographically secure generator. */
  integer(maxExclusive: number): number;
}

/** What a keyed digest is for; each use gets its own domain so digests never cross over. */
export type DigestPurpose = 'client-secret' | 'session-key' | 'token' | 'log-fingerprint' | 'rate-key';

/** A keyed one-way function (HMAC in production). The key never reaches core. */
export interface SecretHasher {
  /** URL-safe digest of `value`. */
  digest(purpose: DigestPurpose, value: string): string;
  /** Whether `value` digests to `digest`, compared in constant time. */
  matches(purpose: DigestPurpose, value: string, digest: string): boolean;
}

/** What a conditional write found: applied (and what was there before), or refused (and what is there). */
export type SendOutcome =
  | { readonly written: true; readonly before: Session | undefined }
  | { readonly written: false; readonly current: Session | undefined };

export type GuessOutcome =
  | { readonly recorded: true; readonly after: Session }
  | { readonly recorded: false; readonly current: Session | undefined };

/**
 * Session records. Every state change is one conditional write, never a read followed by a blind
 * write, so concurrent requests never both win. The conditions and effects of `send` and
 * `recordGuess` are core's (session-lifecycle.ts); a store only carries them out atomically.
 */
export interface SessionStore {
  /** Strongly consistent read. */
  load(key: string): Promise<Session | undefined>;
  /**
   * In one request: if `canSendInPlace(stored, write)`, stores `applySend(stored, write)`. A refusal
   * returns the record as it is, read once.
   */
  send(write: SendWrite): Promise<SendOutcome>;
  /**
   * In one request: if `canRecordGuess(stored, write)`, stores `applyGuess(stored, write)` and
   * returns it. A refusal returns the record as it is, read once.
   */
  recordGuess(write: GuessWrite): Promise<GuessOutcome>;
  /**
   * Writes the whole record if the stored version is still `expectedVersion` (`undefined`: no
   * record). Returns false when another writer got there first.
   */
  save(session: Session, expectedVersion: number | undefined): Promise<boolean>;
  /** Deletes the record if its version is still `expectedVersion`. Returns false otherwise. */
  remove(key: string, expectedVersion: number): Promise<boolean>;
  /**
   * In one request: marks the record used up at `at`, if its version is still `expectedVersion`
   * and it was not used up already. Returns false otherwise.
   */
  consume(key: string, expectedVersion: number, at: number): Promise<boolean>;
}

export interface ValidationEmail {
  /** Canonical address. */
  readonly to: string;
  readonly purpose: Purpose;
  /** The confirmation link to put in the message. */
  readonly link: string;
  readonly validForMs: number;
  /** The session's language; undefined: the default. */
  readonly locale?: string | undefined;
}

export interface ValidationSms {
  /** E.164 with the leading `+`. */
  readonly to: string;
  readonly purpose: Purpose;
  readonly code: string;
  readonly validForMs: number;
  /** The session's language; undefined: the default. */
  readonly locale?: string | undefined;
}

/**
 * Why a decoy session (uniform responses) tells the address's owner something instead of sending
 * a token: the address already has an account (registration, adding it), or has none (reset).
 */
export type NoticeReason = 'address-in-use' | 'no-account';

export interface Notice {
  /** Canonical address: an email address, or E.164 with the leading `+` for SMS. */
  readonly to: string;
  readonly purpose: Purpose;
  readonly reason: NoticeReason;
  /** The session's language; undefined: the default. */
  readonly locale?: string | undefined;
}

/**
 * Sends validation messages: the domain says what to send, the implementation renders and
 * delivers it. Throws DeliveryError when the provider refuses or fails.
 */
export interface EmailSender {
  sendValidationEmail(email: ValidationEmail): Promise<void>;
  sendNoticeEmail(notice: Notice): Promise<void>;
}

export interface SmsSender {
  sendValidationSms(sms: ValidationSms): Promise<void>;
  sendNoticeSms(notice: Notice): Promise<void>;
}

/** Waits until a moment: the floor under uniform responses. */
export interface Sleeper {
  sleepUntil(epochMs: number): Promise<void>;
}

export type SwitchState =
  | { readonly off: false }
  | { readonly off: true; readonly until: number; readonly reason?: string };

/** The operator's kill switch for sending, per medium, turned without a deploy. */
export interface SendingSwitches {
  check(medium: Medium, now: number): Promise<SwitchState>;
}

/**
 * Which account, if any, an address is bound to: the homeserver's own answer (the Synapse admin
 * API), or a static file locally.
 */
export interface ThreepidDirectory {
  /**
   * The Matrix user ID bound to this canonical 3PID, or undefined. Throws a 503 MatrixError when
   * it cannot answer: the caller then fails closed, and sends nothing.
   */
  findUserId(threepid: Threepid): Promise<string | undefined>;
}

/** What the service may do to an account on the homeserver: reset its password. */
export interface AccountAdmin {
  /** Sets the password; throws a 503 MatrixError when the homeserver cannot do it now. */
  resetPassword(userId: string, newPassword: string, logoutDevices: boolean): Promise<void>;
}

/**
 * The homeserver's own copy of the service's email sessions (Synapse's module writes them into
 * the table its unchanged checkers read), so that Synapse accepts them for registration, a
 * password reset or adding the address. Each call is idempotent; each throws a 503 MatrixError
 * when the homeserver cannot take it now, so nothing goes ahead that it would then refuse.
 */
export interface HomeserverSessions {
  /**
   * A session started or sent again: the only moment the plaintext client_secret is at hand.
   * `usableUntil` is when its newest token stops working.
   */
  started(
    session: HomeserverSession & { readonly clientSecret: string; readonly sendAttempt: number },
  ): Promise<void>;
  /** The session was validated at `validatedAt`; it can be used until `usableUntil`. */
  validated(
    session: Pick<HomeserverSession, 'sid' | 'usableUntil'> & { readonly validatedAt: number },
  ): Promise<void>;
}

export interface HomeserverSession {
  readonly sid: string;
  readonly threepid: Threepid;
  /** Epoch milliseconds after which the homeserver may forget the session. */
  readonly usableUntil: number;
}

/** A homeserver that keeps no sessions of the service's (no module): nothing to tell it. */
export const NO_HOMESERVER_SESSIONS: HomeserverSessions = {
  started: async () => undefined,
  validated: async () => undefined,
};

/** Public URLs the domain hands out; built from the configured public base URL. */
export interface ValidationLinks {
  /** The emailed link: the sid and the token only, never the client_secret (the whole UIA credential). */
  emailConfirmation(params: { sid: string; token: string }): string;
  submitUrl(medium: Medium): string;
}

/** Structured logging. Never pass a token, a client_secret or a raw address. */
export interface Logger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/**
 * Something the operator counts, told by the use case where it happens. Only low-cardinality,
 * non-personal facts: medium, purpose, a limit's scope, an SMS number's country, a provider's
 * error class. Never an address, a fingerprint, a sid or a token.
 */
export type DomainEvent =
  | {
      readonly kind: 'token-sent';
      readonly medium: Medium;
      readonly purpose: Purpose;
      /** For SMS: the ISO region of the number, where the money goes. */
      readonly country?: string | undefined;
    }
  | { readonly kind: 'session-validated'; readonly medium: Medium; readonly purpose: Purpose }
  | { readonly kind: 'token-incorrect'; readonly medium: Medium; readonly purpose: Purpose }
  /** The incorrect submission that used up the session's last attempt. */
  | { readonly kind: 'session-locked'; readonly medium: Medium; readonly purpose: Purpose }
  | {
      readonly kind: 'delivery-failed';
      readonly medium: Medium;
      readonly purpose: Purpose;
      /** The provider's error name (`MessageRejected`, `Throttling`, `TimeoutError`, …). */
      readonly errorClass: string;
    }
  | { readonly kind: 'rate-limited'; readonly medium: Medium; readonly scope: LimitScope }
  | { readonly kind: 'policy-refused'; readonly medium: Medium; readonly purpose: Purpose }
  | { readonly kind: 'decoy-answered'; readonly medium: Medium; readonly purpose: Purpose }
  | { readonly kind: 'response-floor-exceeded'; readonly medium: Medium };

/**
 * Where the domain's countable events go: metrics on Lambda (Powertools EMF), the log locally. A
 * recorder must not throw and must not wait: counting never holds up or fails a request.
 */
export interface DomainEvents {
  record(event: DomainEvent): void;
}
