import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, resolveRateLimits } from '../../functions/core/rate-limits.js';
import type { ClientNetworks } from '../../functions/core/request-token.js';
import { HOUR, MINUTE } from '../helpers/clock.js';
import { rejectionOf } from '../helpers/errors.js';
import { serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

const ip = (n: number): ClientNetworks => ({ keys: [{ scope: 'ip', value: `ip4:198.51.100.${n}` }] });
const sms = (overrides: Partial<TestTokenRequest> = {}): TestTokenRequest =>
  ({
    purpose: 'registration',
    medium: 'msisdn',
    country: 'GB',
    phoneNumber: '07400 123456',
    clientSecret: 'secret-1',
    sendAttempt: 1,
    ...overrides,
  }) as TestTokenRequest;
const email = (overrides: Partial<TestTokenRequest> = {}): TestTokenRequest =>
  ({
    purpose: 'registration',
    medium: 'email',
    email: 'alice@example.org',
    clientSecret: 'secret-1',
    sendAttempt: 1,
    ...overrides,
  }) as TestTokenRequest;

describe('requestToken under the rate limits', () => {
  it('answers 429 M_LIMIT_EXCEEDED with the wait in retry_after_ms and Retry-After, the same for every scope', async () => {
    const { validation, clock } = serviceWithFakes({ limits: DEFAULT_RATE_LIMITS });
    clock.advance(15 * MINUTE);
    for (let i = 0; i < 10; i++)
      await validation.requestToken(email({ email: `a${i}@example.org`, client: ip(1) }));
    const byIp = await rejectionOf(validation.requestToken(email({ email: 'z@example.org', client: ip(1) })));
    for (let i = 0; i < 3; i++)
      await validation.requestToken(email({ clientSecret: `s${i}`, client: ip(2) }));
    const byAddress = await rejectionOf(
      validation.requestToken(email({ clientSecret: 's9', client: ip(3) })),
    );
    for (const error of [byIp, byAddress]) {
      expect([error.errcode, error.status, error.message]).toEqual([
        'M_LIMIT_EXCEEDED',
        429,
        'Too many requests. Try again later.',
      ]);
    }
    expect(byIp.extras).toEqual({
      body: { retry_after_ms: 45 * MINUTE },
      headers: { 'Retry-After': '2700' },
    });
  });

  it('charges the address only for messages that go out: repeats and refusals cost it nothing', async () => {
    const { validation, limiter, clock } = serviceWithFakes({ limits: DEFAULT_RATE_LIMITS });
    await validation.requestToken(sms());
    for (let i = 0; i < 5; i++) await validation.requestToken(sms({ client: ip(i) }));
    const [address] = limiter.keysWith('guesses');
    expect(limiter.totalsOf(address ?? '', clock.now())).toEqual({
      sends: { day: 1, hour: 1 },
      guesses: { day: 5, hour: 5 },
    });
  });

  it('spaces resends 60 s after the first message and 300 s after later ones, counting down', async () => {
    const { validation, senders, clock } = serviceWithFakes({ limits: DEFAULT_RATE_LIMITS });
    await validation.requestToken(sms({ client: ip(1) }));
    clock.advance(59_000);
    const early = await rejectionOf(validation.requestToken(sms({ sendAttempt: 2, client: ip(2) })));
    expect(early.extras.body).toEqual({ retry_after_ms: 1000 });
    clock.advance(1000);
    await validation.requestToken(sms({ sendAttempt: 3, client: ip(3) }));
    clock.advance(4 * MINUTE);
    const later = await rejectionOf(validation.requestToken(sms({ sendAttempt: 4, client: ip(4) })));
    expect(later.extras.body).toEqual({ retry_after_ms: MINUTE });
    expect(senders.sms).toHaveLength(2);
  });

  it('lets no new session reset the guessing budget: each reserves its attempts from the address', async () => {
    const limits = resolveRateLimits({ address: { hour: 100, day: 100 }, guessesPerAddressHour: 12 });
    const { validation, senders } = serviceWithFakes({ limits });
    await validation.requestToken(sms({ clientSecret: 'one', client: ip(1) }));
    await validation.requestToken(sms({ clientSecret: 'two', client: ip(2) }));
    // A resend in a session reserves nothing more: its attempts carry over.
    const third = await rejectionOf(validation.requestToken(sms({ clientSecret: 'three', client: ip(3) })));
    expect(third.errcode).toBe('M_LIMIT_EXCEEDED');
    expect(senders.sms).toHaveLength(2);
  });

  it('stores nothing for a refused send: the session written for it is taken back', async () => {
    const limits = resolveRateLimits({ smsGlobal: { hour: 1 } });
    const { validation, store } = serviceWithFakes({ limits });
    await validation.requestToken(sms({ clientSecret: 'first', client: ip(1) }));
    await rejectionOf(validation.requestToken(sms({ phoneNumber: '07400 654321', client: ip(2) })));
    expect(store.all()).toHaveLength(1);
  });
});

describe('the kill switch (T7)', () => {
  it('turns SMS off with 429 until its end, sends nothing, and leaves email alone', async () => {
    const { validation, switches, senders, clock } = serviceWithFakes();
    switches.turnOff('msisdn', clock.now() + 2 * HOUR);
    const refused = await rejectionOf(validation.requestToken(sms()));
    expect([refused.errcode, refused.extras.body]).toEqual([
      'M_LIMIT_EXCEEDED',
      { retry_after_ms: 2 * HOUR },
    ]);
    await validation.requestToken(email());
    expect([senders.sms.length, senders.emails.length]).toEqual([0, 1]);
  });
});

describe('uniform answers (T6)', () => {
  const bound = [
    { medium: 'email', address: 'alice@example.org', user_id: '@alice:example.org' },
    { medium: 'msisdn', address: '+447400123456', user_id: '@alice:example.org' },
  ] as const;

  it.each([
    [
      'registration',
      email({ purpose: 'registration' }),
      email({ purpose: 'registration', email: 'bob@example.org' }),
    ],
    [
      'adding an address',
      email({ purpose: 'add_threepid' }),
      email({ purpose: 'add_threepid', email: 'bob@example.org' }),
    ],
    [
      'password reset',
      email({ purpose: 'password_reset', email: 'bob@example.org' }),
      email({ purpose: 'password_reset' }),
    ],
    ['SMS registration', sms(), sms({ phoneNumber: '07400 654321' })],
  ])('answers %s the same whether or not the address has an account', async (_, refused, real) => {
    const { validation, sleeper, clock } = serviceWithFakes({ bindings: bound, uniform: { floorMs: 500 } });
    const start = clock.now();
    const decoy = await validation.requestToken(refused);
    const genuine = await validation.requestToken(real);
    expect(Object.keys(decoy)).toEqual(Object.keys(genuine));
    expect(decoy.sid).toMatch(/^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{12}$/);
    expect(genuine.sid).toMatch(/^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{12}$/);
    expect(sleeper.wakes).toEqual([start + 500, start + 1000]);
  });

  it('keeps a decoy like a real session: same sid again, wrong codes, then expired, never validated', async () => {
    const { validation, senders } = serviceWithFakes({ bindings: bound, uniform: { floorMs: 0 } });
    const decoy = await validation.requestToken(sms());
    expect((await validation.requestToken(sms())).sid).toBe(decoy.sid);
    expect(senders.sms).toHaveLength(0);
    const submit = (token: string) =>
      rejectionOf(
        validation.submitToken({ sid: decoy.sid, clientSecret: 'secret-1', token, medium: 'msisdn' }),
      );
    for (let i = 0; i < 5; i++) expect((await submit(String(100000 + i))).errcode).toBe('M_TOKEN_INCORRECT');
    expect((await submit('100009')).errcode).toBe('M_SESSION_EXPIRED');
    const queried = await rejectionOf(validation.getValidatedThreepid(decoy.sid, 'secret-1'));
    expect(queried.errcode).toBe('M_SESSION_EXPIRED');
  });

  it('charges a decoy the same budgets as a real session', async () => {
    const { validation, limiter, clock } = serviceWithFakes({
      bindings: bound,
      uniform: { floorMs: 0 },
      limits: DEFAULT_RATE_LIMITS,
    });
    await validation.requestToken(sms({ client: ip(1) }));
    await validation.requestToken(sms({ phoneNumber: '07400 654321', client: ip(2) }));
    expect(limiter.totalsOf('country|GB', clock.now())).toEqual({ sends: { day: 2, hour: 2 } });
  });

  it('emails the owner of an address in use, as the spec recommends, and texts nobody by default', async () => {
    const { validation, senders } = serviceWithFakes({ bindings: bound, uniform: { floorMs: 0 } });
    await validation.requestToken(email());
    await validation.requestToken(sms());
    expect(senders.notices).toEqual([
      {
        medium: 'email',
        notice: { to: 'alice@example.org', purpose: 'registration', reason: 'address-in-use' },
      },
    ]);
    expect([senders.emails.length, senders.sms.length]).toEqual([0, 0]);
  });

  it('says so in the log when the real path took longer than the floor', async () => {
    const { validation, logger, clock, senders } = serviceWithFakes({ uniform: { floorMs: 0 } });
    const slow = senders.sendValidationEmail.bind(senders);
    senders.sendValidationEmail = async (message) => {
      clock.advance(10);
      await slow(message);
    };
    await validation.requestToken(email());
    expect(logger.lines.map((line) => line.message)).toContain('ResponseFloorExceeded');
  });
});
