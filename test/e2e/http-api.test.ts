import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBindingsFile } from '../helpers/bindings.js';
import { HOUR, ManualClock, MINUTE } from '../helpers/clock.js';
import { startTestServer, type TestResponse, type TestServer } from '../helpers/local-server.js';

/**
 * The HTTP contract, over real HTTP against `npm start`'s server (dynalite and the outbox):
 * every route under both prefixes, and every error code a client can meet.
 */

const BOUND_EMAIL = 'bound@example.org';
const BOUND_PHONE = { country: 'GB', phone_number: '07400 900001', msisdn: '447400900001' };

const bindingsFile = () =>
  writeBindingsFile([
    { medium: 'email', address: 'Bound@Example.org', user_id: '@bound:example.org' },
    { medium: 'msisdn', address: '+44 7400 900001', user_id: '@bound:example.org' },
  ]);

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization',
};

function expectCors(response: TestResponse): void {
  for (const [name, value] of Object.entries(CORS)) expect(response.headers.get(name)).toBe(value);
}

function expectMatrixError(response: TestResponse, status: number, errcode: string): void {
  expect({ status: response.status, errcode: response.json.errcode }).toEqual({ status, errcode });
  expect(typeof response.json.error).toBe('string');
  expect(response.headers.get('content-type')).toBe('application/json');
  expectCors(response);
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
const emailBody = (overrides: Record<string, unknown> = {}) => ({
  client_secret: unique('secret'),
  email: `${unique('user')}@example.org`,
  send_attempt: 1,
  ...overrides,
});
let phoneCounter = 100000;
const phoneBody = (overrides: Record<string, unknown> = {}) => ({
  client_secret: unique('secret'),
  country: 'GB',
  phone_number: `07400 ${++phoneCounter}`,
  send_attempt: 1,
  ...overrides,
});

describe('the HTTP API of the local server', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    server = await startTestServer(
      { THREEPID_BINDINGS_FILE: bindingsFile(), SERVER_NAME: 'example.org' },
      { clock },
    );
  });
  afterAll(() => server.close());

  async function emailSession(body = emailBody(), path = '/_matrix/client/v3/register/email/requestToken') {
    const response = await server.post(path, body);
    expect(response.status).toBe(200);
    const link = await server.lastLink(String(body.email).trim().toLowerCase());
    return {
      sid: String(response.json.sid),
      secret: String(body.client_secret),
      token: link.searchParams.get('token') ?? '',
      link,
      body,
    };
  }

  async function smsSession(body = phoneBody()) {
    const response = await server.post('/_matrix/client/v3/register/msisdn/requestToken', body);
    expect(response.status).toBe(200);
    return {
      sid: String(response.json.sid),
      secret: String(body.client_secret),
      code: await server.lastCode(`+${String(response.json.msisdn)}`),
      submitUrl: String(response.json.submit_url),
    };
  }

  describe('requestToken', () => {
    const flows = [
      ['register', 'fresh'],
      ['account/3pid', 'fresh'],
      ['account/password', 'bound'],
    ] as const;

    for (const version of ['r0', 'v3']) {
      for (const [flow, address] of flows) {
        it(`POST /_matrix/client/${version}/${flow}/email/requestToken emails a link and answers {sid}`, async () => {
          const email = address === 'bound' ? BOUND_EMAIL : `${unique('user')}@example.org`;
          const response = await server.post(
            `/_matrix/client/${version}/${flow}/email/requestToken`,
            emailBody({ email }),
          );
          expect(response.status).toBe(200);
          expect(Object.keys(response.json)).toEqual(['sid']);
          expect(response.json.sid).toMatch(/^[0-9a-zA-Z.=_-]{1,255}$/);
          expectCors(response);
          const link = await server.lastLink(email);
          expect(link.searchParams.get('sid')).toBe(response.json.sid);
        });

        it(`POST /_matrix/client/${version}/${flow}/msisdn/requestToken texts a code and answers {sid, submit_url, msisdn, intl_fmt}`, async () => {
          const phone = address === 'bound' ? BOUND_PHONE : phoneBody();
          const body = phoneBody({ country: phone.country, phone_number: phone.phone_number });
          const response = await server.post(`/_matrix/client/${version}/${flow}/msisdn/requestToken`, body);
          expect(response.status).toBe(200);
          const msisdn = String(response.json.msisdn);
          expect(response.json).toEqual({
            sid: expect.any(String),
            submit_url: `${server.publicBaseUrl}_matrix/client/v3/validate/msisdn/submitToken`,
            msisdn: expect.stringMatching(/^447400\d{6}$/),
            intl_fmt: `+44 7400 ${msisdn.slice(-6)}`,
          });
          expect(await server.lastCode(`+${msisdn}`)).toMatch(/^\d{6}$/);
        });
      }
    }

    it('accepts send_attempt as a string and ignores id_server when id_access_token comes with it', async () => {
      const response = await server.post(
        '/_matrix/client/r0/register/email/requestToken',
        emailBody({ send_attempt: '1', id_server: 'id.example.org', id_access_token: 'abc' }),
      );
      expect(response.status).toBe(200);
    });

    it('answers a repeated send_attempt with the same sid and sends nothing more', async () => {
      const body = emailBody();
      const first = await server.post('/_matrix/client/v3/register/email/requestToken', body);
      const again = await server.post('/_matrix/client/v3/register/email/requestToken', body);
      const outbox = await server.get('/_local/outbox');
      const sent = (outbox.json.messages as { to: string }[]).filter((message) => message.to === body.email);
      expect(again.json.sid).toBe(first.json.sid);
      expect(sent).toHaveLength(1);
    });

    it('refuses a registered address for registration and 3PID add: 400 M_THREEPID_IN_USE', async () => {
      for (const flow of ['register', 'account/3pid']) {
        expectMatrixError(
          await server.post(
            `/_matrix/client/v3/${flow}/email/requestToken`,
            emailBody({ email: 'BOUND@example.org' }),
          ),
          400,
          'M_THREEPID_IN_USE',
        );
        expectMatrixError(
          await server.post(`/_matrix/client/v3/${flow}/msisdn/requestToken`, phoneBody(BOUND_PHONE)),
          400,
          'M_THREEPID_IN_USE',
        );
      }
    });

    it('refuses a password reset for an unknown address: 400 M_THREEPID_NOT_FOUND', async () => {
      expectMatrixError(
        await server.post('/_matrix/client/v3/account/password/email/requestToken', emailBody()),
        400,
        'M_THREEPID_NOT_FOUND',
      );
      expectMatrixError(
        await server.post('/_matrix/client/v3/account/password/msisdn/requestToken', phoneBody()),
        400,
        'M_THREEPID_NOT_FOUND',
      );
    });

    it.each([
      ['a body that is not JSON', '{"client_secret":', 400, 'M_NOT_JSON'],
      ['a JSON array', '[]', 400, 'M_BAD_JSON'],
      ['an email that is not a string', JSON.stringify(emailBody({ email: 42 })), 400, 'M_BAD_JSON'],
      ['no fields', '{}', 400, 'M_MISSING_PARAM'],
      [
        'no send_attempt',
        JSON.stringify({ client_secret: 's', email: 'a@example.org' }),
        400,
        'M_MISSING_PARAM',
      ],
      [
        'a client_secret with a space',
        JSON.stringify(emailBody({ client_secret: 'a b' })),
        400,
        'M_INVALID_PARAM',
      ],
      [
        'a client_secret with a trailing newline',
        JSON.stringify(emailBody({ client_secret: 'abc\n' })),
        400,
        'M_INVALID_PARAM',
      ],
      [
        'a client_secret of 256 characters',
        JSON.stringify(emailBody({ client_secret: 'x'.repeat(256) })),
        400,
        'M_INVALID_PARAM',
      ],
      ['an invalid email', JSON.stringify(emailBody({ email: 'alice' })), 400, 'M_INVALID_PARAM'],
      ['a negative send_attempt', JSON.stringify(emailBody({ send_attempt: -1 })), 400, 'M_INVALID_PARAM'],
      [
        'id_server without id_access_token',
        JSON.stringify(emailBody({ id_server: 'id.example.org' })),
        400,
        'M_INVALID_PARAM',
      ],
      [
        'a javascript: next_link',
        JSON.stringify(emailBody({ next_link: 'javascript:alert(1)' })),
        400,
        'M_INVALID_PARAM',
      ],
      [
        'a file: next_link',
        JSON.stringify(emailBody({ next_link: 'file:///etc/passwd' })),
        400,
        'M_INVALID_PARAM',
      ],
      ['a body over 64 KiB', JSON.stringify(emailBody({ pad: 'x'.repeat(70_000) })), 413, 'M_TOO_LARGE'],
    ])('refuses %s with %i %s', async (_, body, status, errcode) => {
      expectMatrixError(
        await server.post('/_matrix/client/v3/register/email/requestToken', body),
        status,
        errcode,
      );
    });

    it.each([
      ['an unparseable phone number', { phone_number: 'call me' }],
      ['a number that cannot exist', { phone_number: '07700 900123' }],
      ['an unknown country', { country: 'ZZ' }],
    ])('refuses %s with 400 M_INVALID_PARAM', async (_, overrides) => {
      expectMatrixError(
        await server.post('/_matrix/client/r0/account/3pid/msisdn/requestToken', phoneBody(overrides)),
        400,
        'M_INVALID_PARAM',
      );
    });

    it('stores nothing and sends nothing for a refused request', async () => {
      const before = (await server.get('/_local/outbox')).json.messages as unknown[];
      await server.post(
        '/_matrix/client/v3/register/email/requestToken',
        emailBody({ client_secret: 'bad secret' }),
      );
      expect((await server.get('/_local/outbox')).json.messages).toHaveLength(before.length);
    });
  });

  describe('submitToken', () => {
    it('validates an SMS session with the code at submit_url: {success: true}', async () => {
      const { sid, secret, code, submitUrl } = await smsSession();
      const response = await server.post(new URL(submitUrl).pathname, {
        sid,
        client_secret: secret,
        token: code,
      });
      expect([response.status, response.json]).toEqual([200, { success: true }]);
      expectCors(response);
      const validated = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
        sid,
        client_secret: secret,
      });
      expect(validated.json).toMatchObject({ medium: 'msisdn', validated_at: expect.any(Number) });
    });

    it('also accepts email tokens, on the email route and under r0', async () => {
      const { sid, secret, token } = await emailSession();
      const response = await server.post('/_matrix/client/r0/validate/email/submitToken', {
        sid,
        client_secret: secret,
        token,
      });
      expect(response.json).toEqual({ success: true });
    });

    it('refuses a wrong code with 400 M_TOKEN_INCORRECT, and after five the right one too', async () => {
      const { sid, secret, code, submitUrl } = await smsSession();
      const path = new URL(submitUrl).pathname;
      const wrongCode = code === '000000' ? '000001' : '000000';
      for (let attempt = 0; attempt < 5; attempt++) {
        expectMatrixError(
          await server.post(path, { sid, client_secret: secret, token: wrongCode }),
          400,
          'M_TOKEN_INCORRECT',
        );
      }
      expectMatrixError(
        await server.post(path, { sid, client_secret: secret, token: code }),
        400,
        'M_SESSION_EXPIRED',
      );
    });

    it('refuses an expired code with 400 M_SESSION_EXPIRED', async () => {
      const { sid, secret, code, submitUrl } = await smsSession();
      clock.advance(11 * MINUTE);
      expectMatrixError(
        await server.post(new URL(submitUrl).pathname, { sid, client_secret: secret, token: code }),
        400,
        'M_SESSION_EXPIRED',
      );
    });

    it('gives 404 M_NO_VALID_SESSION for an unknown sid or a wrong client_secret, identically', async () => {
      const { sid, code, submitUrl } = await smsSession();
      const path = new URL(submitUrl).pathname;
      const unknown = await server.post(path, { sid: 'nope', client_secret: 'x', token: code });
      const wrongSecret = await server.post(path, { sid, client_secret: 'x', token: code });
      expectMatrixError(unknown, 404, 'M_NO_VALID_SESSION');
      expect(wrongSecret.text).toBe(unknown.text);
    });

    it.each([
      ['missing fields', { sid: 'a' }, 'M_MISSING_PARAM'],
      ['a token that is not a string', { sid: 'a', client_secret: 'b', token: 123456 }, 'M_BAD_JSON'],
      ['a malformed sid', { sid: 'a b', client_secret: 'b', token: '1' }, 'M_INVALID_PARAM'],
      ['a malformed client_secret', { sid: 'a', client_secret: 'b c', token: '1' }, 'M_INVALID_PARAM'],
      [
        'a token over 255 characters',
        { sid: 'a', client_secret: 'b', token: 'x'.repeat(256) },
        'M_INVALID_PARAM',
      ],
    ])('refuses %s with 400 %s', async (_, body, errcode) => {
      expectMatrixError(
        await server.post('/_matrix/client/v3/validate/msisdn/submitToken', body),
        400,
        errcode,
      );
    });
  });

  describe('the emailed link', () => {
    const linkPath = (link: URL) => `${link.pathname}${link.search}`;

    function expectPageHeaders(response: TestResponse): void {
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expectCors(response);
    }

    it('points at this server under /_matrix/client', async () => {
      const { link } = await emailSession();
      expect(`${link.origin}/`).toBe(server.publicBaseUrl);
      expect(link.pathname).toBe('/_matrix/client/v3/validate/email/confirm');
    });

    it('carries the sid and the token only, never the client_secret', async () => {
      const { link } = await emailSession();
      expect([...link.searchParams.keys()].sort()).toEqual(['sid', 'token']);
    });

    it('still works as the older links did, with the client_secret in them too', async () => {
      const { link, sid, secret } = await emailSession();
      link.searchParams.set('client_secret', secret);
      const page = await server.send('GET', linkPath(link));
      expect([page.status, page.text]).toEqual([200, expect.stringContaining('<form method="post"')]);
      const confirm = await server.send('POST', link.pathname, { body: link.searchParams });
      expect(confirm.text).toContain('Email address confirmed');
      const validated = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
        sid,
        client_secret: secret,
      });
      expect(validated.status).toBe(200);
    });

    it.each([
      [
        'registration',
        '/_matrix/client/v3/register/email/requestToken',
        'use this email address for your new account',
      ],
      [
        'a 3PID add',
        '/_matrix/client/r0/account/3pid/email/requestToken',
        'add this email address to your account',
      ],
      ['a password reset', '/_matrix/client/v3/account/password/email/requestToken', 'reset the password'],
    ])('for %s, GET shows a confirmation page and validates nothing', async (_, path, wording) => {
      const body = path.includes('password') ? emailBody({ email: BOUND_EMAIL }) : emailBody();
      const { link, sid, secret } = await emailSession(body, path);
      const page = await server.send('GET', linkPath(link));
      expect(page.status).toBe(200);
      expectPageHeaders(page);
      expect(page.text).toContain(wording);
      expect(page.text).toContain('<form method="post" action="confirm">');
      expect(page.text).not.toContain('<script');
      // The first confirmation is the form's, not the visit's.
      const confirm = await server.send('POST', link.pathname, {
        body: new URLSearchParams({ sid, token: link.searchParams.get('token') ?? '' }),
      });
      expect(confirm.text).toContain('Email address confirmed');
      if (!path.includes('password')) {
        const status = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
          sid,
          client_secret: secret,
        });
        expect(status.status).toBe(200);
      }
    });

    it('HEAD validates nothing either', async () => {
      const { link, sid, secret } = await emailSession();
      const head = await server.send('HEAD', linkPath(link));
      expect([head.status, head.text]).toEqual([200, '']);
      expectMatrixError(
        await server.get('/_matrix/identity/v2/3pid/getValidated3pid', { sid, client_secret: secret }),
        400,
        'M_SESSION_NOT_VALIDATED',
      );
    });

    it('validates on the form POST and redirects to next_link with the sid, keeping query and fragment', async () => {
      const { link, sid, secret } = await emailSession(
        emailBody({ next_link: 'https://app.example.org/welcome?step=2#/done' }),
      );
      const confirm = await server.send('POST', link.pathname, {
        body: new URLSearchParams({
          sid,
          client_secret: secret,
          token: link.searchParams.get('token') ?? '',
        }),
      });
      expect(confirm.status).toBe(302);
      expect(confirm.headers.get('location')).toBe(`https://app.example.org/welcome?step=2&sid=${sid}#/done`);
      expectPageHeaders(confirm);
      const validated = await server.get('/_matrix/identity/api/v1/3pid/getValidated3pid', {
        sid,
        client_secret: secret,
      });
      expect(validated.status).toBe(200);
    });

    it('shows a success page when there is no next_link, and "already confirmed" on a second visit', async () => {
      const { link, sid, secret, token } = await emailSession();
      const confirm = await server.send('POST', link.pathname, {
        body: new URLSearchParams({ sid, client_secret: secret, token }),
      });
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Email address confirmed');
      const again = await server.send('GET', linkPath(link));
      expect(again.text).toContain('already confirmed');
      const repost = await server.send('POST', link.pathname, {
        body: new URLSearchParams({ sid, client_secret: secret, token }),
      });
      expect(repost.text).toContain('already confirmed');
    });

    it.each([
      ['a wrong token', { token: 'wrong' }, 400, 'This link is no longer valid'],
      ['an unknown session', { sid: 'unknown' }, 404, 'This link is not valid'],
      ['a missing token', { token: undefined }, 400, 'This link is incomplete'],
    ])('answers %s with a %i page that says why', async (_, change, status, heading) => {
      const { sid, secret, token } = await emailSession();
      const fields: Record<string, string | undefined> = { sid, client_secret: secret, token, ...change };
      const form = new URLSearchParams(
        Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const page = await server.send('POST', '/_matrix/client/v3/validate/email/confirm', { body: form });
      expect(page.status).toBe(status);
      expectPageHeaders(page);
      expect(page.text).toContain(heading);
    });

    it('says the link has expired, in plain words, once it has', async () => {
      const { link } = await emailSession();
      clock.advance(HOUR);
      const page = await server.send('GET', linkPath(link));
      expect(page.status).toBe(400);
      expect(page.text).toContain('This link has expired');
      expect(page.text).toContain('Ask your Matrix app to send you a new email.');
    });

    it('refuses a link whose token is not one it sent, and reflects nothing of it', async () => {
      const { link } = await emailSession();
      link.searchParams.set('token', '"><script>alert(document.domain)</script>');
      const page = await server.send('GET', linkPath(link));
      expect(page.status).toBe(400);
      expect(page.text).toContain('This link is no longer valid');
      expect(page.text).not.toContain('script');
      expect(page.text).not.toContain('@example.org');
    });
  });

  describe('getValidated3pid', () => {
    it('answers {medium, address, validated_at} at both identity paths once validated', async () => {
      const { sid, secret, token, body } = await emailSession();
      await server.post('/_matrix/client/v3/validate/email/submitToken', {
        sid,
        client_secret: secret,
        token,
      });
      for (const path of [
        '/_matrix/identity/v2/3pid/getValidated3pid',
        '/_matrix/identity/api/v1/3pid/getValidated3pid',
      ]) {
        const response = await server.get(path, { sid, client_secret: secret });
        expect(response.status).toBe(200);
        expect(response.json).toEqual({ medium: 'email', address: body.email, validated_at: clock.now() });
        expect(response.headers.get('content-type')).toBe('application/json');
        expectCors(response);
      }
    });

    it('says 400 M_SESSION_EXPIRED a day after validation', async () => {
      const { sid, secret, token } = await emailSession();
      await server.post('/_matrix/client/v3/validate/email/submitToken', {
        sid,
        client_secret: secret,
        token,
      });
      clock.advance(24 * HOUR);
      expectMatrixError(
        await server.get('/_matrix/identity/v2/3pid/getValidated3pid', { sid, client_secret: secret }),
        400,
        'M_SESSION_EXPIRED',
      );
    });

    it('gives the same 404 M_NO_VALID_SESSION for an unknown sid and a wrong secret', async () => {
      const { sid } = await emailSession();
      const unknown = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
        sid: `${sid}x`,
        client_secret: 'abc',
      });
      const wrong = await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
        sid,
        client_secret: 'abc',
      });
      expectMatrixError(unknown, 404, 'M_NO_VALID_SESSION');
      expect(wrong.text).toBe(unknown.text);
      expect(wrong.status).toBe(404);
    });

    it('refuses missing and malformed parameters', async () => {
      expectMatrixError(
        await server.get('/_matrix/identity/v2/3pid/getValidated3pid', { sid: 'a' }),
        400,
        'M_MISSING_PARAM',
      );
      expectMatrixError(
        await server.get('/_matrix/identity/v2/3pid/getValidated3pid', {
          sid: 'a',
          client_secret: 'no spaces',
        }),
        400,
        'M_INVALID_PARAM',
      );
    });
  });

  describe('every route', () => {
    it('answers an unknown endpoint with 404 M_UNRECOGNIZED', async () => {
      expectMatrixError(await server.get('/_matrix/client/v3/sync'), 404, 'M_UNRECOGNIZED');
      expectMatrixError(
        await server.post('/_matrix/client/v3/register/fax/requestToken', {}),
        404,
        'M_UNRECOGNIZED',
      );
    });

    it('answers a wrong method with 405 M_UNRECOGNIZED', async () => {
      expectMatrixError(
        await server.get('/_matrix/client/v3/register/email/requestToken'),
        405,
        'M_UNRECOGNIZED',
      );
      expectMatrixError(
        await server.post('/_matrix/identity/v2/3pid/getValidated3pid', {}),
        405,
        'M_UNRECOGNIZED',
      );
      expectMatrixError(
        await server.send('PUT', '/_matrix/client/v3/validate/email/confirm'),
        405,
        'M_UNRECOGNIZED',
      );
    });

    it.each([
      '/_matrix/client/v3/register/email/requestToken',
      '/_matrix/client/r0/validate/msisdn/submitToken',
      '/_matrix/identity/v2/3pid/getValidated3pid',
      '/_matrix/client/v3/unknown',
    ])('answers a CORS preflight on %s with 204 and the CORS headers, doing nothing else', async (path) => {
      const response = await server.send('OPTIONS', path, {
        headers: { Origin: 'https://app.element.io', 'Access-Control-Request-Method': 'POST' },
      });
      expect(response.status).toBe(204);
      expectCors(response);
    });
  });

  describe('GET /_local/outbox', () => {
    it('lists what was sent, oldest first, and refuses other methods', async () => {
      const first = emailBody();
      const second = emailBody();
      await server.post('/_matrix/client/v3/register/email/requestToken', first);
      await server.post('/_matrix/client/v3/register/email/requestToken', second);
      const outbox = await server.get('/_local/outbox');
      const messages = outbox.json.messages as { to: string; sent_at: number }[];
      const recipients = messages.map((message) => message.to);
      expect(recipients.indexOf(String(first.email))).toBeLessThan(recipients.indexOf(String(second.email)));
      expect(messages.at(-1)).toEqual({
        medium: 'email',
        to: second.email,
        subject: '[example.org] Validate your email',
        text: expect.any(String),
        html: expect.any(String),
        sent_at: clock.now(),
      });
      expectMatrixError(await server.post('/_local/outbox', {}), 405, 'M_UNRECOGNIZED');
    });
  });
});

