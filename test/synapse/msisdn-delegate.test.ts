/**
 * The service as Synapse's `account_threepid_delegates.msisdn`, with no module involved: Synapse
 * asks the service's /_matrix/identity/api/v1/3pid/getValidated3pid whether a session is
 * validated. The clients talk to the service for the requestToken and submitToken steps, as they
 * do when those routes are sent to the service.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/local-server.js';
import { matrix } from '../helpers/synapse/matrix.js';
import { type Synapse, startSynapse } from '../helpers/synapse/synapse.js';

const python = inject('synapsePython');

describe.runIf(python)('Synapse with the service as its msisdn delegate', () => {
  let service: TestServer;
  let synapse: Synapse;
  beforeAll(async () => {
    service = await startTestServer();
    synapse = await startSynapse({
      python,
      moduleSecret: randomBytes(32).toString('hex'),
      delegateUrl: service.url.replace(/\/$/, ''),
      requireThreepids: ['msisdn'],
    });
  });
  afterAll(async () => {
    await synapse?.stop();
    await service?.close();
  });

  const client = (method: string, path: string, body?: unknown, token?: string) =>
    matrix(synapse.url, method, `/_matrix/client/v3${path}`, body, token);
  const admin = (path: string) =>
    matrix(synapse.url, 'GET', `/_synapse/admin${path}`, undefined, synapse.adminToken);
  let counter = 0;

  /** A phone session validated at the service with the texted code. */
  const validatedPhone = async (flow: 'register' | 'account/3pid') => {
    const secret = randomBytes(12).toString('hex');
    const phone_number = `07400 ${String(100_000 + ++counter).slice(-6)}`;
    const requested = await service.post(`/_matrix/client/v3/${flow}/msisdn/requestToken`, {
      client_secret: secret,
      country: 'GB',
      phone_number,
      send_attempt: 1,
    });
    expect(requested.status).toBe(200);
    const { sid, msisdn } = requested.json as { sid: string; msisdn: string };
    const submitted = await service.post('/_matrix/client/v3/validate/msisdn/submitToken', {
      sid,
      client_secret: secret,
      token: await service.lastCode(`+${msisdn}`),
    });
    expect(submitted.json).toEqual({ success: true });
    return { sid, client_secret: secret, msisdn };
  };

  it('offers phone registration flows', async () => {
    const first = await client('POST', '/register', {});
    expect(first.status).toBe(401);
    expect(first.json.flows).toEqual([
      { stages: ['m.login.msisdn'] },
      { stages: ['m.login.msisdn', 'm.login.email.identity'] },
    ]);
  });

  it('registers an account with a phone number the service validated', async () => {
    const phone = await validatedPhone('register');
    const username = `phone${randomBytes(4).toString('hex')}`;
    const first = await client('POST', '/register', { username, password: 'a long enough password' });

    const registered = await client('POST', '/register', {
      username,
      password: 'a long enough password',
      auth: {
        type: 'm.login.msisdn',
        session: first.json.session,
        threepid_creds: { sid: phone.sid, client_secret: phone.client_secret },
      },
    });

    expect(registered.status).toBe(200);
    const user = await admin(`/v2/users/${encodeURIComponent(String(registered.json.user_id))}`);
    expect(user.json.threepids).toEqual([
      expect.objectContaining({ medium: 'msisdn', address: phone.msisdn }),
    ]);
    const owner = await admin(`/v1/threepid/msisdn/users/${phone.msisdn}`);
    expect(owner.json).toEqual({ user_id: registered.json.user_id });
  });

  it('refuses a phone session the service has not validated', async () => {
    const requested = await service.post('/_matrix/client/v3/register/msisdn/requestToken', {
      client_secret: 'unvalidated-secret',
      country: 'GB',
      phone_number: '07400 999999',
      send_attempt: 1,
    });
    const first = await client('POST', '/register', {
      username: 'nobody',
      password: 'a long enough password',
    });
    const refused = await client('POST', '/register', {
      username: 'nobody',
      password: 'a long enough password',
      auth: {
        type: 'm.login.msisdn',
        session: first.json.session,
        threepid_creds: { sid: requested.json.sid, client_secret: 'unvalidated-secret' },
      },
    });
    expect(refused.status).toBe(401);
    expect(refused.json.errcode).toBe('M_UNAUTHORIZED');
  });

  it('adds a phone number the service validated to an account, with /account/3pid/add', async () => {
    const localpart = `add${randomBytes(4).toString('hex')}`;
    const account = await synapse.registerUser(localpart, 'the password');
    const phone = await validatedPhone('account/3pid');
    const creds = { sid: phone.sid, client_secret: phone.client_secret };
    const first = await client('POST', '/account/3pid/add', creds, account.accessToken);
    const auth = {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: localpart },
      password: 'the password',
      session: first.json.session,
    };

    const added = await client('POST', '/account/3pid/add', { ...creds, auth }, account.accessToken);

    expect(added).toEqual({ status: 200, json: {} });
    const listed = await client('GET', '/account/3pid', undefined, account.accessToken);
    expect(listed.json.threepids).toEqual([
      expect.objectContaining({ medium: 'msisdn', address: phone.msisdn }),
    ]);
  });
});
