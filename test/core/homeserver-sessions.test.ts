import { describe, expect, it } from 'vitest';
import { HOUR } from '../helpers/clock.js';
import { rejectionOf } from '../helpers/errors.js';
import { serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

/**
 * A homeserver that keeps its own copy of email sessions (Synapse, with the module): it is told of
 * each email session before the email goes out, with the plaintext client_secret it will check,
 * and of its validation every time the link or the token confirms it. If it cannot be told, nothing
 * goes ahead that it would then refuse.
 */
const SECRET = 'module-secret-1';
const REGISTER: TestTokenRequest = {
  purpose: 'registration',
  medium: 'email',
  email: 'New.User@Example.org',
  clientSecret: SECRET,
  sendAttempt: 1,
};

describe('telling the homeserver of email sessions', () => {
  it('tells it of a new session before the email goes out, with what its checkers need', async () => {
    const { validation, homeserverSessions, senders, clock } = serviceWithFakes();
    const { sid } = await validation.requestToken(REGISTER);
    expect(homeserverSessions.calls).toEqual([
      {
        action: 'started',
        session: {
          sid,
          threepid: { medium: 'email', address: 'new.user@example.org' },
          clientSecret: SECRET,
          sendAttempt: 1,
          usableUntil: clock.now() + HOUR,
        },
      },
    ]);
    expect(senders.emails).toHaveLength(1);
  });

  it('tells it again, with the higher send_attempt, when the email is sent again; not for a repeat', async () => {
    const { validation, homeserverSessions, clock } = serviceWithFakes();
    await validation.requestToken(REGISTER);
    await validation.requestToken(REGISTER);
    clock.advance(HOUR / 2);
    await validation.requestToken({ ...REGISTER, sendAttempt: 2 });
    expect(
      homeserverSessions.calls.map((call) => call.action === 'started' && call.session.sendAttempt),
    ).toEqual([1, 2]);
  });

  it('sends nothing, and answers 503, when the homeserver cannot take the session; a retry then works', async () => {
    const { validation, homeserverSessions, senders } = serviceWithFakes();
    homeserverSessions.failNext();
    const error = await rejectionOf(validation.requestToken(REGISTER));
    expect([error.status, error.errcode]).toEqual([503, 'M_UNKNOWN']);
    expect(senders.emails).toEqual([]);
    // The session was taken back: the same send_attempt is not a repeat, and sends.
    await validation.requestToken(REGISTER);
    expect(senders.emails).toHaveLength(1);
  });

  it('tells it when the session is validated, and again on every later confirmation', async () => {
    const { validation, homeserverSessions, senders, clock } = serviceWithFakes();
    const { sid } = await validation.requestToken(REGISTER);
    const token = senders.lastEmailToken();
    clock.advance(60_000);
    const validatedAt = clock.now();
    await validation.submitToken({ medium: 'email', sid, clientSecret: undefined, token });
    await validation.submitToken({ medium: 'email', sid, clientSecret: undefined, token });
    const told = { sid, validatedAt, usableUntil: validatedAt + 24 * HOUR };
    expect(homeserverSessions.calls.slice(1)).toEqual([
      { action: 'validated', session: told },
      { action: 'validated', session: told },
    ]);
  });

  it('answers 503 when the homeserver cannot be told of the validation, and the next click repairs it', async () => {
    const { validation, homeserverSessions, senders } = serviceWithFakes();
    const { sid } = await validation.requestToken(REGISTER);
    const token = senders.lastEmailToken();
    homeserverSessions.failNext();
    const error = await rejectionOf(
      validation.submitToken({ medium: 'email', sid, clientSecret: SECRET, token }),
    );
    expect([error.status, error.errcode]).toEqual([503, 'M_UNKNOWN']);
    await expect(
      validation.submitToken({ medium: 'email', sid, clientSecret: SECRET, token }),
    ).resolves.toMatchObject({
      alreadyValidated: true,
    });
    expect(homeserverSessions.calls.map((call) => call.action)).toEqual(['started', 'validated']);
  });

  it('never tells it of a wrong token, a phone number, or a decoy', async () => {
    const phone = serviceWithFakes();
    const { sid } = await phone.validation.requestToken({
      purpose: 'registration',
      medium: 'msisdn',
      country: 'GB',
      phoneNumber: '07400 123456',
      clientSecret: SECRET,
      sendAttempt: 1,
    });
    await phone.validation.submitToken({
      medium: 'msisdn',
      sid,
      clientSecret: SECRET,
      token: phone.senders.lastSmsCode(),
    });
    expect(phone.homeserverSessions.calls).toEqual([]);

    const email = serviceWithFakes();
    const started = await email.validation.requestToken(REGISTER);
    await rejectionOf(
      email.validation.submitToken({
        medium: 'email',
        sid: started.sid,
        clientSecret: SECRET,
        token: 'wrong',
      }),
    );
    expect(email.homeserverSessions.calls.map((call) => call.action)).toEqual(['started']);

    const uniform = serviceWithFakes({
      uniform: { floorMs: 0, notices: [] },
      bindings: [{ medium: 'email', address: 'taken@example.org', user_id: '@taken:example.org' }],
    });
    await uniform.validation.requestToken({ ...REGISTER, email: 'taken@example.org' });
    expect(uniform.homeserverSessions.calls).toEqual([]);
  });
});
