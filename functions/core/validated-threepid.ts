/** getValidated3pid: the homeserver asks whether a session was validated, and for which address. */
import { MatrixError } from './errors.js';
import type { Medium, Purpose } from './model.js';
import { rulesFor, validatedAt } from './session-state.js';
import { makeSessionLookup, refusalError, type SessionLookupDeps } from './sessions.js';

export interface ValidatedThreepid {
  readonly medium: Medium;
  readonly address: string;
  readonly validatedAt: number;
  readonly purpose: Purpose;
}

export type GetValidatedThreepid = (sid: string, clientSecret: string) => Promise<ValidatedThreepid>;

/**
 * Whose validations a homeserver may read here. A password reset is completed by the service
 * itself (reset-password.ts), so no homeserver needs it, and Synapse would bind any session it is
 * shown through /account/3pid/add: such a session answers like an unknown one.
 */
const ANSWERED_TO_HOMESERVER: Record<Purpose, boolean> = {
  registration: true,
  add_threepid: true,
  delegated: true,
  password_reset: false,
};

export function makeGetValidatedThreepid(deps: SessionLookupDeps): GetValidatedThreepid {
  const find = makeSessionLookup(deps);
  return async (sid, clientSecret) => {
    const { session, status } = await find({ sid, clientSecret });
    if (!ANSWERED_TO_HOMESERVER[session.purpose]) throw MatrixError.noValidSession();
    const rule = rulesFor(status).onQuery;
    if (typeof rule === 'object') throw refusalError(rule);
    const validated = validatedAt(session);
    if (rule === 'not-yet-validated' || validated === undefined) throw MatrixError.sessionNotValidated();
    return {
      medium: session.threepid.medium,
      address: session.threepid.address,
      validatedAt: validated,
      purpose: session.purpose,
    };
  };
}
