import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../functions/core/errors.js';
import { parseSid } from '../../functions/core/model.js';
import { HOUR, MINUTE } from '../helpers/clock.js';
import { rejectionOf } from '../helpers/errors.js';
import { serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

const emailRequest = (overrides: Partial<TestTokenRequest> = {}): TestTokenRequest =>
  ({
    purpose: 'registration',
    medium: 'email',
    email: 'alice@example.org',
    clientSecret: 'secret-1',
    sendAttempt: 1,
    ...overrides,
  }) as TestTokenRequest;

const smsRequest = (overrides: Partial<TestTokenRequest> = {}): TestTokenRequest =>
  ({
    purpose: 'registration',
    medium: 'msisdn',
    country: 'GB',
    phoneNumber: '07400 123456',
    clientSecret: 'secret-1',
    sendAttempt: 1,
    ...overrides,
  }) as TestTokenRequest;

describe('requestToken', () => {
  describe('a first request', () => {
    it('creates a session for the canonical address and emails a confirmation link', async () => {
      // Prepare
      const { validation, senders } = serviceWithFakes();
      // Act
      const result = await validation.requestToken(emailRequest({ email: ' Alice@Example.ORG ' }));
      // Assess
      expect(result.sent).toBe(true);
      expect(result.threepid).toEqual({ medium: 'email', address: 'alice@example.org' });
      expect(result.sid).toMatch(/^[0-9a-zA-Z.=_-]{1,255}$/);
      expect(senders.emails).toHaveLength(1);
      const link = new URL(senders.emails[0]?.link ?? '');
      expect(link.origin + link.pathname).toBe(
        'https://matrix.example.org/_matrix/client/v3/validate/email/confirm',
      );
      expect(link.searchParams.get('sid')).toBe(result.sid);
      // The link is not the whole credential: the client_secret stays with the client.
      expect(link.searchParams.has('client_secret')).toBe(false);
      expect(link.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(senders.emails[0]).toMatchObject({
        to: 'alice@example.org',
        purpose: 'registration',
        validForMs: HOUR,
      });
    });

    it('texts a six-digit code to the E.164 number and returns where to submit it', async () => {
      const { validation, senders } = serviceWithFakes();
      const result = await validation.requestToken(smsRequest());
      expect(result.threepid).toEqual({ medium: 'msisdn', address: '447400123456' });
      expect(result.phone).toMatchObject({ msisdn: '447400123456', international: '+44 7400 123456' });
      expect(result.submitUrl).toBe(
        'https://matrix.example.org/_matrix/client/v3/validate/msisdn/submitToken',
      );
      expect(senders.sms).toEqual([
        {
          to: '+447400123456',
          purpose: 'registration',
          code: expect.stringMatching(/^\d{6}$/),
          validForMs: 10 * MINUTE,
        },
      ]);
    });

    it('records the purpose of the session', async () => {
      const { validation, store } = serviceWithFakes({
        bindings: [{ medium: 'email', address: 'alice@example.org', user_id: '@alice:example.org' }],
      });
      await validation.requestToken(emailRequest({ purpose: 'password_reset' }));
      expect(store.all().map((session) => session.purpose)).toEqual(['password_reset']);
    });

    it('stores tokens and the client_secret only as keyed digests', async () => {
      const { validation, store, senders } = serviceWithFakes();
      await validation.requestToken(emailRequest());
      const stored = JSON.stringify(store.all());
      expect(stored).not.toContain(senders.lastEmailToken());
      expect(stored).not.toContain('secret-1');
    });
  });

  describe('send_attempt', () => {
    it('answers a repeated send_attempt with the same sid and sends nothing', async () => {
      const { validation, senders } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest({ sendAttempt: 3 }));
      const same = await validation.requestToken(emailRequest({ sendAttempt: 3 }));
      const lower = await validation.requestToken(emailRequest({ sendAttempt: 1 }));
      expect([same.sid, lower.sid]).toEqual([first.sid, first.sid]);
      expect([same.sent, lower.sent]).toEqual([false, false]);
      expect(senders.emails).toHaveLength(1);
    });

    it('sends a new message in the same session for a higher send_attempt', async () => {
      const { validation, senders } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest({ sendAttempt: 1 }));
      const second = await validation.requestToken(emailRequest({ sendAttempt: 2 }));
      expect(second).toMatchObject({ sid: first.sid, sent: true });
      expect(senders.emails).toHaveLength(2);
      expect(senders.emails[0]?.link).not.toBe(senders.emails[1]?.link);
    });

    it('scopes send_attempt to the client_secret, the address and the purpose', async () => {
      const { validation, senders } = serviceWithFakes({
        bindings: [{ medium: 'email', address: 'carol@example.org', user_id: '@carol:example.org' }],
      });
      const sids = new Set([
        (await validation.requestToken(emailRequest())).sid,
        (await validation.requestToken(emailRequest({ clientSecret: 'secret-2' }))).sid,
        (await validation.requestToken(emailRequest({ email: 'bob@example.org' }))).sid,
        (await validation.requestToken(emailRequest({ purpose: 'add_threepid' }))).sid,
      ]);
      expect(sids.size).toBe(4);
      expect(senders.emails).toHaveLength(4);
    });

    it('gives one session and one message to 20 identical concurrent requests', async () => {
      const { validation, senders } = serviceWithFakes();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => validation.requestToken(emailRequest())),
      );
      expect(new Set(results.map((result) => result.sid)).size).toBe(1);
      expect(results.filter((result) => result.sent)).toHaveLength(1);
      expect(senders.emails).toHaveLength(1);
    });

    it('keeps a validated session when a higher send_attempt comes: same sid, nothing sent, still validated', async () => {
      const { validation, senders } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest());
      await validation.submitToken({
        sid: first.sid,
        clientSecret: 'secret-1',
        token: senders.lastEmailToken(),
        medium: 'email',
      });
      const again = await validation.requestToken(emailRequest({ sendAttempt: 2 }));
      expect(again).toMatchObject({ sid: first.sid, sent: false });
      expect(senders.emails).toHaveLength(1);
      await expect(validation.getValidatedThreepid(first.sid, 'secret-1')).resolves.toMatchObject({
        address: 'alice@example.org',
      });
    });

    it('starts a new session, with a new sid, once a validated one is too old to use', async () => {
      const { validation, senders, clock } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest());
      await validation.submitToken({
        sid: first.sid,
        clientSecret: 'secret-1',
        token: senders.lastEmailToken(),
        medium: 'email',
      });
      clock.advance(24 * HOUR);
      const again = await validation.requestToken(emailRequest({ sendAttempt: 2 }));
      expect(again.sent).toBe(true);
      expect(again.sid).not.toBe(first.sid);
      expect(parseSid(again.sid)?.key).toBe(parseSid(first.sid)?.key);
    });

    it('answers a repeated send_attempt of a validated session with its sid, without sending', async () => {
      const { validation, senders } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest());
      await validation.submitToken({
        sid: first.sid,
        clientSecret: 'secret-1',
        token: senders.lastEmailToken(),
        medium: 'email',
      });
      expect(await validation.requestToken(emailRequest())).toMatchObject({ sid: first.sid, sent: false });
    });

    it('forgets a session a day after its last token expired, so the same attempt starts afresh', async () => {
      const { validation, senders, clock } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest());
      clock.advance(HOUR + 24 * HOUR);
      const later = await validation.requestToken(emailRequest());
      expect(later.sent).toBe(true);
      expect(later.sid).not.toBe(first.sid);
      expect(senders.emails).toHaveLength(2);
    });
  });

  describe('the 3PID directory', () => {
    const bindings = [
      { medium: 'email', address: 'Taken@Example.org', user_id: '@taken:example.org' },
      { medium: 'msisdn', address: '+44 7400 123456', user_id: '@taken:example.org' },
    ] as const;

    it.each([
      ['registration', 'M_THREEPID_IN_USE'],
      ['add_threepid', 'M_THREEPID_IN_USE'],
    ] as const)('refuses %s for an address already bound, with %s', async (purpose, errcode) => {
      const { validation, senders } = serviceWithFakes({ bindings });
      const error = await rejectionOf(
        validation.requestToken(emailRequest({ purpose, email: 'taken@example.org' })),
      );
      expect([error.errcode, error.status]).toEqual([errcode, 400]);
      expect(senders.emails).toHaveLength(0);
    });

    it('refuses a password reset for an address nobody has, with M_THREEPID_NOT_FOUND', async () => {
      const { validation } = serviceWithFakes({ bindings });
      const error = await rejectionOf(validation.requestToken(emailRequest({ purpose: 'password_reset' })));
      expect([error.errcode, error.status]).toEqual(['M_THREEPID_NOT_FOUND', 400]);
    });

    it('allows a password reset by SMS for a bound number', async () => {
      const { validation, senders } = serviceWithFakes({ bindings });
      await validation.requestToken(smsRequest({ purpose: 'password_reset' }));
      expect(senders.sms).toHaveLength(1);
    });

    it('compares canonical forms, so case and formatting do not matter', async () => {
      const { validation } = serviceWithFakes({ bindings });
      const error = await rejectionOf(
        validation.requestToken(smsRequest({ country: 'US', phoneNumber: '+447400123456' })),
      );
      expect(error.errcode).toBe('M_THREEPID_IN_USE');
    });
  });

  describe('input checks', () => {
    it.each([
      ['a client_secret outside the grammar', emailRequest({ clientSecret: 'bad secret' })],
      ['an unparseable email', emailRequest({ email: 'not-an-email' })],
      ['an invalid phone number', smsRequest({ phoneNumber: '12' })],
      ['a next_link that is not http(s)', emailRequest({ nextLink: 'javascript:alert(1)' })],
    ])('refuses %s with 400 M_INVALID_PARAM and stores nothing', async (_, request) => {
      const { validation, store, senders } = serviceWithFakes();
      const error = await rejectionOf(validation.requestToken(request));
      expect([error.errcode, error.status]).toEqual(['M_INVALID_PARAM', 400]);
      expect(store.all()).toEqual([]);
      expect(senders.emails.length + senders.sms.length).toBe(0);
    });

    it('checks next_link against the allow-list on every purpose, registration included', async () => {
      const { validation } = serviceWithFakes({ policy: { nextLinkAllowedHosts: ['app.example.org'] } });
      const refused = await rejectionOf(
        validation.requestToken(emailRequest({ nextLink: 'https://evil.example/' })),
      );
      expect(refused.errcode).toBe('M_INVALID_PARAM');
      await expect(
        validation.requestToken(emailRequest({ nextLink: 'https://app.example.org/done' })),
      ).resolves.toMatchObject({ sent: true });
    });
  });

  describe('when sending fails', () => {
    it('leaves no session behind, so a retry with the same send_attempt sends again', async () => {
      const { validation, senders, store } = serviceWithFakes();
      senders.failNext();
      const error = await rejectionOf(validation.requestToken(emailRequest()));
      expect([error.errcode, error.status]).toEqual(['M_EMAIL_SEND_ERROR', 500]);
      expect(store.all()).toEqual([]);
      await expect(validation.requestToken(emailRequest())).resolves.toMatchObject({ sent: true });
      expect(senders.emails).toHaveLength(1);
    });

    it('restores the previous session after a failed resend, so the first link still works', async () => {
      const { validation, senders } = serviceWithFakes();
      const first = await validation.requestToken(emailRequest({ sendAttempt: 1 }));
      const firstToken = senders.lastEmailToken();
      senders.failNext();
      await rejectionOf(validation.requestToken(emailRequest({ sendAttempt: 2 })));
      await expect(validation.requestToken(emailRequest({ sendAttempt: 2 }))).resolves.toMatchObject({
        sent: true,
      });
      await expect(
        validation.submitToken({
          sid: first.sid,
          clientSecret: 'secret-1',
          token: firstToken,
          medium: 'email',
        }),
      ).resolves.toMatchObject({ alreadyValidated: false });
    });

    it('says 400 when the provider refuses the address for good', async () => {
      const { validation, senders } = serviceWithFakes();
      senders.failNext(new DeliveryError(true, 'rejected'));
      const error = await rejectionOf(validation.requestToken(smsRequest()));
      expect([error.errcode, error.status]).toEqual(['M_SEND_ERROR', 400]);
    });

    it('lets an unexpected failure through as it is, for the bare 500', async () => {
      const { validation, senders, store } = serviceWithFakes();
      senders.failNext(new TypeError('bug'));
      await expect(validation.requestToken(emailRequest())).rejects.toThrow(TypeError);
      expect(store.all()).toEqual([]);
    });
  });
});
