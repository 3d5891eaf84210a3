/**
 * The one error type a client ever sees. It carries the Matrix `errcode`, the HTTP status and any
 * extras the spec defines; `functions/http/errors.ts` is the only place that turns it into a
 * response. Anything thrown that is not a MatrixError becomes a bare 500 M_UNKNOWN there. Errors of
 * the HTTP transport itself (unparsable bodies, unknown routes, 413) are made in the HTTP layer
 * (`functions/http/http-errors.ts`); the domain's own are made here.
 */
export type Errcode =
  | 'M_BAD_JSON'
  | 'M_NOT_JSON'
  | 'M_MISSING_PARAM'
  | 'M_INVALID_PARAM'
  | 'M_TOO_LARGE'
  | 'M_UNRECOGNIZED'
  | 'M_FORBIDDEN'
  | 'M_THREEPID_IN_USE'
  | 'M_THREEPID_NOT_FOUND'
  | 'M_THREEPID_DENIED'
  | 'M_LIMIT_EXCEEDED'
  | 'M_NOT_FOUND'
  | 'M_PASSWORD_TOO_SHORT'
  | 'M_UNAUTHORIZED'
  | 'M_MISSING_TOKEN'
  | 'M_TOKEN_INCORRECT'
  | 'M_SESSION_EXPIRED'
  | 'M_SESSION_NOT_VALIDATED'
  | 'M_NO_VALID_SESSION'
  | 'M_EMAIL_SEND_ERROR'
  | 'M_SEND_ERROR'
  | 'M_UNKNOWN';

export type ExpiryReason = 'token_expired' | 'locked' | 'validation_expired' | 'consumed';

const EXPIRY_MESSAGES: Record<ExpiryReason, string> = {
  token_expired: 'The token has expired. Request a new one.',
  locked: 'Too many incorrect tokens were submitted. Request a new one.',
  validation_expired: 'This session was validated too long ago to be used. Start again.',
  consumed: 'This session has already been used. Start again.',
};

/**
 * Fields and headers the spec defines for some errors, beyond `errcode` and `error`: for example
 * `retry_after_ms` and `Retry-After` on M_LIMIT_EXCEEDED. The error mapper puts them on the response.
 */
export interface ErrorExtras {
  readonly body?: Readonly<Record<string, string | number | boolean>>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MatrixErrorOptions {
  readonly cause?: unknown;
  /** Why a session is unusable, for M_SESSION_EXPIRED. */
  readonly expiry?: ExpiryReason;
  readonly extras?: ErrorExtras;
}

export class MatrixError extends Error {
  override readonly name = 'MatrixError';
  /** Why a session is unusable, for M_SESSION_EXPIRED, so pages can explain it to a person. */
  readonly expiry: ExpiryReason | undefined;
  readonly extras: ErrorExtras;

  constructor(
    readonly errcode: Errcode,
    readonly status: number,
    message: string,
    options: MatrixErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.expiry = options.expiry;
    this.extras = options.extras ?? {};
  }

  static invalidParam(message: string): MatrixError {
    return new MatrixError('M_INVALID_PARAM', 400, message);
  }

  static threepidInUse(): MatrixError {
    return new MatrixError('M_THREEPID_IN_USE', 400, 'This address is already in use by an account.');
  }

  static threepidNotFound(): MatrixError {
    return new MatrixError('M_THREEPID_NOT_FOUND', 400, 'No account uses this address.');
  }

  /** The operator's policy refuses this address (a country, a number type, an email domain). */
  static threepidDenied(message: string): MatrixError {
    return new MatrixError('M_THREEPID_DENIED', 403, message);
  }

  /**
   * Too many requests. The same text whatever was exhausted (which one is only logged), with the
   * wait in both places clients read it: `retry_after_ms` (integer) and `Retry-After` (seconds,
   * rounded up).
   */
  static limitExceeded(retryAfterMs: number): MatrixError {
    const ms = Math.max(1000, Math.ceil(retryAfterMs));
    return new MatrixError('M_LIMIT_EXCEEDED', 429, 'Too many requests. Try again later.', {
      extras: { body: { retry_after_ms: ms }, headers: { 'Retry-After': String(Math.ceil(ms / 1000)) } },
    });
  }

  /**
   * Something the answer depends on (the homeserver's directory or admin API) did not answer:
   * 503, and nothing was sent or changed. Clients may try again after `retryAfterMs`.
   */
  static unavailable(what: string, retryAfterMs = 5000): MatrixError {
    return new MatrixError('M_UNKNOWN', 503, `${what} is not available just now. Try again shortly.`, {
      extras: { headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } },
    });
  }

  static passwordTooShort(minimum: number): MatrixError {
    return new MatrixError(
      'M_PASSWORD_TOO_SHORT',
      400,
      `The password must be at least ${minimum} characters long.`,
    );
  }

  /** `attemptsLeft` is told to the user when the session still counts attempts. */
  static tokenIncorrect(attemptsLeft?: number): MatrixError {
    let rest = '';
    if (attemptsLeft !== undefined) {
      rest =
        attemptsLeft > 0
          ? ` ${attemptsLeft} attempt${attemptsLeft === 1 ? '' : 's'} left.`
          : ' No attempts are left; request a new one.';
    }
    return new MatrixError('M_TOKEN_INCORRECT', 400, `The token is incorrect.${rest}`);
  }

  static sessionExpired(expiry: ExpiryReason): MatrixError {
    return new MatrixError('M_SESSION_EXPIRED', 400, EXPIRY_MESSAGES[expiry], { expiry });
  }

  static sessionNotValidated(): MatrixError {
    return new MatrixError(
      'M_SESSION_NOT_VALIDATED',
      400,
      'This validation session has not been completed yet.',
    );
  }

  /** Deliberately the same for an unknown sid and for a wrong client_secret. */
  static noValidSession(): MatrixError {
    return new MatrixError(
      'M_NO_VALID_SESSION',
      404,
      'No valid session was found for that sid and client_secret.',
    );
  }

  static deliveryFailed(medium: 'email' | 'msisdn', permanent: boolean, cause: unknown): MatrixError {
    const errcode = medium === 'email' ? 'M_EMAIL_SEND_ERROR' : 'M_SEND_ERROR';
    const what = medium === 'email' ? 'email' : 'text message';
    return permanent
      ? new MatrixError(errcode, 400, `The ${what} could not be delivered to this address.`, { cause })
      : new MatrixError(errcode, 500, `The ${what} could not be sent. Try again later.`, { cause });
  }
}

/**
 * Thrown by email and SMS adapters when the provider refuses or fails a send. `permanent` means
 * the address itself was refused (retrying will not help); otherwise the failure is on our side.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  /**
   * The provider's name for the failure (`MessageRejected`, `Throttling`, `TimeoutError`), as
   * delivery failures are counted by it: letters and digits only, else `Other`.
   */
  readonly errorClass: string;

  constructor(
    readonly permanent: boolean,
    message: string,
    options: { cause?: unknown; errorClass?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errorClass = errorClassOf(options.errorClass);
  }
}

/** A provider's error name, fit to be a metric dimension: a bounded word, never free text. */
export function errorClassOf(name: string | undefined): string {
  if (name === undefined) return 'Unknown';
  return /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name) ? name : 'Other';
}
