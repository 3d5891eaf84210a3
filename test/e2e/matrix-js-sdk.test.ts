import { createClient, type MatrixClient, MatrixError } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBindingsFile } from '../helpers/bindings.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';
import { quietLogger } from '../helpers/sdk.js';

/**
 * matrix-js-sdk, unchanged, against the local server: the calls Element makes for registration,
 * password reset and adding an address, by email and by phone.
 */

describe('matrix-js-sdk against the service', () => {
  let server: TestServer;
  let client: MatrixClient;

  beforeAll(async () => {
    const bindings = writeBindingsFile([
      { medium: 'email', address: 'forgetful@example.org', user_id: '@forgetful:example.org' },
      { medium: 'msisdn', address: '+447400700001', user_id: '@forgetful:example.org' },
    ]);
    server = await startTestServer({ THREEPID_BINDINGS_FILE: bindings });
    client = createClient({ baseUrl: server.url, logger: quietLogger });
  });
  afterAll(async () => {
    client.stopClient();
    await server.close();
  });

  /**
   * Confirms by the emailed link's form, as the user would, and checks what the homeserver then
   * sees: the validated address, except for a password reset, which the service completes itself
   * and shows no homeserver. Returns the redirect, if any.
   */
  async function validate(
    sid: string,
    secret: string,
    email: string,
    forHomeserver = true,
  ): Promise<string | null> {
    const token = (await server.lastLink(email)).searchParams.get('token') ?? '';
    const confirm = await server.send('POST', '/_matrix/client/v3/validate/email/confirm', {
      body: new URLSearchParams({ sid, token }),
    });
    expect([200, 302]).toContain(confirm.status);
    const validated = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
      sid,
      client_secret: secret,
    });
    if (forHomeserver) expect(validated.json).toMatchObject({ medium: 'email', address: email });
    else expect([validated.status, validated.json.errcode]).toEqual([404, 'M_NO_VALID_SESSION']);
    return confirm.headers.get('location');
  }

  it('requestRegisterEmailToken', async () => {
    const secret = client.generateClientSecret();
    const { sid } = await client.requestRegisterEmailToken(
      'New.User@Example.org',
      secret,
      1,
      'https://app.example.org/#/register',
    );
    expect(await validate(sid, secret, 'new.user@example.org')).toBe(
      `https://app.example.org/?sid=${sid}#/register`,
    );
  });

  it('requestPasswordEmailToken', async () => {
    const secret = client.generateClientSecret();
    const { sid } = await client.requestPasswordEmailToken('forgetful@example.org', secret, 1);
    expect(await validate(sid, secret, 'forgetful@example.org', false)).toBeNull();
  });

  it('requestAdd3pidEmailToken', async () => {
    const secret = client.generateClientSecret();
    const { sid } = await client.requestAdd3pidEmailToken('second@example.org', secret, 1);
    await validate(sid, secret, 'second@example.org');
  });

  it.each([
    ['requestRegisterMsisdnToken', '07400 700002'],
    ['requestPasswordMsisdnToken', '07400 700001'],
    ['requestAdd3pidMsisdnToken', '07400 700003'],
  ] as const)('%s, then submitMsisdnTokenOtherUrl with the texted code', async (method, number) => {
    const secret = client.generateClientSecret();
    const response = await client[method]('GB', number, secret, 1, 'https://app.example.org/#/done');
    expect(response.submit_url).toBe(`${server.publicBaseUrl}_matrix/client/v3/validate/msisdn/submitToken`);
    expect(response.msisdn).toMatch(/^447400700\d{3}$/);
    const code = await server.lastCode(`+${response.msisdn}`);
    // submit_url names the public base URL (localhost); the SDK posts to it exactly as given.
    const submitUrl = new URL(new URL(response.submit_url ?? '').pathname, server.url).href;
    await expect(client.submitMsisdnTokenOtherUrl(submitUrl, response.sid, secret, code)).resolves.toEqual({
      success: true,
    });
    const validated = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
      sid: response.sid,
      client_secret: secret,
    });
    if (method === 'requestPasswordMsisdnToken') expect(validated.json.errcode).toBe('M_NO_VALID_SESSION');
    else expect(validated.json).toMatchObject({ medium: 'msisdn', address: response.msisdn });
  });

  it('surfaces Matrix errors to the SDK with their errcode', async () => {
    const secret = client.generateClientSecret();
    const error = await client
      .requestPasswordEmailToken('stranger@example.org', secret, 1)
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(MatrixError);
    expect([error.errcode, error.httpStatus]).toEqual(['M_THREEPID_NOT_FOUND', 400]);

    const wrong = await client
      .requestRegisterMsisdnToken('GB', '07400 700009', secret, 1)
      .then((response) =>
        client.submitMsisdnTokenOtherUrl(
          new URL('/_matrix/client/v3/validate/msisdn/submitToken', server.url).href,
          response.sid,
          secret,
          'nope',
        ),
      )
      .catch((caught) => caught);
    expect([wrong.errcode, wrong.httpStatus]).toEqual(['M_TOKEN_INCORRECT', 400]);
  });

  it('uses the same sid when the SDK asks again with the same send_attempt', async () => {
    const secret = client.generateClientSecret();
    const first = await client.requestRegisterEmailToken('twice@example.org', secret, 1);
    const second = await client.requestRegisterEmailToken('twice@example.org', secret, 1);
    const third = await client.requestRegisterEmailToken('twice@example.org', secret, 2);
    expect([second.sid, third.sid]).toEqual([first.sid, first.sid]);
  });
});
