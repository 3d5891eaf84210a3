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

export function makeGetValidatedThreepid(deps: SessionLookupDeps): GetValidatedThreepid {
  const find = makeSessionLookup(deps);
  return async (sid, clientSecret) => {
    const { session, status } = await find({ sid, clientSecret });
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
