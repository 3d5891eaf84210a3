/**
 * Every flow against a real Synapse, the local service in front of it (HOMESERVER_URL) as it is
 * deployed: matrix-js-sdk unchanged talks to the service, the service proxies what it does not
 * serve, asks Synapse's admin API who an address belongs to, resets passwords through it, and
 * copies email sessions into Synapse through the module; Synapse calls the service as its msisdn
 * delegate. Chromium follows the emailed links. The stand-in tests (test/e2e/synapse.test.ts) are
 * the fast layer; these are the proof.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHROMIUM_AVAILABLE, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';
import { freePort } from '../helpers/net.js';
import { quietLogger, sdkErrorOf } from '../helpers/sdk.js';
import { matrix } from '../helpers/synapse/matrix.js';
import { type Synapse, startSynapse } from '../helpers/synapse/synapse.js';

const python = inject('synapsePython');

describe.runIf(python && CHROMIUM_AVAILABLE)('every flow, with a real Synapse behind the service', () => {
  const moduleSecret = randomBytes(32).toString('hex');
  let synapse: Synapse;
  let service: TestServer;
  let browser: Browser;
  /** A logged-out client of the service, as Element is before it logs in. */
  let client: MatrixClient;

  beforeAll(async () => {
    // Each names the other: Synapse's delegate is the service, the service's homeserver is Synapse.
    // The service's port is chosen first, so Synapse can be started with it.
    const port = await freePort();
    synapse = await startSynapse({
      python,
      moduleSecret,
      requireThreepids: ['email'],
      delegateUrl: `http://127.0.0.1:${port}`,
    });
    service = await startTestServer({
      PORT: String(port),
      SERVER_NAME: 'synapse.test',
      HOMESERVER_URL: synapse.url,
      SYNAPSE_ADMIN_TOKEN: synapse.adminToken,
      SYNAPSE_MODULE_SECRET: moduleSecret,
    });
    client = createClient({ baseUrl: service.url, logger: quietLogger });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    client?.stopClient();
    await browser?.close();
    await service?.close();
    await synapse?.stop();
  });

  /** Opens the emailed link in Chromium and presses the button, as the person would. */
  const followLink = async (email: string) => {
    const link = await service.lastLink(email);
    const page = await browser.newPage();
    try {
      // The link names the public base URL (localhost); the service listens on 127.0.0.1.
      await page.goto(new URL(`${link.pathname}${link.search}`, service.url).href);
      await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button').click(),
      ]);
      expect(await page.content()).toContain('Email address confirmed');
    } finally {
      await page.close();
    }
  };
  const admin = (path: string) =>
    matrix(synapse.url, 'GET', `/_synapse/admin${path}`, undefined, synapse.adminToken);
  const threepidsOf = async (userId: string) =>
    (await admin(`/v2/users/${encodeURIComponent(userId)}`)).json.threepids as {
      medium: string;
      address: string;
    }[];
  const login = (user: string, password: string) =>
    client.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password });
  const submitOnService = (url: string | undefined) => new URL(new URL(url ?? '').pathname, service.url).href;

  it('registers with an email address: requestToken and the link here, /register on Synapse', async () => {
    const secret = client.generateClientSecret();
    const challenge = await sdkErrorOf(
      client.registerRequest({ username: 'ada', password: 'the password of ada' }),
    );
    expect(challenge.data.flows).toContainEqual({ stages: ['m.login.email.identity'] });
    const { sid } = await client.requestRegisterEmailToken('Ada@Example.org', secret, 1);
    await followLink('ada@example.org');
    const registered = await client.registerRequest({
      username: 'ada',
      password: 'the password of ada',
      auth: {
        type: 'm.login.email.identity',
        session: challenge.data.session,
        threepid_creds: { sid, client_secret: secret },
      },
    });
    expect(registered.user_id).toBe('@ada:synapse.test');
    expect(await threepidsOf('@ada:synapse.test')).toEqual([
      expect.objectContaining({ medium: 'email', address: 'ada@example.org' }),
    ]);
  });

  it('refuses a bound email on registration, asking Synapse, and an unbound one on reset', async () => {
    const taken = await sdkErrorOf(
      client.requestRegisterEmailToken('ada@example.org', client.generateClientSecret(), 1),
    );
    expect([taken.httpStatus, taken.errcode]).toEqual([400, 'M_THREEPID_IN_USE']);
    const unknown = await sdkErrorOf(
      client.requestPasswordEmailToken('nobody@example.org', client.generateClientSecret(), 1),
    );
    expect([unknown.httpStatus, unknown.errcode]).toEqual([400, 'M_THREEPID_NOT_FOUND']);
  });

  it('resets a password by email: 401 until the link is followed, then the new password logs in', async () => {
    const secret = client.generateClientSecret();
    const { sid } = await client.requestPasswordEmailToken('ada@example.org', secret, 1);
    const auth = { type: 'm.login.email.identity', threepid_creds: { sid, client_secret: secret } };
    const early = await sdkErrorOf(client.setPassword(auth, 'the new password of ada', true));
    expect([early.httpStatus, early.errcode]).toEqual([401, 'M_UNAUTHORIZED']);
    await followLink('ada@example.org');
    await expect(client.setPassword(auth, 'the new password of ada', true)).resolves.toEqual({});
    await expect(login('ada', 'the new password of ada')).resolves.toMatchObject({
      user_id: '@ada:synapse.test',
    });
    const old = await sdkErrorOf(login('ada', 'the password of ada'));
    expect(old.httpStatus).toBe(403);
  });

  it('registers with a phone number through the delegate, and an email: Synapse calls the service itself', async () => {
    // A client talking to Synapse alone; Synapse asks for both (its flow [msisdn, email.identity]).
    const direct = createClient({ baseUrl: synapse.url, logger: quietLogger });
    const phoneSecret = direct.generateClientSecret();
    const response = await direct.requestRegisterMsisdnToken('GB', '07400 123456', phoneSecret, 1);
    expect(response).toMatchObject({ msisdn: '447400123456', intl_fmt: '+44 7400 123456' });
    expect(response.submit_url).toBe(
      `${synapse.url}/_matrix/client/unstable/add_threepid/msisdn/submit_token`,
    );
    const code = await service.lastCode('+447400123456');
    await expect(
      direct.submitMsisdnTokenOtherUrl(response.submit_url ?? '', response.sid, phoneSecret, code),
    ).resolves.toEqual({ success: true });

    const challenge = await sdkErrorOf(
      direct.registerRequest({ username: 'bea', password: 'the password of bea' }),
    );
    expect(challenge.data.flows).toContainEqual({ stages: ['m.login.msisdn', 'm.login.email.identity'] });
    const session = challenge.data.session;
    const phoneDone = await sdkErrorOf(
      direct.registerRequest({
        username: 'bea',
        password: 'the password of bea',
        auth: {
          type: 'm.login.msisdn',
          session,
          threepid_creds: { sid: response.sid, client_secret: phoneSecret },
        },
      }),
    );
    expect(phoneDone.data.completed).toEqual(['m.login.msisdn']);

    // The email stage, validated at the service (the client may use either for requestToken).
    const emailSecret = client.generateClientSecret();
    const { sid } = await client.requestRegisterEmailToken('bea@example.org', emailSecret, 1);
    await followLink('bea@example.org');
    const registered = await direct.registerRequest({
      username: 'bea',
      password: 'the password of bea',
      auth: { type: 'm.login.email.identity', session, threepid_creds: { sid, client_secret: emailSecret } },
    });
    expect(registered.user_id).toBe('@bea:synapse.test');
    expect(await threepidsOf('@bea:synapse.test')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ medium: 'msisdn', address: '447400123456' }),
        expect.objectContaining({ medium: 'email', address: 'bea@example.org' }),
      ]),
    );
    direct.stopClient();
  });

  it('resets a password by SMS, which Synapse alone cannot do', async () => {
    const secret = client.generateClientSecret();
    const response = await client.requestPasswordMsisdnToken(
      'GB',
      '07400 123456',
      secret,
      1,
      'https://app.example.org/',
    );
    const code = await service.lastCode('+447400123456');
    await client.submitMsisdnTokenOtherUrl(submitOnService(response.submit_url), response.sid, secret, code);
    const auth = { type: 'm.login.msisdn', threepid_creds: { sid: response.sid, client_secret: secret } };
    await expect(client.setPassword(auth, 'a password from my phone', true)).resolves.toEqual({});
    await expect(login('bea', 'a password from my phone')).resolves.toMatchObject({
      user_id: '@bea:synapse.test',
    });
    expect((await sdkErrorOf(login('bea', 'the password of bea'))).httpStatus).toBe(403);
  });

  it('adds an email to a logged-in account', async () => {
    const { access_token: accessToken } = await login('bea', 'a password from my phone');
    const bea = createClient({
      baseUrl: service.url,
      accessToken,
      userId: '@bea:synapse.test',
      logger: quietLogger,
    });
    const secret = bea.generateClientSecret();
    const { sid } = await bea.requestAdd3pidEmailToken('Bea.Work@Example.org', secret, 1);
    await followLink('bea.work@example.org');
    const uia = await sdkErrorOf(bea.addThreePidOnly({ sid, client_secret: secret }));
    const auth = {
      type: 'm.login.password',
      session: uia.data.session,
      identifier: { type: 'm.id.user', user: 'bea' },
      password: 'a password from my phone',
    };
    await expect(bea.addThreePidOnly({ sid, client_secret: secret, auth })).resolves.toEqual({});
    expect(await threepidsOf('@bea:synapse.test')).toContainEqual(
      expect.objectContaining({ medium: 'email', address: 'bea.work@example.org' }),
    );
    bea.stopClient();
  });
});

