import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/local-server.js';
import { quietLogger, sdkErrorOf } from '../helpers/sdk.js';
import { type SynapseStandIn, startSynapseStandIn } from '../helpers/synapse-stand-in.js';

/**
 * The service in front of an unchanged Synapse (the stand-in), as deployed: it serves its routes,
 * hands every other request to Synapse, asks Synapse's admin API who an address belongs to, and
 * completes password resets through it; Synapse calls it as its msisdn delegate. matrix-js-sdk,
 * unchanged, makes the calls Element makes.
 */

const ALICE_PASSWORD = 'the old password of alice';
type LoginIdentifier = NonNullable<Parameters<MatrixClient['loginRequest']>[0]['identifier']>;

describe('in front of Synapse', () => {
  let synapse: SynapseStandIn;
  let server: TestServer;
  /** A logged-out client of the service, as on Element's forgot-password screen. */
  let client: MatrixClient;
  let alice: string;

  beforeAll(async () => {
    synapse = await startSynapseStandIn();
    server = await startTestServer({
      HOMESERVER_URL: synapse.url,
      SYNAPSE_ADMIN_TOKEN: synapse.adminToken,
      SERVER_NAME: 'example.org',
    });
    // account_threepid_delegates.msisdn: the service, without a trailing slash.
    synapse.configure({ delegate: server.url.replace(/\/$/, ''), publicBaseUrl: `${synapse.url}/` });
    alice = synapse.addUser('alice', ALICE_PASSWORD);
    synapse.bind('email', 'alice@example.org', alice);
    synapse.bind('msisdn', '447400123456', alice);
    client = createClient({ baseUrl: server.url, logger: quietLogger });
  });
  afterEach(() => {
    synapse.setAdminApi('up');
    // Synapse was never asked anything it would not have answered: every address canonical, every call authenticated.
    expect(synapse.violations).toEqual([]);
  });
  afterAll(async () => {
    client.stopClient();
    await server.close();
    await synapse.close();
  });

  const confirmLink = async (email: string) => {
    const link = await server.lastLink(email);
    // The link carries the sid and the token only, never the client_secret.
    expect([...link.searchParams.keys()].sort()).toEqual(['sid', 'token']);
    const confirmed = await server.send('POST', link.pathname, { body: link.searchParams });
    expect(confirmed.status).toBe(200);
  };
  const messagesSent = async () => ((await server.get('/_local/outbox')).json.messages as unknown[]).length;
  /** Where the service's submit_url points, on the test server (submit_url names the public base URL). */
  const onServer = (url: string | undefined) => new URL(new URL(url ?? '').pathname, server.url).href;
  const loginAs = (identifier: LoginIdentifier, password: string) =>
    client.loginRequest({ type: 'm.login.password', identifier, password });

  /** `/register` as Element does it: the 401 for a UIA session, then the msisdn stage with the validated session. */
  const registerWithPhone = async (
    via: MatrixClient,
    username: string,
    creds: { sid: string; client_secret: string },
  ) => {
    const password = `the password of ${username}`;
    const challenge = await sdkErrorOf(via.registerRequest({ username, password }));
    return via.registerRequest({
      username,
      password,
      auth: { type: 'm.login.msisdn', session: challenge.data.session, threepid_creds: creds },
    });
  };

  it('hands every request it does not serve to Synapse: GET /_matrix/client/versions', async () => {
    const versions = await client.getVersions();
    expect(versions.versions).toContain('v1.12');
    expect(synapse.requests.at(-1)).toMatchObject({
      method: 'GET',
      url: '/_matrix/client/versions',
      headers: expect.objectContaining({ 'x-forwarded-for': '127.0.0.1' }),
    });
  });

  describe('the password reset by email', () => {
    const secret = 'email-reset-secret';
    let sid: string;
    const auth = () => ({
      type: 'm.login.email.identity',
      threepid_creds: { sid, client_secret: secret },
      threepidCreds: { sid, client_secret: secret },
    });

    it('offers both flows to a client without auth, as Synapse answers', async () => {
      const challenge = await server.post('/_matrix/client/v3/account/password', {
        new_password: 'whatever it is',
      });
      expect([challenge.status, challenge.json]).toEqual([
        401,
        {
          flows: [{ stages: ['m.login.email.identity'] }, { stages: ['m.login.msisdn'] }],
          params: {},
          session: expect.any(String),
        },
      ]);
    });

    it('asks Synapse whether the address has an account before it sends anything', async () => {
      const error = await sdkErrorOf(client.requestPasswordEmailToken('nobody@example.org', secret, 1));
      expect([error.httpStatus, error.errcode]).toEqual([400, 'M_THREEPID_NOT_FOUND']);
      ({ sid } = await client.requestPasswordEmailToken('Alice@Example.ORG', secret, 1));
      expect(synapse.lookups.slice(-2)).toEqual([
        { medium: 'email', address: 'nobody@example.org' },
        { medium: 'email', address: 'alice@example.org' },
      ]);
    });

    it('answers 401 M_UNAUTHORIZED while the link is not followed, so Element keeps polling', async () => {
      const error = await sdkErrorOf(client.setPassword(auth(), 'the new password of alice', true));
      expect([error.httpStatus, error.errcode]).toEqual([401, 'M_UNAUTHORIZED']);
      expect(error.data.flows).toEqual([
        { stages: ['m.login.email.identity'] },
        { stages: ['m.login.msisdn'] },
      ]);
      expect(synapse.resets).toEqual([]);
    });

    it('refuses a password shorter than PASSWORD_MIN_LENGTH once the link is followed', async () => {
      await confirmLink('alice@example.org');
      const error = await sdkErrorOf(client.setPassword(auth(), 'short', true));
      expect([error.httpStatus, error.errcode]).toEqual([400, 'M_PASSWORD_TOO_SHORT']);
    });

    it('resets the password of the right account through the admin API, then the new one logs in', async () => {
      await expect(client.setPassword(auth(), 'the new password of alice', true)).resolves.toEqual({});
      expect(synapse.resets).toEqual([
        { userId: alice, newPassword: 'the new password of alice', logoutDevices: true },
      ]);
      await expect(
        loginAs(
          { type: 'm.id.thirdparty', medium: 'email', address: 'alice@example.org' },
          'the new password of alice',
        ),
      ).resolves.toMatchObject({ user_id: alice });
      const old = await sdkErrorOf(loginAs({ type: 'm.id.user', user: 'alice' }, ALICE_PASSWORD));
      expect(old.httpStatus).toBe(403);
    });

    it('refuses the same session the second time', async () => {
      const error = await sdkErrorOf(client.setPassword(auth(), 'yet another password', true));
      expect([error.httpStatus, error.errcode]).toEqual([401, 'M_UNAUTHORIZED']);
      expect(error.message).toContain('already been used');
      expect(synapse.resets).toHaveLength(1);
    });

    it('never lets the homeserver read a reset session: it is used up here', async () => {
      const validated = await server.get('/_matrix/identity/api/v1/3pid/getValidated3pid', {
        sid,
        client_secret: secret,
      });
      expect([validated.status, validated.json.errcode]).toEqual([404, 'M_NO_VALID_SESSION']);
    });

    it('never sent Synapse an unauthenticated password request: the service answered them all', () => {
      const toSynapse = synapse.requests.filter((request) => request.url.endsWith('/account/password'));
      expect(toSynapse).toEqual([]);
    });
  });

  it('resets a password by SMS, which Synapse itself cannot do', async () => {
    const secret = 'sms-reset-secret';
    const response = await client.requestPasswordMsisdnToken(
      'GB',
      '07400 123456',
      secret,
      1,
      'https://app.example.org/#/login',
    );
    expect(response.msisdn).toBe('447400123456');
    const code = await server.lastCode('+447400123456');
    await client.submitMsisdnTokenOtherUrl(onServer(response.submit_url), response.sid, secret, code);
    const auth = { type: 'm.login.msisdn', threepid_creds: { sid: response.sid, client_secret: secret } };
    await expect(client.setPassword(auth, 'a password from my phone', false)).resolves.toEqual({});
    expect(synapse.resets.at(-1)).toEqual({
      userId: alice,
      newPassword: 'a password from my phone',
      logoutDevices: false,
    });
    expect(synapse.lookups.at(-1)).toEqual({ medium: 'msisdn', address: '447400123456' });
  });

  it('hands a logged-in password change to Synapse unchanged, access token and all', async () => {
    const { access_token: accessToken } = await loginAs(
      { type: 'm.id.user', user: 'alice' },
      'a password from my phone',
    );
    const loggedIn = createClient({ baseUrl: server.url, accessToken, userId: alice, logger: quietLogger });
    const resets = synapse.resets.length;
    await loggedIn.setPassword(
      {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: alice },
        password: 'a password from my phone',
      },
      'changed while logged in',
    );
    expect(synapse.passwordOf(alice)).toBe('changed while logged in');
    expect(synapse.resets).toHaveLength(resets);
    expect(synapse.requests.at(-1)).toMatchObject({
      method: 'POST',
      url: '/_matrix/client/v3/account/password',
      headers: expect.objectContaining({ authorization: `Bearer ${accessToken}` }),
    });
    // Synapse's own answers come back as they are: a wrong current password is its 403.
    const wrong = await sdkErrorOf(
      loggedIn.setPassword(
        { type: 'm.login.password', password: 'not the password' },
        'changed again, wrongly',
      ),
    );
    expect([wrong.httpStatus, wrong.errcode]).toEqual([403, 'M_FORBIDDEN']);
    loggedIn.stopClient();
  });

  describe('when Synapse cannot say who an address belongs to', () => {
    const requestReset = () =>
      server.post('/_matrix/client/v3/account/password/email/requestToken', {
        email: 'alice@example.org',
        client_secret: 'down-secret',
        send_attempt: 1,
      });

    it('answers 503 with Retry-After and sends nothing when it answers errors', async () => {
      synapse.setAdminApi('failing');
      const before = await messagesSent();
      const reset = await requestReset();
      expect([reset.status, reset.json.errcode, reset.headers.get('retry-after')]).toEqual([
        503,
        'M_UNKNOWN',
        '5',
      ]);
      const error = await sdkErrorOf(
        client.requestRegisterMsisdnToken('GB', '07400 555001', 'down-secret', 1),
      );
      expect([error.httpStatus, error.errcode]).toEqual([503, 'M_UNKNOWN']);
      expect(await messagesSent()).toBe(before);
    });

    it('answers the same within its timeout when it does not answer at all', async () => {
      synapse.setAdminApi('hanging');
      const before = await messagesSent();
      const reset = await requestReset();
      expect([reset.status, reset.json.errcode]).toEqual([503, 'M_UNKNOWN']);
      expect(await messagesSent()).toBe(before);
    });
  });

  it('answers M_THREEPID_IN_USE for a number Synapse has bound, and sends nothing', async () => {
    const before = await messagesSent();
    const error = await sdkErrorOf(
      client.requestRegisterMsisdnToken('GB', '07400 123456', 'in-use-secret', 1),
    );
    expect([error.httpStatus, error.errcode]).toEqual([400, 'M_THREEPID_IN_USE']);
    expect(await messagesSent()).toBe(before);
  });

  it('registers with a phone number validated here: Synapse reads it back through getValidated3pid', async () => {
    const secret = 'fronted-register-secret';
    const response = await client.requestRegisterMsisdnToken('GB', '07400 999001', secret, 1);
    const code = await server.lastCode('+447400999001');
    await client.submitMsisdnTokenOtherUrl(onServer(response.submit_url), response.sid, secret, code);
    const registered = await registerWithPhone(client, 'bob', { sid: response.sid, client_secret: secret });
    expect(registered.user_id).toBe('@bob:example.org');
    expect(synapse.threepids).toContainEqual(
      expect.objectContaining({ medium: 'msisdn', address: '447400999001', userId: '@bob:example.org' }),
    );
    expect(synapse.delegateCalls.at(-1)).toMatchObject({
      method: 'GET',
      status: 200,
      response: { medium: 'msisdn', address: '447400999001', validated_at: expect.any(Number) },
    });
  });

  it('registers by phone through the delegate, the client talking to Synapse alone', async () => {
    const direct = createClient({ baseUrl: synapse.url, logger: quietLogger });
    const secret = 'delegate-register-secret';
    const calls = synapse.delegateCalls.length;
    const response = await direct.requestRegisterMsisdnToken('GB', '07400 999002', secret, 1);
    // Call 1, exactly as Synapse makes it; Synapse hands the whole answer back with its own submit_url.
    expect(synapse.delegateCalls[calls]).toEqual({
      method: 'POST',
      url: `${server.url.replace(/\/$/, '')}/_matrix/identity/api/v1/validate/msisdn/requestToken`,
      body: { country: 'GB', phone_number: '07400 999002', client_secret: secret, send_attempt: 1 },
      status: 200,
      response: { success: true, sid: response.sid, msisdn: '447400999002', intl_fmt: '+44 7400 999002' },
    });
    expect(response.submit_url).toBe(
      `${synapse.url}/_matrix/client/unstable/add_threepid/msisdn/submit_token`,
    );
    const code = await server.lastCode('+447400999002');
    // Call 2, through Synapse's submit_url.
    await expect(
      direct.submitMsisdnTokenOtherUrl(response.submit_url ?? '', response.sid, secret, code),
    ).resolves.toEqual({
      success: true,
    });
    const registered = await registerWithPhone(direct, 'carol', { sid: response.sid, client_secret: secret });
    // Call 3: the `"medium" in data` check passes, and the number is bound as Synapse stores it.
    expect(registered.user_id).toBe('@carol:example.org');
    expect(synapse.threepids).toContainEqual(
      expect.objectContaining({ medium: 'msisdn', address: '447400999002', userId: '@carol:example.org' }),
    );
    expect(
      synapse.delegateCalls
        .slice(calls)
        .map((call) => `${call.method} ${new URL(call.url).pathname} ${call.status}`),
    ).toEqual([
      'POST /_matrix/identity/api/v1/validate/msisdn/requestToken 200',
      'POST /_matrix/identity/api/v1/validate/msisdn/submitToken 200',
      'GET /_matrix/identity/api/v1/3pid/getValidated3pid 200',
    ]);
    direct.stopClient();
  });

  it('passes a wrong code back through Synapse as its 400', async () => {
    const direct = createClient({ baseUrl: synapse.url, logger: quietLogger });
    const response = await direct.requestRegisterMsisdnToken('GB', '07400 999003', 'wrong-code-secret', 1);
    const error = await sdkErrorOf(
      direct.submitMsisdnTokenOtherUrl(
        response.submit_url ?? '',
        response.sid,
        'wrong-code-secret',
        '000000',
      ),
    );
    expect([error.httpStatus, error.errcode]).toEqual([400, 'M_UNKNOWN']);
    expect(synapse.delegateCalls.at(-1)).toMatchObject({
      status: 400,
      response: expect.objectContaining({ errcode: 'M_TOKEN_INCORRECT' }),
    });
    direct.stopClient();
  });

  it('adds an email to an account: validated here, bound by Synapse through getValidated3pid', async () => {
    const { access_token: accessToken } = await loginAs(
      { type: 'm.id.user', user: 'bob' },
      'the password of bob',
    );
    const bob = createClient({
      baseUrl: server.url,
      accessToken,
      userId: '@bob:example.org',
      logger: quietLogger,
    });
    const secret = 'add-email-secret';
    const { sid } = await bob.requestAdd3pidEmailToken('Bob@Example.org', secret, 1);
    await confirmLink('bob@example.org');
    // The re-authentication Element's InteractiveAuth sends; the SDK's type names only `type`.
    const auth = {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'bob' },
      password: 'the password of bob',
    };
    await bob.addThreePidOnly({ sid, client_secret: secret, auth });
    expect((await bob.getThreePids()).threepids).toContainEqual(
      expect.objectContaining({ medium: 'email', address: 'bob@example.org' }),
    );
    bob.stopClient();
  });

  it('accepts the delegate calls with a form body too, as the identity API allows', async () => {
    const form = await server.send('POST', '/_matrix/identity/api/v1/validate/msisdn/requestToken', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        country: 'GB',
        phone_number: '07400999004',
        client_secret: 'form-secret',
        send_attempt: '1',
      }),
    });
    expect([form.status, form.json]).toEqual([
      200,
      { success: true, sid: expect.any(String), msisdn: '447400999004', intl_fmt: '+44 7400 999004' },
    ]);
  });
});

