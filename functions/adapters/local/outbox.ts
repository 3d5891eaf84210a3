import type { EmailTransport, OutgoingEmail, OutgoingSms, SmsTransport } from '../../messages/transports.js';

/** One message as `GET /_local/outbox` lists it. */
export interface OutboxMessage {
  readonly medium: 'email' | 'msisdn';
  /** Email address, or E.164 with `+`. */
  readonly to: string;
  readonly subject: string | null;
  readonly text: string;
  readonly html: string | null;
  /** Epoch milliseconds. */
  readonly sent_at: number;
}

export interface OutboxOptions {
  readonly now: () => number;
  /** Where each message is printed; silent when omitted. */
  readonly print?: (text: string) => void;
  /** Oldest messages are dropped beyond this, so a long-running server does not grow forever. */
  readonly capacity?: number;
}

/**
 * Local stand-in for SES and SNS, a transport like them: keeps every message in memory and prints
 * it, link and code included, to the terminal. It exists only in local mode; nothing here runs on
 * AWS.
 */
export class Outbox implements EmailTransport, SmsTransport {
  private readonly stored: OutboxMessage[] = [];

  constructor(private readonly options: OutboxOptions) {}

  async sendEmail(email: OutgoingEmail): Promise<void> {
    this.keep({
      medium: 'email',
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      sent_at: this.options.now(),
    });
    this.options.print?.(
      banner(`email to ${email.to}`, [`Subject: ${email.subject}`, '', email.text.trimEnd()]),
    );
  }

  async sendSms(sms: OutgoingSms): Promise<void> {
    this.keep({
      medium: 'msisdn',
      to: sms.to,
      subject: null,
      text: sms.text,
      html: null,
      sent_at: this.options.now(),
    });
    this.options.print?.(banner(`SMS to ${sms.to}`, [sms.text]));
  }

  /** Everything sent, oldest first. */
  messages(): readonly OutboxMessage[] {
    return [...this.stored];
  }

  private keep(message: OutboxMessage): void {
    this.stored.push(message);
    const overflow = this.stored.length - (this.options.capacity ?? 1000);
    if (overflow > 0) this.stored.splice(0, overflow);
  }
}

function banner(title: string, lines: string[]): string {
  const rule = '─'.repeat(Math.max(8, 60 - title.length));
  return [
    `\n┌── outbox: ${title} ${rule}`,
    ...lines.flatMap((line) => line.split('\n')).map((line) => `│ ${line}`),
    `└${'─'.repeat(72)}\n`,
  ].join('\n');
}
