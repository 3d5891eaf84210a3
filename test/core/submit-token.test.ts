import { describe, expect, it } from 'vitest';
import type { MatrixError } from '../../functions/core/errors.js';
import type { Medium } from '../../functions/core/model.js';
import type { TokenSubmission } from '../../functions/core/submit-token.js';
import { HOUR, MINUTE } from '../helpers/clock.js';
import { rejectionOf } from '../helpers/errors.js';
import { type ServiceOptions, serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

const SECRET = 'secret-1';

/** The use cases with submissions going to `medium`'s submitToken route, unless a test says otherwise. */
function routedTo(medium: Medium, service: ReturnType<typeof serviceWithFakes>) {
  const submitToken = (submission: Omit<TokenSubmission, 'medium'> & { medium?: Medium }) =>
    service.validation.submitToken({ medium, ...submission });
  return { ...service, validation: { ...service.validation, submitToken } };
}

async function smsSession(options: ServiceOptions = {}) {
  const service = routedTo('msisdn', serviceWithFakes(options));
  const request: TestTokenRequest = {
    purpose: 'registration',
    medium: 'msisdn',
    country: 'GB',
    phoneNumber: '07400123456',
    clientSecret: SECRET,
    sendAttempt: 1,
  };
  const { sid } = await service.validation.requestToken(request);
  const resend = (sendAttempt: number) => service.validation.requestToken({ ...request, sendAttempt });
  return { ...service, sid, code: service.senders.lastSmsCode(), resend };
}

async function emailSession(nextLink?: string) {
  const service = routedTo('email', serviceWithFakes());
  const request: TestTokenRequest = {
    purpose: 'add_threepid',
    medium: 'email',
    email: 'alice@example.org',
    clientSecret: SECRET,
    sendAttempt: 1,
    nextLink,
  };
  const { sid } = await service.validation.requestToken(request);
  const resend = (sendAttempt: number) => service.validation.requestToken({ ...request, sendAttempt });
  return { ...service, sid, token: service.senders.lastEmailToken(), resend };
}

/** What a first successful submission answers, for each session above. */
const VALIDATED_SMS = { purpose: 'registration', address: '447400123456', alreadyValidated: false } as const;
const VALIDATED_EMAIL = {
  purpose: 'add_threepid',
  address: 'alice@example.org',
  alreadyValidated: false,
} as const;

/** A six-digit code that is not `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('submitToken', () => {
  it('validates the session with the right code', async () => {
    const { validation, sid, code } = await smsSession();
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token: code })).resolves.toEqual(
      VALIDATED_SMS,
    );
    await expect(validation.getValidatedThreepid(sid, SECRET)).resolves.toMatchObject({
      address: '447400123456',
    });
  });

  it('accepts a code typed with spaces or dashes', async () => {
    const { validation, sid, code } = await smsSession();
    const typed = `${code.slice(0, 3)} ${code.slice(3)}`;
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token: typed })).resolves.toEqual(
      VALIDATED_SMS,
    );
  });

  it('refuses a wrong code with M_TOKEN_INCORRECT and says how many attempts are left', async () => {
    const { validation, sid, code } = await smsSession();
    const error = await rejectionOf(
      validation.submitToken({ sid, clientSecret: SECRET, token: wrong(code) }),
    );
    expect([error.errcode, error.status]).toEqual(['M_TOKEN_INCORRECT', 400]);
    expect(error.message).toContain('4 attempts left');
  });

  it('kills the session after five wrong codes: even the right one then fails', async () => {
    const { validation, sid, code } = await smsSession();
    for (let attempt = 0; attempt < 5; attempt++) {
      const error = await rejectionOf(
        validation.submitToken({ sid, clientSecret: SECRET, token: wrong(code) }),
      );
      expect(error.errcode).toBe('M_TOKEN_INCORRECT');
    }
    const error = await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: code }));
    expect([error.errcode, error.expiry]).toEqual(['M_SESSION_EXPIRED', 'locked']);
  });

  it('still accepts the right code after four wrong ones', async () => {
    const { validation, sid, code } = await smsSession();
    for (let attempt = 0; attempt < 4; attempt++) {
      await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: wrong(code) }));
    }
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token: code })).resolves.toEqual(
      VALIDATED_SMS,
    );
  });

  it('counts exactly five of 100 concurrent wrong codes; the rest find the session dead', async () => {
    const { validation, sid, code } = await smsSession();
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () =>
        rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: wrong(code) })),
      ),
    );
    const count = (errcode: string) => outcomes.filter((error) => error.errcode === errcode).length;
    expect([count('M_TOKEN_INCORRECT'), count('M_SESSION_EXPIRED')]).toEqual([5, 95]);
    expect(
      (await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: code }))).errcode,
    ).toBe('M_SESSION_EXPIRED');
  });

  it('lets at most five guesses reach the comparison, even when the right code is among 100 concurrent ones', async () => {
    const { validation, sid, code } = await smsSession();
    const guesses = Array.from({ length: 100 }, (_, i) => (i === 99 ? code : wrong(code)));
    const outcomes = await Promise.allSettled(
      guesses.map((token) => validation.submitToken({ sid, clientSecret: SECRET, token })),
    );
    const compared = outcomes.filter(
      (outcome) =>
        outcome.status === 'fulfilled' || (outcome.reason as MatrixError).errcode === 'M_TOKEN_INCORRECT',
    );
    expect(compared).toHaveLength(5);
  });

  it('refuses an expired code with M_SESSION_EXPIRED', async () => {
    const { validation, sid, code, clock } = await smsSession();
    clock.advance(10 * MINUTE);
    const error = await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: code }));
    expect([error.errcode, error.status, error.expiry]).toEqual(['M_SESSION_EXPIRED', 400, 'token_expired']);
  });

  it('honours a configured SMS lifetime', async () => {
    const { validation, sid, code, clock } = await smsSession({ policy: { smsTokenLifetimeMs: 2 * MINUTE } });
    clock.advance(2 * MINUTE - 1);
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token: code })).resolves.toEqual(
      VALIDATED_SMS,
    );
  });

  it('voids the previous SMS code when a new one is sent', async () => {
    const { validation, sid, code, resend, senders } = await smsSession();
    await resend(2);
    const error = await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: code }));
    expect(error.errcode).toBe('M_TOKEN_INCORRECT');
    await expect(
      validation.submitToken({ sid, clientSecret: SECRET, token: senders.lastSmsCode() }),
    ).resolves.toEqual(VALIDATED_SMS);
  });

  it('keeps wrong attempts across a resend, and a new request after lock-out opens a new session', async () => {
    const { validation, sid, code, resend, senders } = await smsSession();
    for (let attempt = 0; attempt < 5; attempt++) {
      await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: wrong(code) }));
    }
    const fresh = await resend(2);
    expect(fresh.sid).not.toBe(sid);
    await expect(
      validation.submitToken({ sid: fresh.sid, clientSecret: SECRET, token: senders.lastSmsCode() }),
    ).resolves.toEqual(VALIDATED_SMS);
    await expect(validation.getValidatedThreepid(fresh.sid, SECRET)).resolves.toMatchObject({
      address: '447400123456',
    });
    expect((await rejectionOf(validation.getValidatedThreepid(sid, SECRET))).errcode).toBe(
      'M_NO_VALID_SESSION',
    );
  });

  it('keeps an earlier email link working after a resend, since emails can arrive out of order', async () => {
    const { validation, sid, token, resend } = await emailSession();
    await resend(2);
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token })).resolves.toEqual(
      VALIDATED_EMAIL,
    );
  });

  it('accepts the same token again once validated, without a second validation', async () => {
    const { validation, sid, token, clock } = await emailSession();
    await validation.submitToken({ sid, clientSecret: SECRET, token });
    const { validatedAt } = await validation.getValidatedThreepid(sid, SECRET);
    clock.advance(2 * HOUR);
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token })).resolves.toEqual({
      ...VALIDATED_EMAIL,
      alreadyValidated: true,
    });
    expect((await validation.getValidatedThreepid(sid, SECRET)).validatedAt).toBe(validatedAt);
  });

  it('refuses a wrong token on a validated session without counting it', async () => {
    const { validation, sid, token } = await emailSession();
    await validation.submitToken({ sid, clientSecret: SECRET, token });
    for (let attempt = 0; attempt < 6; attempt++) {
      const error = await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: 'wrong' }));
      expect(error.errcode).toBe('M_TOKEN_INCORRECT');
    }
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token })).resolves.toEqual({
      ...VALIDATED_EMAIL,
      alreadyValidated: true,
    });
  });

  it('returns next_link with the sid appended', async () => {
    const { validation, sid, token } = await emailSession('https://app.example.org/done?step=2#top');
    const result = await validation.submitToken({ sid, clientSecret: SECRET, token });
    expect(result.nextLink).toBe(`https://app.example.org/done?step=2&sid=${sid}#top`);
  });

  it('gives the same 404 M_NO_VALID_SESSION for an unknown sid and for a wrong client_secret', async () => {
    const { validation, sid, code } = await smsSession();
    const unknown = await rejectionOf(
      validation.submitToken({
        sid: 'AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA',
        clientSecret: SECRET,
        token: code,
      }),
    );
    const wrongSecret = await rejectionOf(
      validation.submitToken({ sid, clientSecret: 'other', token: code }),
    );
    const notOurs = await rejectionOf(
      validation.submitToken({ sid: 'abc', clientSecret: SECRET, token: code }),
    );
    for (const error of [unknown, wrongSecret, notOurs]) {
      expect([error.errcode, error.status, error.message]).toEqual([
        'M_NO_VALID_SESSION',
        404,
        'No valid session was found for that sid and client_secret.',
      ]);
    }
  });

  it('does not let a wrong client_secret burn the attempts of the real owner', async () => {
    const { validation, sid, code } = await smsSession();
    for (let attempt = 0; attempt < 10; attempt++) {
      await rejectionOf(validation.submitToken({ sid, clientSecret: 'attacker', token: wrong(code) }));
    }
    await expect(validation.submitToken({ sid, clientSecret: SECRET, token: code })).resolves.toEqual(
      VALIDATED_SMS,
    );
  });

  it('refuses a token sent to another medium than the route names', async () => {
    const { validation, sid, code } = await smsSession();
    const error = await rejectionOf(
      validation.submitToken({ sid, clientSecret: SECRET, token: code, medium: 'email' }),
    );
    expect(error.errcode).toBe('M_NO_VALID_SESSION');
  });

  it.each([
    ['a malformed sid', { sid: 'not valid!', token: '123456' }],
    ['an empty token', { sid: 'abc', token: '' }],
  ])('refuses %s with M_INVALID_PARAM', async (_, fields) => {
    const { validation } = await smsSession();
    const error = await rejectionOf(validation.submitToken({ clientSecret: SECRET, ...fields }));
    expect(error.errcode).toBe('M_INVALID_PARAM');
  });
});

describe('getValidatedThreepid', () => {
  it('says M_SESSION_NOT_VALIDATED before validation', async () => {
    const { validation, sid } = await emailSession();
    const error = await rejectionOf(validation.getValidatedThreepid(sid, SECRET));
    expect([error.errcode, error.status]).toEqual(['M_SESSION_NOT_VALIDATED', 400]);
  });

  it('returns the medium, canonical address and validation time once validated', async () => {
    const { validation, sid, token, clock } = await emailSession();
    clock.advance(MINUTE);
    await validation.submitToken({ sid, clientSecret: SECRET, token });
    await expect(validation.getValidatedThreepid(sid, SECRET)).resolves.toEqual({
      medium: 'email',
      address: 'alice@example.org',
      validatedAt: clock.now(),
      purpose: 'add_threepid',
    });
  });

  it('says M_SESSION_EXPIRED 24 hours after validation', async () => {
    const { validation, sid, token, clock } = await emailSession();
    await validation.submitToken({ sid, clientSecret: SECRET, token });
    clock.advance(24 * HOUR - 1);
    await expect(validation.getValidatedThreepid(sid, SECRET)).resolves.toMatchObject({
      medium: 'email',
      address: 'alice@example.org',
    });
    clock.advance(1);
    const error = await rejectionOf(validation.getValidatedThreepid(sid, SECRET));
    expect([error.errcode, error.expiry]).toEqual(['M_SESSION_EXPIRED', 'validation_expired']);
  });

  it('says M_SESSION_EXPIRED when the token expired unused, and when the session was locked out', async () => {
    const expired = await emailSession();
    expired.clock.advance(HOUR);
    expect((await rejectionOf(expired.validation.getValidatedThreepid(expired.sid, SECRET))).errcode).toBe(
      'M_SESSION_EXPIRED',
    );
    const locked = await smsSession();
    for (let attempt = 0; attempt < 5; attempt++) {
      await rejectionOf(
        locked.validation.submitToken({ sid: locked.sid, clientSecret: SECRET, token: wrong(locked.code) }),
      );
    }
    expect((await rejectionOf(locked.validation.getValidatedThreepid(locked.sid, SECRET))).expiry).toBe(
      'locked',
    );
  });

  it('forgets the session a day after it became unusable', async () => {
    const { validation, sid, token, clock } = await emailSession();
    await validation.submitToken({ sid, clientSecret: SECRET, token });
    clock.advance(48 * HOUR);
    expect((await rejectionOf(validation.getValidatedThreepid(sid, SECRET))).errcode).toBe(
      'M_NO_VALID_SESSION',
    );
  });

  it('gives identical answers for an unknown sid and a wrong client_secret', async () => {
    const { validation, sid } = await emailSession();
    const a = await rejectionOf(validation.getValidatedThreepid(`${sid.slice(0, -1)}x`, SECRET));
    const b = await rejectionOf(validation.getValidatedThreepid(sid, 'wrong-secret'));
    expect([a.errcode, a.status, a.message]).toEqual([b.errcode, b.status, b.message]);
    expect(a.errcode).toBe('M_NO_VALID_SESSION');
  });
});

describe('previewSession', () => {
  it('tells the page the purpose, the address and the language, without validating', async () => {
    const { validation, sid, token } = await emailSession();
    await expect(validation.previewSession(sid, SECRET, token)).resolves.toEqual({
      state: 'ask-to-confirm',
      purpose: 'add_threepid',
      address: 'alice@example.org',
      locale: undefined,
    });
    expect((await rejectionOf(validation.getValidatedThreepid(sid, SECRET))).errcode).toBe(
      'M_SESSION_NOT_VALIDATED',
    );
  });

  it('shows the address only to whoever holds a token the session sent, and counts nothing', async () => {
    const { validation, sid, token, store } = await emailSession();
    const preview = await validation.previewSession(sid, undefined, `${token.slice(0, -1)}x`);
    expect(preview).toMatchObject({ state: 'refused', error: { errcode: 'M_TOKEN_INCORRECT' } });
    expect(preview).not.toHaveProperty('address');
    const [session] = store.all();
    expect(session?.guesses).toEqual([]);
  });

  it('explains a session that can no longer be confirmed, in its language', async () => {
    const service = serviceWithFakes();
    const { sid } = await service.validation.requestToken({
      purpose: 'registration',
      medium: 'email',
      email: 'bob@example.org',
      clientSecret: SECRET,
      sendAttempt: 1,
      locale: 'fr',
    });
    const token = service.senders.lastEmailToken();
    service.clock.advance(service.policy.emailTokenLifetimeMs);
    await expect(service.validation.previewSession(sid, undefined, token)).resolves.toMatchObject({
      state: 'refused',
      error: { errcode: 'M_SESSION_EXPIRED' },
      locale: 'fr',
    });
  });
});

describe('logging', () => {
  it('never logs a token, a client_secret or an address', async () => {
    const { validation, sid, code, logger } = await smsSession();
    await rejectionOf(validation.submitToken({ sid, clientSecret: SECRET, token: wrong(code) }));
    await validation.submitToken({ sid, clientSecret: SECRET, token: code });
    const logged = logger.text();
    expect(logger.lines.length).toBeGreaterThan(2);
    for (const secret of [code, wrong(code), SECRET, '447400123456', '7400123456']) {
      expect(logged).not.toContain(secret);
    }
    expect(logger.lines[0]?.attributes[0]).toMatchObject({ medium: 'msisdn', threepid: expect.any(String) });
  });
});
