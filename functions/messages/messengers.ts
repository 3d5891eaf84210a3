/**
 * Render once, send anywhere: the domain's message intents (core's EmailSender and SmsSender) are
 * rendered here, from the templates and the server's name, and handed to a transport as finished
 * text. The server name is given in this one place.
 */
import type { EmailSender, Notice, SmsSender, ValidationEmail, ValidationSms } from '../core/ports.js';
import { renderNoticeEmail, renderValidationEmail } from '../templates/email.js';
import { renderNoticeSms, renderValidationSms } from '../templates/sms.js';
import type { EmailTransport, SmsTransport } from './transports.js';

export interface MessageOptions {
  /** The homeserver's name, as people know it (`example.org`). */
  readonly serverName: string;
}

export class Mailer implements EmailSender {
  constructor(
    private readonly transport: EmailTransport,
    private readonly options: MessageOptions,
  ) {}

  async sendValidationEmail(email: ValidationEmail): Promise<void> {
    const rendered = renderValidationEmail(email, this.options.serverName);
    await this.transport.sendEmail({ to: email.to, ...rendered });
  }

  async sendNoticeEmail(notice: Notice): Promise<void> {
    await this.transport.sendEmail({ to: notice.to, ...renderNoticeEmail(notice, this.options.serverName) });
  }
}

export class SmsMessenger implements SmsSender {
  constructor(
    private readonly transport: SmsTransport,
    private readonly options: MessageOptions,
  ) {}

  async sendValidationSms(sms: ValidationSms): Promise<void> {
    await this.transport.sendSms({ to: sms.to, text: renderValidationSms(sms, this.options.serverName) });
  }

  async sendNoticeSms(notice: Notice): Promise<void> {
    await this.transport.sendSms({ to: notice.to, text: renderNoticeSms(notice, this.options.serverName) });
  }
}