describe('with NEXT_LINK_ALLOWED_HOSTS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      NEXT_LINK_ALLOWED_HOSTS: 'app.example.org',
      THREEPID_BINDINGS_FILE: bindingsFile(),
    });
  });
  afterAll(() => server.close());

  it.each([
    ['/_matrix/client/v3/register/email/requestToken', {}],
    ['/_matrix/client/r0/account/3pid/email/requestToken', {}],
    ['/_matrix/client/v3/account/password/email/requestToken', { email: BOUND_EMAIL }],
  ])('checks next_link on %s', async (path, overrides) => {
    const refused = await server.post(path, emailBody({ ...overrides, next_link: 'https://evil.example/' }));
    expectMatrixError(refused, 400, 'M_INVALID_PARAM');
    const allowed = await server.post(
      path,
      emailBody({ ...overrides, next_link: 'https://app.example.org/ok' }),
    );
    expect(allowed.status).toBe(200);
  });

  it('checks it on the msisdn routes too', async () => {
    expectMatrixError(
      await server.post(
        '/_matrix/client/v3/register/msisdn/requestToken',
        phoneBody({ next_link: 'https://evil.example/' }),
      ),
      400,
      'M_INVALID_PARAM',
    );
  });

  it('limits the form target of the confirmation page to those hosts', async () => {
    const body = emailBody({ next_link: 'https://app.example.org/ok' });
    await server.post('/_matrix/client/v3/register/email/requestToken', body);
    const link = await server.lastLink(String(body.email));
    const page = await server.send('GET', `${link.pathname}${link.search}`);
    expect(page.headers.get('content-security-policy')).toContain(
      "form-action 'self' https://app.example.org http://app.example.org",
    );
  });
});
