import { describe, expect, it } from 'vitest';
import type { Threepid } from '../../functions/core/model.js';
import type { ThreepidDirectory } from '../../functions/core/ports.js';
import { HOUR } from '../helpers/clock.js';
import { rejectionOf } from '../helpers/errors.js';
import { type ServiceOptions, serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

const SECRET = 'reset-secret';
const ALICE = '@alice:example.org';
const NEW_PASSWORD = 'correct horse battery staple';

/** A directory a test can change on the way, as accounts come and go on the homeserver. */
class ChangingDirectory implements ThreepidDirectory {
  readonly bound = new Map<string, string>([
    ['email:alice@example.org', ALICE],
    ['msisdn:447400123456', ALICE],
  ]);
  async findUserId(threepid: Threepid): Promise<string | undefined> {
    return this.bound.get(`${threepid.medium}:${threepid.address}`);
  }
}

const EMAIL_RESET: TestTokenRequest = {
  purpose: 'password_reset',
  medium: 'email',
  email: 'Alice@Example.org',
  clientSecret: SECRET,
  sendAttempt: 1,
};
const SMS_RESET: TestTokenRequest = {
  purpose: 'password_reset',
  medium: 'msisdn',
  country: 'GB',
  phoneNumber: '07400 123456',
  clientSecret: SECRET,
  sendAttempt: 1,
};

/** A password reset session for Alice, validated unless asked otherwise. */
async function resetSession(
  request: TestTokenRequest = EMAIL_RESET,
  { validated = true, ...options }: ServiceOptions & { validated?: boolean } = {},
) {
  const directory = new ChangingDirectory();
  const service = serviceWithFakes({ directory, ...options });
  const { sid } = await service.validation.requestToken(request);
  const token = request.medium === 'email' ? service.senders.lastEmailToken() : service.senders.lastSmsCode();
  if (validated) {
    await service.validation.submitToken({ medium: request.medium, sid, clientSecret: SECRET, token });
  }
  const reset = (
    overrides: { newPassword?: string | undefined; clientSecret?: string; logoutDevices?: boolean } = {},
  ) =>
    service.validation.resetPassword({
      sid,
      clientSecret: SECRET,
      newPassword: NEW_PASSWORD,
      logoutDevices: true,
      ...overrides,
    });
  return { ...service, directory, sid, token, reset };
}

describe('resetPassword', () => {
  it('sets the new password of the account a validated email belongs to, through the admin API', async () => {
    const { reset, accounts } = await resetSession();
    await expect(reset()).resolves.toEqual({ kind: 'reset' });
    expect(accounts.resets).toEqual([{ userId: ALICE, newPassword: NEW_PASSWORD, logoutDevices: true }]);
  });

  it('does the same for a validated phone number, which Synapse alone cannot', async () => {
    const { reset, accounts } = await resetSession(SMS_RESET);
    await expect(reset({ logoutDevices: false })).resolves.toEqual({ kind: 'reset' });
    expect(accounts.resets).toEqual([{ userId: ALICE, newPassword: NEW_PASSWORD, logoutDevices: false }]);
  });

  it('says "not validated yet" until the link is followed, so the client keeps polling', async () => {
    const { reset, accounts, validation, sid, token } = await resetSession(EMAIL_RESET, { validated: false });
    await expect(reset()).resolves.toEqual({ kind: 'not-validated' });
    await validation.submitToken({ medium: 'email', sid, clientSecret: SECRET, token });
    await expect(reset()).resolves.toEqual({ kind: 'reset' });
    expect(accounts.resets).toHaveLength(1);
  });

  it('uses a session once: the same session is refused the second time', async () => {
    const { reset, accounts } = await resetSession();
    await reset();
    await expect(reset({ newPassword: 'a different new password' })).resolves.toEqual({
      kind: 'refused',
      reason: expect.stringContaining('already been used'),
    });
    expect(accounts.resets).toHaveLength(1);
  });

  it('resets once when two requests race with the same session', async () => {
    const { reset, accounts } = await resetSession();
    const outcomes = await Promise.all([reset(), reset(), reset()]);
    expect(outcomes.filter((outcome) => outcome.kind === 'reset')).toHaveLength(1);
    expect(accounts.resets).toHaveLength(1);
  });

  it('refuses a session started for another purpose', async () => {
    const { reset, accounts } = await resetSession({
      ...EMAIL_RESET,
      purpose: 'add_threepid',
      email: 'bob@example.org',
    });
    await expect(reset()).resolves.toEqual({
      kind: 'refused',
      reason: expect.stringContaining('not for a password reset'),
    });
    expect(accounts.resets).toEqual([]);
  });

  it('refuses an unknown session, or the wrong client_secret, alike', async () => {
    const { reset } = await resetSession();
    const refused = { kind: 'refused', reason: 'No validated session matches these credentials.' };
    await expect(reset({ clientSecret: 'not-the-secret' })).resolves.toEqual(refused);
    const other = serviceWithFakes();
    await expect(
      other.validation.resetPassword({
        sid: 'AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA',
        clientSecret: SECRET,
        newPassword: NEW_PASSWORD,
        logoutDevices: true,
      }),
    ).resolves.toEqual(refused);
  });

  it('refuses a session whose validation has expired', async () => {
    const { reset, clock, accounts } = await resetSession();
    clock.advance(25 * HOUR);
    await expect(reset()).resolves.toMatchObject({ kind: 'refused' });
    expect(accounts.resets).toEqual([]);
  });

  it('asks for new_password once the session is validated, without using the session up', async () => {
    const { reset } = await resetSession();
    const error = await rejectionOf(reset({ newPassword: undefined }));
    expect([error.status, error.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    await expect(reset()).resolves.toEqual({ kind: 'reset' });
  });

  it('refuses a password shorter than the minimum, counted in characters, without using the session up', async () => {
    const { reset, accounts } = await resetSession(EMAIL_RESET, { passwordMinLength: 10 });
    const error = await rejectionOf(reset({ newPassword: 'short' }));
    expect([error.status, error.errcode]).toEqual([400, 'M_PASSWORD_TOO_SHORT']);
    // Ten characters, though more bytes and more UTF-16 units: long enough.
    await expect(reset({ newPassword: '🔑🔑🔑🔑🔑ééééé' })).resolves.toEqual({ kind: 'reset' });
    expect(accounts.resets).toHaveLength(1);
  });

  it('answers M_NOT_FOUND when the address no longer belongs to an account, and resets nothing', async () => {
    const { reset, accounts, directory } = await resetSession();
    directory.bound.delete('email:alice@example.org');
    const error = await rejectionOf(reset());
    expect([error.status, error.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect(accounts.resets).toEqual([]);
  });

  it('resets the account the address belongs to now, not when the session started', async () => {
    const { reset, accounts, directory } = await resetSession();
    directory.bound.set('email:alice@example.org', '@alice2:example.org');
    await reset();
    expect(accounts.resets[0]?.userId).toBe('@alice2:example.org');
  });

  it('gives the session back when the homeserver cannot reset, so the same session works on a retry', async () => {
    const { reset, accounts } = await resetSession();
    accounts.failNext();
    const error = await rejectionOf(reset());
    expect([error.status, error.errcode]).toEqual([503, 'M_UNKNOWN']);
    await expect(reset()).resolves.toEqual({ kind: 'reset' });
    expect(accounts.resets).toHaveLength(1);
  });

  it('logs the reset without the password, the address or the secret', async () => {
    const { reset, logger } = await resetSession();
    await reset();
    expect(logger.lines.map((line) => line.message)).toContain('Password reset');
    for (const secret of [NEW_PASSWORD, 'alice@example.org', SECRET])
      expect(logger.text()).not.toContain(secret);
  });
});
