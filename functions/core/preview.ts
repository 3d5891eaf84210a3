/**
 * What the emailed link's page shows. It only reads: it never validates and never counts a guess,
 * so a mail scanner that fetches the link changes nothing. It shows the address only to whoever
 * holds a token the session sent (the link itself), never to whoever has just the sid.
 */
import { MatrixError } from './errors.js';
import type { Purpose } from './model.js';
import { assertToken } from './secrets.js';
import { sentToken } from './session-lifecycle.js';
import { rulesFor } from './session-state.js';
import { makeSessionLookup, refusalError, type SessionLookupDeps } from './sessions.js';

export type SessionPreview =
  | {
      /** Waiting for the button, or confirmed already (a second visit). */
      readonly state: 'ask-to-confirm' | 'confirmed';
      readonly purpose: Purpose;
      /** The address being confirmed, canonical. */
      readonly address: string;
      /** The session's language; undefined: the default. */
      readonly locale: string | undefined;
    }
  | {
      /** The session exists but can no longer be confirmed: the page explains `error`. */
      readonly state: 'refused';
      readonly error: MatrixError;
      readonly locale: string | undefined;
    };

export type PreviewSession = (
  sid: string,
  clientSecret: string | undefined,
  token: string,
) => Promise<SessionPreview>;

export function makePreviewSession(deps: SessionLookupDeps): PreviewSession {
  const find = makeSessionLookup(deps);
  return async (sid, clientSecret, token) => {
    assertToken(token);
    const { session, status } = await find({ sid, clientSecret, medium: 'email' });
    const { locale } = session;
    const rule = rulesFor(status).onPreview;
    if (typeof rule === 'object') return { state: 'refused', error: refusalError(rule), locale };
    if (!sentToken(session, token, deps.hasher)) {
      return { state: 'refused', error: MatrixError.tokenIncorrect(), locale };
    }
    return {
      state: rule === 'show-confirmed' ? 'confirmed' : 'ask-to-confirm',
      purpose: session.purpose,
      address: session.threepid.address,
      locale,
    };
  };
}
