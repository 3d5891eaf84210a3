/**
 * Render once, send anywhere: the domain's message intents (core's EmailSender and SmsSender) are
 * rendered here, in the session's language, from the templates, the catalogs and the operator's
 * brand (one Presentation), and handed to a transport as finished text.
 */
import type { EmailSender, Notice, SmsSender, ValidationEmail, ValidationSms } from '../core/ports.js';
import { renderNoticeEmail, renderValidationEmail } from '../templates/email.js';
import type { Presentation } from '../templates/presentation.js';
import { renderNoticeSms, renderValidationSms } from '../templates/sms.js';
import type { EmailTransport, SmsTransport } from './transports.js';

export class Mailer implements EmailSender {
  constructor(
    private readonly transport: EmailTransport,
    private readonly look: Presentation,
  ) {}

  async sendValidationEmail(email: ValidationEmail): Promise<void> {
    const rendered = renderValidationEmail(email, this.look);
    await this.transport.sendEmail({ to: email.to, ...rendered });
  }

  async sendNoticeEmail(notice: Notice): Promise<void> {
    await this.transport.sendEmail({ to: notice.to, ...renderNoticeEmail(notice, this.look) });
  }
}

export class SmsMessenger implements SmsSender {
  constructor(
    private readonly transport: SmsTransport,
    private readonly look: Presentation,
  ) {}

  async sendValidationSms(sms: ValidationSms): Promise<void> {
    await this.transport.sendSms({ to: sms.to, text: renderValidationSms(sms, this.look) });
  }

  async sendNoticeSms(notice: Notice): Promise<void> {
    await this.transport.sendSms({ to: notice.to, text: renderNoticeSms(notice, this.look) });
  }
}
