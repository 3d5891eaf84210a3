import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxOptions } from '../../functions/adapters/local/outbox.js';
import { Mailer, SmsMessenger } from '../../functions/messages/messengers.js';
import { ManualClock } from '../helpers/clock.js';
import { testPresentation } from '../helpers/presentation.js';

const email = {
  to: 'alice@example.org',
  purpose: 'registration',
  link: 'http://localhost:8090/_matrix/client/v3/validate/email/confirm?sid=a.b&client_secret=s&token=t',
  validForMs: 3_600_000,
} as const;
const sms = { to: '+447400123456', purpose: 'password_reset', code: '012345', validForMs: 600_000 } as const;

/** The outbox as the local server uses it: the transport under the mailer and the SMS messenger. */
function localMessaging(options: OutboxOptions) {
  const outbox = new Outbox(options);
  const messages = testPresentation({ serverName: 'localhost' });
  return { outbox, mailer: new Mailer(outbox, messages), texter: new SmsMessenger(outbox, messages) };
}

describe('Outbox', () => {
  it('lists messages oldest first, in the shape GET /_local/outbox serves', async () => {
    const clock = new ManualClock();
    const { outbox, mailer, texter } = localMessaging({ now: () => clock.now() });
    await mailer.sendValidationEmail(email);
    clock.advance(1000);
    await texter.sendValidationSms(sms);
    const [first, second] = outbox.messages();
    expect(first).toMatchObject({
      medium: 'email',
      to: 'alice@example.org',
      subject: '[localhost] Validate your email',
      sent_at: clock.now() - 1000,
    });
    expect(first?.text).toContain(email.link);
    expect(first?.html).toContain('<a href="http://localhost:8090/');
    expect(second).toEqual({
      medium: 'msisdn',
      to: '+447400123456',
      subject: null,
      text: expect.stringContaining('012345'),
      html: null,
      sent_at: clock.now(),
    });
  });

  it('prints each message with its link or code, for the developer at the terminal', async () => {
    const printed: string[] = [];
    const { mailer, texter } = localMessaging({ now: Date.now, print: (text) => printed.push(text) });
    await mailer.sendValidationEmail(email);
    await texter.sendValidationSms(sms);
    expect(printed[0]).toContain('email to alice@example.org');
    expect(printed[0]).toContain(`│ ${email.link}`);
    expect(printed[1]).toContain('SMS to +447400123456');
    expect(printed[1]).toContain('verification code is 012345');
  });

  it('keeps only the newest messages beyond its capacity', async () => {
    const { outbox, texter } = localMessaging({ now: Date.now, capacity: 2 });
    for (const code of ['000001', '000002', '000003']) await texter.sendValidationSms({ ...sms, code });
    expect(outbox.messages().map((message) => message.text.match(/\d{6}/)?.[0])).toEqual([
      '000002',
      '000003',
    ]);
  });
});
