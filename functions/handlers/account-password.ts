import { randomUUID } from 'node:crypto';
import { MatrixError } from '../core/errors.js';
import type { ResetPassword } from '../core/reset-password.js';
import { jsonErrorResponse } from '../http/errors.js';
import { badJson } from '../http/http-errors.js';
import { type HttpEvent, httpPipeline, type PipelineDeps } from '../http/middleware.js';
import { jsonBody } from '../http/request.js';
import { type HttpResponse, jsonResponse } from '../http/responses.js';
import { requireRoute } from '../http/routes.js';

export interface AccountPasswordDeps extends PipelineDeps {
  readonly resetPassword: ResetPassword;
  /** Hands a request to the homeserver unchanged (a logged-in password change is its to check). */
  readonly forward: (event: HttpEvent) => Promise<HttpResponse>;
}

/** The stages that complete a password reset here: a validated email, or a validated phone number. */
const FLOWS = [{ stages: ['m.login.email.identity'] }, { stages: ['m.login.msisdn'] }];
const STAGES = new Set(FLOWS.flatMap((flow) => flow.stages));

/**
 * POST …/account/password. Without an access token it is a password reset, authenticated by
 * user-interactive auth with a validated `password_reset` session, as Synapse answers it: 401 with
 * the flows until a session is given, 401 `M_UNAUTHORIZED` while it is not validated yet (clients
 * poll), then the reset. With an access token it is a logged-in password change: the homeserver's.
 */
export function makeAccountPasswordHandler(deps: AccountPasswordDeps) {
  return httpPipeline({ ...deps, errors: jsonErrorResponse }, async (event) => {
    requireRoute(event, 'accountPassword');
    if (carriesAccessToken(event)) return deps.forward(event);
    const body = jsonBody(event);
    const auth = body.auth;
    const challenge = (session: unknown, failure?: string) =>
      jsonResponse(401, {
        flows: FLOWS,
        params: {},
        session: typeof session === 'string' && session !== '' ? session : randomUUID(),
        ...(failure === undefined ? {} : { errcode: 'M_UNAUTHORIZED', error: failure }),
      });
    if (auth === undefined || auth === null) return challenge(undefined);
    if (typeof auth !== 'object' || Array.isArray(auth)) throw badJson('auth must be an object.');
    const { type, session } = auth as Record<string, unknown>;
    if (typeof type !== 'string' || !STAGES.has(type))
      return challenge(session, 'This authentication type is not offered.');
    const creds = readCreds(auth as Record<string, unknown>);
    // As Synapse answers a stage without its credentials.
    if (!creds)
      throw new MatrixError('M_MISSING_PARAM', 400, 'Missing threepid_creds (sid and client_secret).');
    const newPassword = body.new_password;
    if (newPassword !== undefined && typeof newPassword !== 'string')
      throw badJson('new_password must be a string.');
    const logoutDevices = body.logout_devices;
    if (logoutDevices !== undefined && typeof logoutDevices !== 'boolean') {
      throw badJson('logout_devices must be true or false.');
    }
    const outcome = await deps.resetPassword({
      sid: creds.sid,
      clientSecret: creds.clientSecret,
      newPassword,
      logoutDevices: logoutDevices ?? true,
    });
    switch (outcome.kind) {
      case 'reset':
        return jsonResponse(200, {});
      case 'not-validated':
        return challenge(
          session,
          'This address has not been validated yet: follow the link, or enter the code.',
        );
      case 'refused':
        return challenge(session, outcome.reason);
      default:
        return outcome satisfies never;
    }
  });
}

/** Whether the request carries an access token: an Authorization header or the `access_token` query. */
function carriesAccessToken(event: HttpEvent): boolean {
  const authorization = Object.entries(event.headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'authorization',
  )?.[1];
  return (
    (authorization !== undefined && authorization.trim() !== '') ||
    new URLSearchParams(event.rawQueryString ?? '').has('access_token')
  );
}

/** `threepid_creds` (or the older `threepidCreds`) with a sid and a client_secret, as strings. */
function readCreds(auth: Record<string, unknown>): { sid: string; clientSecret: string } | undefined {
  const creds = (auth.threepid_creds ?? auth.threepidCreds) as Record<string, unknown> | undefined;
  const sid = creds?.sid;
  const clientSecret = creds?.client_secret ?? creds?.clientSecret;
  return typeof sid === 'string' && typeof clientSecret === 'string' ? { sid, clientSecret } : undefined;
}
