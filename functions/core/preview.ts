/**
 * What the emailed link's page shows. It only reads: it never validates and never checks the
 * token, so a mail scanner that fetches the link changes nothing.
 */
import type { Purpose } from './model.js';
import { rulesFor } from './session-state.js';
import { makeSessionLookup, refusalError, type SessionLookupDeps } from './sessions.js';

export interface SessionPreview {
  readonly purpose: Purpose;
  readonly validated: boolean;
}

export type PreviewSession = (sid: string, clientSecret: string | undefined) => Promise<SessionPreview>;

export function makePreviewSession(deps: SessionLookupDeps): PreviewSession {
  const find = makeSessionLookup(deps);
  return async (sid, clientSecret) => {
    const { session, status } = await find({ sid, clientSecret, medium: 'email' });
    const rule = rulesFor(status).onPreview;
    if (typeof rule === 'object') throw refusalError(rule);
    return { purpose: session.purpose, validated: rule === 'show-confirmed' };
  };
}
