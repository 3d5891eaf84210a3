import type { EmailSender, SmsSender, ValidationEmail, ValidationSms } from '../../core/ports.js';
import { renderValidationEmail } from '../../templates/email.js';
import { renderValidationSms } from '../../templates/sms.js';

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
  readonly serverName: string;
  readonly now: () => number;
  /** Where each message is printed; silent when omitted. */
  readonly print?: (text: string) => void;
  /** Oldest messages are dropped beyond this, so a long-running server does not grow forever. */
  readonly capacity?: number;
}

/**
 * Local stand-in for SES and SNS: keeps every message in memory and prints it, link and code
 * included, to the terminal. It exists only in local mode; nothing here runs on AWS.
 */
export class Outbox implements EmailSender, SmsSender {
  private readonly stored: OutboxMessage[] = [];

  constructor(private readonly options: OutboxOptions) {}

  async sendValidationEmail(email: ValidationEmail): Promise<void> {
    const rendered = renderValidationEmail(email, this.options.serverName);
    this.keep({
      medium: 'email',
      to: email.to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      sent_at: this.options.now(),
    });
    this.options.print?.(
      banner(`email to ${email.to}`, [`Subject: ${rendered.subject}`, '', rendered.text.trimEnd()]),
    );
  }

  async sendValidationSms(sms: ValidationSms): Promise<void> {
    const text = renderValidationSms(sms, this.options.serverName);
    this.keep({ medium: 'msisdn', to: sms.to, subject: null, text, html: null, sent_at: this.options.now() });
    this.options.print?.(banner(`SMS to ${sms.to}`, [text, '', `code: ${sms.code}`]));
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