describe.runIf(python && CHROMIUM_AVAILABLE)('with the module alone (no admin token)', () => {
  const moduleSecret = randomBytes(32).toString('hex');
  let synapse: Synapse;
  let service: TestServer;
  let client: MatrixClient;

  beforeAll(async () => {
    synapse = await startSynapse({ python, moduleSecret });
    service = await startTestServer({
      SERVER_NAME: 'synapse.test',
      HOMESERVER_URL: synapse.url,
      SYNAPSE_MODULE_SECRET: moduleSecret,
    });
    client = createClient({ baseUrl: service.url, logger: quietLogger });
  }, 120_000);
  afterAll(async () => {
    client?.stopClient();
    await service?.close();
    await synapse?.stop();
  });

  it('registers with an email, and leaves a taken address to Synapse’s own check at /register', async () => {
    const dan = await synapse.registerUser('dan', 'the password of dan');
    await matrix(
      synapse.url,
      'PUT',
      `/_synapse/admin/v2/users/${encodeURIComponent(dan.userId)}`,
      { threepids: [{ medium: 'email', address: 'dan@example.org' }] },
      synapse.adminToken,
    );
    const register = async (username: string, email: string) => {
      const secret = client.generateClientSecret();
      // Without the admin token the service cannot ask who has an address: it sends the email.
      const { sid } = await client.requestRegisterEmailToken(email, secret, 1);
      const link = await service.lastLink(email);
      expect((await service.send('POST', link.pathname, { body: link.searchParams })).status).toBe(200);
      const challenge = await sdkErrorOf(
        client.registerRequest({ username, password: `the password of ${username}` }),
      );
      return client.registerRequest({
        username,
        password: `the password of ${username}`,
        auth: {
          type: 'm.login.email.identity',
          session: challenge.data.session,
          threepid_creds: { sid, client_secret: secret },
        },
      });
    };
    await expect(register('eve', 'eve@example.org')).resolves.toMatchObject({ user_id: '@eve:synapse.test' });
    const taken = await sdkErrorOf(register('mallory', 'dan@example.org'));
    expect([taken.httpStatus, taken.errcode]).toEqual([400, 'M_THREEPID_IN_USE']);
  });
});