describe('in front of Synapse without an admin token', () => {
  let synapse: SynapseStandIn;
  let server: TestServer;

  beforeAll(async () => {
    synapse = await startSynapseStandIn();
    server = await startTestServer({ HOMESERVER_URL: synapse.url });
  });
  afterAll(async () => {
    await server.close();
    await synapse.close();
  });

  it('leaves the password reset to Synapse, requestTokens included, so no message is sent for nothing', async () => {
    const reset = await server.post('/_matrix/client/v3/account/password', {});
    expect(reset.json.flows).toEqual([{ stages: ['m.login.email.identity'] }]);
    for (const medium of ['email', 'msisdn']) {
      await server.post(`/_matrix/client/v3/account/password/${medium}/requestToken`, {});
    }
    expect(synapse.requests.map((request) => request.url)).toEqual([
      '/_matrix/client/v3/account/password',
      '/_matrix/client/v3/account/password/email/requestToken',
      '/_matrix/client/v3/account/password/msisdn/requestToken',
    ]);
  });

  it('leaves email registration to Synapse, which checks email sessions in its own database', async () => {
    await server.post('/_matrix/client/r0/register/email/requestToken', { email: 'new@example.org' });
    expect(synapse.requests.at(-1)?.url).toBe('/_matrix/client/r0/register/email/requestToken');
  });
});
