import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/** Races over real HTTP, against the embedded DynamoDB: conditional writes must settle them. */
describe('concurrent requests', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('gives 20 identical concurrent requestTokens one session and one message', async () => {
    const body = { client_secret: 'race-secret', email: 'race@example.org', send_attempt: 1 };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => server.post('/_matrix/client/v3/register/email/requestToken', body)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((response) => response.json.sid)).size).toBe(1);
    const outbox = (await server.get('/_local/outbox')).json.messages as { to: string }[];
    expect(outbox.filter((message) => message.to === 'race@example.org')).toHaveLength(1);
  });

  it('counts exactly 5 of 100 concurrent wrong codes; then even the right code fails', async () => {
    const request = await server.post('/_matrix/client/v3/register/msisdn/requestToken', {
      client_secret: 'guess-secret',
      country: 'GB',
      phone_number: '07400 555000',
      send_attempt: 1,
    });
    const sid = String(request.json.sid);
    const code = await server.lastCode('+447400555000');
    const wrong = code === '999999' ? '000000' : '999999';
    const path = new URL(String(request.json.submit_url)).pathname;

    const responses = await Promise.all(
      Array.from({ length: 100 }, () =>
        server.post(path, { sid, client_secret: 'guess-secret', token: wrong }),
      ),
    );
    const errcodes = responses.map((response) => response.json.errcode);
    expect(errcodes.filter((errcode) => errcode === 'M_TOKEN_INCORRECT')).toHaveLength(5);
    expect(errcodes.filter((errcode) => errcode === 'M_SESSION_EXPIRED')).toHaveLength(95);

    const right = await server.post(path, { sid, client_secret: 'guess-secret', token: code });
    expect([right.status, right.json.errcode]).toEqual([400, 'M_SESSION_EXPIRED']);
  });
});
