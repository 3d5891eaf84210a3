import type { Session } from './model.js';
import type { Logger, SecretHasher } from './ports.js';

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * Logs about one session. Addresses appear only as a keyed fingerprint; a token, a client_secret
 * or a raw address is never logged.
 */
export function sessionLogger(logger: Logger, hasher: SecretHasher) {
  return (level: LogLevel, message: string, session: Session, extra: Record<string, unknown> = {}) => {
    logger[level](message, {
      purpose: session.purpose,
      medium: session.threepid.medium,
      threepid: hasher.digest('log-fingerprint', session.threepid.address).slice(0, 12),
      ...extra,
    });
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
