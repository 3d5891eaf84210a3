import { describe, expect, it } from 'vitest';
import { StaticThreepidDirectory } from '../../functions/adapters/directory/static-directory.js';
import { DeliveryError } from '../../functions/core/errors.js';
import type { Threepid } from '../../functions/core/model.js';
import { DEFAULT_RATE_LIMITS } from '../../functions/core/rate-limits.js';
import type { ClientNetworks } from '../../functions/core/request-token.js';
import { rejectionOf } from '../helpers/errors.js';
import { serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

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
    purpose: 'password_reset',
    medium: 'email',
    email: 'bob@example.org',
    clientSecret: 'secret-1',
    sendAttempt: 1,
    ...overrides,
  }) as TestTokenRequest;
const ip = (n: number): ClientNetworks => ({ keys: [{ scope: 'ip', value: `ip4:198.51.100.${n}` }] });
const BOB = [{ medium: 'email' as const, address: 'bob@example.org', user_id: '@bob:example.org' }];

describe('the domain events core records', () => {
  it('records a token sent with its medium, purpose and SMS country, and nothing for a repeat', async () => {
    const { validation, events } = serviceWithFakes({ bindings: BOB });
    await validation.requestToken(sms());
    await validation.requestToken(sms());
    await validation.requestToken(email());
    expect(events.events).toEqual([
      { kind: 'token-sent', medium: 'msisdn', purpose: 'registration', country: 'GB' },
      { kind: 'token-sent', medium: 'email', purpose: 'password_reset' },
    ]);
  });

  it('records wrong codes, the lockout on the last attempt, and a validation once', async () => {
    const { validation, events, senders } = serviceWithFakes();
    const { sid } = await validation.requestToken(sms());
    const code = senders.sms[0]?.code ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    const submit = (token: string) =>
      validation.submitToken({ sid, clientSecret: 'secret-1', token, medium: 'msisdn' });
    await rejectionOf(submit(wrong));
    expect(events.of('token-incorrect')).toEqual([
      { kind: 'token-incorrect', medium: 'msisdn', purpose: 'registration' },
    ]);
    await submit(code);
    await submit(code);
    expect(events.of('session-validated')).toEqual([
      { kind: 'session-validated', medium: 'msisdn', purpose: 'registration' },
    ]);

    const second = await validation.requestToken(sms({ clientSecret: 'secret-2' }));
    for (let i = 0; i < 5; i++) {
      await rejectionOf(
        validation.submitToken({ sid: second.sid, clientSecret: 'secret-2', token: wrong, medium: 'msisdn' }),
      );
    }
    expect(events.of('token-incorrect')).toHaveLength(6);
    expect(events.of('session-locked')).toEqual([
      { kind: 'session-locked', medium: 'msisdn', purpose: 'registration' },
    ]);
  });

  it('records a delivery failure by the provider’s error class, and no token sent', async () => {
    const { validation, events, senders } = serviceWithFakes();
    senders.failNext(new DeliveryError(true, 'SES SendEmail failed', { errorClass: 'MessageRejected' }));
    await rejectionOf(validation.requestToken(email({ purpose: 'registration' })));
    senders.failNext(new DeliveryError(false, 'odd', { errorClass: 'has spaces: and text' }));
    await rejectionOf(validation.requestToken(sms()));
    expect(events.events).toEqual([
      { kind: 'delivery-failed', medium: 'email', purpose: 'registration', errorClass: 'MessageRejected' },
      { kind: 'delivery-failed', medium: 'msisdn', purpose: 'registration', errorClass: 'Other' },
    ]);
  });

  it('records refusals by a limit and by the kill switch with their scope', async () => {
    const { validation, events, switches, clock } = serviceWithFakes({ limits: DEFAULT_RATE_LIMITS });
    for (let i = 0; i < 3; i++) await validation.requestToken(sms({ clientSecret: `s${i}`, client: ip(i) }));
    await rejectionOf(validation.requestToken(sms({ clientSecret: 's9', client: ip(9) })));
    switches.turnOff('email', clock.now() + 60_000);
    await rejectionOf(validation.requestToken(email()));
    expect(events.of('rate-limited')).toEqual([
      { kind: 'rate-limited', medium: 'msisdn', scope: 'address' },
      { kind: 'rate-limited', medium: 'email', scope: 'switch' },
    ]);
  });

  it('records a refusal by the operator’s policy, and nothing for a malformed address', async () => {
    const { validation, events } = serviceWithFakes({
      smsPolicy: { countries: ['US'], numberTypes: ['MOBILE'] },
    });
    await rejectionOf(validation.requestToken(sms()));
    await rejectionOf(validation.requestToken(sms({ phoneNumber: 'not a number' })));
    expect(events.events).toEqual([{ kind: 'policy-refused', medium: 'msisdn', purpose: 'registration' }]);
  });

  it('records a decoy instead of a token sent, and a uniform answer slower than its floor', async () => {
    const bound = new StaticThreepidDirectory(BOB);
    // A directory that takes 10 ms to answer, against a floor of 5 ms.
    let clock: { advance(ms: number): void } | undefined;
    const slow = {
      findUserId: async (threepid: Threepid) => {
        clock?.advance(10);
        return bound.findUserId(threepid);
      },
    };
    const service = serviceWithFakes({ directory: slow, uniform: { floorMs: 5 } });
    clock = service.clock;
    await service.validation.requestToken(email({ purpose: 'registration' }));
    expect(service.events.events).toEqual([
      { kind: 'decoy-answered', medium: 'email', purpose: 'registration' },
      { kind: 'response-floor-exceeded', medium: 'email' },
    ]);
  });
});
