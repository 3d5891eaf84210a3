import { describe, expect, it } from 'vitest';
import { Outbox } from '../../functions/adapters/local/outbox.js';
import { ManualClock } from '../helpers/clock.js';

const email = {
  to: 'alice@example.org',
  purpose: 'registration',
  link: 'http://localhost:8090/_matrix/client/v3/validate/email/confirm?sid=a.b&client_secret=s&token=t',
  validForMs: 3_600_000,
} as const;
const sms = { to: '+447400123456', purpose: 'password_reset', code: '012345', validForMs: 600_000 } as const;

describe('Outbox', () => {
  it('lists messages oldest first, in the shape GET /_local/outbox serves', async () => {
    const clock = new ManualClock();
    const outbox = new Outbox({ serverName: 'localhost', now: () => clock.now() });
    await outbox.sendValidationEmail(email);
    clock.advance(1000);
    await outbox.sendValidationSms(sms);
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
    const outbox = new Outbox({
      serverName: 'localhost',
      now: Date.now,
      print: (text) => printed.push(text),
    });
    await outbox.sendValidationEmail(email);
    await outbox.sendValidationSms(sms);
    expect(printed[0]).toContain('email to alice@example.org');
    expect(printed[0]).toContain(`│ ${email.link}`);
    expect(printed[1]).toContain('SMS to +447400123456');
    expect(printed[1]).toContain('code: 012345');
  });

  it('keeps only the newest messages beyond its capacity', async () => {
    const outbox = new Outbox({ serverName: 'localhost', now: Date.now, capacity: 2 });
    for (const code of ['000001', '000002', '000003']) await outbox.sendValidationSms({ ...sms, code });
    expect(outbox.messages().map((message) => message.text.match(/\d{6}/)?.[0])).toEqual([
      '000002',
      '000003',
    ]);
  });
});
