import { describe, expect, it } from 'vitest';
import type { Purpose } from '../../functions/core/model.js';
import { HOUR, MINUTE } from '../helpers/clock.js';
import { rejectionOf } from '../helpers/errors.js';
import { serviceWithFakes } from '../helpers/service.js';

const SECRET = 'query-secret';

/** A phone number validated for `purpose`, as the homeserver will then ask about it. */
async function validatedFor(purpose: Purpose) {
  const service = serviceWithFakes({
    bindings: [{ medium: 'msisdn', address: '447400123456', user_id: '@alice:example.org' }],
  });
  const { sid } = await service.validation.requestToken({
    purpose,
    medium: 'msisdn',
    country: 'GB',
    phoneNumber: purpose === 'password_reset' ? '07400 123456' : '07400 654321',
    clientSecret: SECRET,
    sendAttempt: 1,
  });
  await service.validation.submitToken({
    medium: 'msisdn',
    sid,
    clientSecret: SECRET,
    token: service.senders.lastSmsCode(),
  });
  return { ...service, sid, ask: () => service.validation.getValidatedThreepid(sid, SECRET) };
}

describe('getValidated3pid', () => {
  it.each([
    'registration',
    'add_threepid',
    'delegated',
  ] as const)('answers for a validated %s session, as often as it is asked, for its lifetime', async (purpose) => {
    const { ask, clock } = await validatedFor(purpose);
    const answer = { medium: 'msisdn', address: '447400654321', validatedAt: clock.now(), purpose };
    await expect(ask()).resolves.toEqual(answer);
    clock.advance(23 * HOUR + 59 * MINUTE);
    // Synapse asks once per stage submission and again on retries: nothing is used up.
    await expect(ask()).resolves.toEqual(answer);
    await expect(ask()).resolves.toEqual(answer);
    clock.advance(2 * MINUTE);
    expect((await rejectionOf(ask())).errcode).toBe('M_SESSION_EXPIRED');
  });

  it('answers a validated password reset session exactly as an unknown one: the service uses it up itself', async () => {
    const { ask, validation } = await validatedFor('password_reset');
    const hidden = await rejectionOf(ask());
    const unknown = await rejectionOf(
      validation.getValidatedThreepid('AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA', SECRET),
    );
    expect([hidden.status, hidden.errcode, hidden.message]).toEqual([
      404,
      'M_NO_VALID_SESSION',
      unknown.message,
    ]);
    expect([unknown.status, unknown.errcode]).toEqual([404, 'M_NO_VALID_SESSION']);
  });
});
