import { describe, expect, it } from 'vitest';
import { createLogger } from '../../functions/composition.js';
import type { PasswordResetOutcome, PasswordResetRequest } from '../../functions/core/reset-password.js';
import { makeAccountPasswordHandler } from '../../functions/handlers/account-password.js';
import { jsonResponse } from '../../functions/http/responses.js';
import { httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';

/**
 * POST …/account/password as user-interactive auth: what the handler answers for each shape of
 * request, over a fake reset. The reset itself is test/core/reset-password.test.ts; against a
 * Synapse stand-in, test/e2e/synapse.test.ts.
 */
function handlerWith(outcome: PasswordResetOutcome = { kind: 'reset' }) {
  const resets: PasswordResetRequest[] = [];
  const forwarded: string[] = [];
  const handler = makeAccountPasswordHandler({
    resetPassword: async (request) => {
      resets.push(request);
      return outcome;
    },
    forward: async (event) => {
      forwarded.push(event.rawPath);
      return jsonResponse(200, { forwarded: true });
    },
    logger: createLogger({ logLevel: 'SILENT' }),
  });
  const post = async (
    body: unknown,
    extra: { headers?: Record<string, string>; query?: Record<string, string> } = {},
  ) => {
    const response = await handler(
      httpEvent({ path: '/_matrix/client/v3/account/password', body, ...extra }),
      lambdaContext('accountPassword'),
    );
    return { status: response.statusCode, json: parseJsonBody(response) };
  };
  return { post, resets, forwarded };
}

const CREDS = { sid: 'sid-1', client_secret: 'secret-1' };
const FLOWS = [{ stages: ['m.login.email.identity'] }, { stages: ['m.login.msisdn'] }];

describe('POST /account/password', () => {
  it('answers 401 with the flows and a session when there is no auth', async () => {
    const { post, resets } = handlerWith();
    const { status, json } = await post({ new_password: 'a long new password' });
    expect(status).toBe(401);
    expect(json).toEqual({ flows: FLOWS, params: {}, session: expect.any(String) });
    expect(resets).toEqual([]);
  });

  it('keeps the session the client gave while it polls', async () => {
    const { post } = handlerWith({ kind: 'not-validated' });
    const { status, json } = await post({
      auth: { type: 'm.login.email.identity', session: 'uia-1', threepid_creds: CREDS },
    });
    expect([status, json.session, json.errcode]).toEqual([401, 'uia-1', 'M_UNAUTHORIZED']);
  });

  it('passes the credentials, the new password and logout_devices (default true) to the reset', async () => {
    const { post, resets } = handlerWith();
    expect(
      (await post({ new_password: 'p', auth: { type: 'm.login.msisdn', threepid_creds: CREDS } })).status,
    ).toBe(200);
    await post({
      new_password: 'p',
      logout_devices: false,
      auth: { type: 'm.login.msisdn', threepidCreds: CREDS },
    });
    expect(resets).toEqual([
      { sid: 'sid-1', clientSecret: 'secret-1', newPassword: 'p', logoutDevices: true },
      { sid: 'sid-1', clientSecret: 'secret-1', newPassword: 'p', logoutDevices: false },
    ]);
  });

  it('answers a refused session 401 M_UNAUTHORIZED, with the reason', async () => {
    const { post } = handlerWith({ kind: 'refused', reason: 'This session has already been used.' });
    const { status, json } = await post({ auth: { type: 'm.login.email.identity', threepid_creds: CREDS } });
    expect([status, json.errcode, json.error]).toEqual([
      401,
      'M_UNAUTHORIZED',
      'This session has already been used.',
    ]);
  });

  it('offers the flows again for a stage it does not offer', async () => {
    const { post, resets } = handlerWith();
    const { status, json } = await post({ auth: { type: 'm.login.password', password: 'x' } });
    expect([status, json.errcode, json.flows]).toEqual([401, 'M_UNAUTHORIZED', FLOWS]);
    expect(resets).toEqual([]);
  });

  it.each([
    ['auth that is not an object', { auth: 'email' }, 400, 'M_BAD_JSON'],
    ['a stage without threepid_creds', { auth: { type: 'm.login.email.identity' } }, 400, 'M_MISSING_PARAM'],
    [
      'a new_password that is not text',
      { new_password: 12, auth: { type: 'm.login.msisdn', threepid_creds: CREDS } },
      400,
      'M_BAD_JSON',
    ],
    [
      'logout_devices that is not true or false',
      { logout_devices: 'yes', auth: { type: 'm.login.msisdn', threepid_creds: CREDS } },
      400,
      'M_BAD_JSON',
    ],
    ['a body that is not JSON', 'not json', 400, 'M_NOT_JSON'],
  ])('refuses %s with its errcode', async (_, body, status, errcode) => {
    const { post, resets } = handlerWith();
    const response = await post(body);
    expect([response.status, response.json.errcode]).toEqual([status, errcode]);
    expect(resets).toEqual([]);
  });

  it('hands a request with an access token to the homeserver, by header or by query', async () => {
    const { post, forwarded, resets } = handlerWith();
    expect((await post({ auth: {} }, { headers: { Authorization: 'Bearer syt_x' } })).json).toEqual({
      forwarded: true,
    });
    expect((await post({}, { query: { access_token: 'syt_x' } })).json).toEqual({ forwarded: true });
    expect(forwarded).toHaveLength(2);
    expect(resets).toEqual([]);
  });
});
