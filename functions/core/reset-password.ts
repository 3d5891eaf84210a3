/**
 * Password reset, completed by the service itself: a validated `password_reset` session (by email
 * or by SMS) is used up, in one conditional write, and the homeserver's admin API sets the new
 * password of the account the address belongs to. Synapse cannot reset a password by SMS at all,
 * and checks email sessions only in its own database; this is how both work with it.
 */
import { MatrixError } from './errors.js';
import type { Session } from './model.js';
import type { ValidationPolicy } from './policy.js';
import type { AccountAdmin, Clock, Logger, SecretHasher, SessionStore, ThreepidDirectory } from './ports.js';
import { sessionLogger } from './session-log.js';
import { rulesFor } from './session-state.js';
import { makeSessionLookup } from './sessions.js';

export interface PasswordResetRequest {
  /** The validated session, as user-interactive auth gives it (`threepid_creds`). */
  readonly sid: string;
  readonly clientSecret: string;
  /** Undefined while a client only polls whether the session is validated yet. */
  readonly newPassword: string | undefined;
  readonly logoutDevices: boolean;
}

/** Why the session does not authenticate (yet): answered as user-interactive auth answers. */
export type PasswordResetOutcome =
  | { readonly kind: 'reset' }
  | { readonly kind: 'not-validated' }
  | { readonly kind: 'refused'; readonly reason: string };

export type ResetPassword = (request: PasswordResetRequest) => Promise<PasswordResetOutcome>;

export interface ResetPasswordDeps {
  readonly store: Pick<SessionStore, 'load' | 'consume' | 'save'>;
  readonly directory: ThreepidDirectory;
  readonly accounts: AccountAdmin;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  readonly policy: ValidationPolicy;
  /** The shortest new password accepted: the admin API checks no password policy of its own. */
  readonly passwordMinLength: number;
}

export function makeResetPassword(deps: ResetPasswordDeps): ResetPassword {
  const find = makeSessionLookup(deps);
  const log = sessionLogger(deps.logger, deps.hasher);

  /** Undoes a use that led to no reset, so the person can try again with the same session. */
  const restore = async (session: Session) => {
    const restored = await deps.store.save({ ...session, version: session.version + 2 }, session.version + 1);
    if (!restored) log('warn', 'Session changed before it could be restored', session);
  };

  return async (request) => {
    let found: Awaited<ReturnType<typeof find>>;
    try {
      found = await find({ sid: request.sid, clientSecret: request.clientSecret });
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_NO_VALID_SESSION') {
        return { kind: 'refused', reason: 'No validated session matches these credentials.' };
      }
      throw error;
    }
    const { session, status } = found;
    if (session.purpose !== 'password_reset') {
      return { kind: 'refused', reason: 'This session was not for a password reset.' };
    }
    const rule = rulesFor(status).onConsume;
    if (rule === 'not-yet-validated') return { kind: 'not-validated' };
    if (typeof rule === 'object') {
      return {
        kind: 'refused',
        reason: MatrixError.sessionExpired(rule.refuse === 'expired' ? rule.reason : 'consumed').message,
      };
    }
    if (request.newPassword === undefined) {
      throw new MatrixError('M_MISSING_PARAM', 400, 'Missing parameter(s): new_password.');
    }
    if ([...request.newPassword].length < deps.passwordMinLength) {
      throw MatrixError.passwordTooShort(deps.passwordMinLength);
    }
    const userId = await deps.directory.findUserId(session.threepid);
    if (userId === undefined) {
      throw new MatrixError('M_NOT_FOUND', 404, 'No account uses this address any more.');
    }
    if (!(await deps.store.consume(session.key, session.version, deps.clock.now()))) {
      return { kind: 'refused', reason: MatrixError.sessionExpired('consumed').message };
    }
    try {
      await deps.accounts.resetPassword(userId, request.newPassword, request.logoutDevices);
    } catch (error) {
      await restore(session);
      throw error;
    }
    log('info', 'Password reset', session, { logoutDevices: request.logoutDevices });
    return { kind: 'reset' };
  };
}
