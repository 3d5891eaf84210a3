import { domainToASCII } from 'node:url';
import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DeliveryError } from '../../core/errors.js';
import type { EmailSender, ValidationEmail } from '../../core/ports.js';
import { renderValidationEmail } from '../../templates/email.js';

export interface SesEmailSenderOptions {
  /** The From address, e.g. `Example <noreply@example.org>`; its identity must be verified in SES. */
  readonly from: string;
  readonly serverName: string;
  /** SES configuration set for event publishing (bounces, complaints). */
  readonly configurationSet?: string | undefined;
  /** Identity ARN to send as, when it lives in another account (sending authorisation). */
  readonly sourceArn?: string | undefined;
}

// SES refuses these addresses for good; anything else may work on a retry.
const PERMANENT_FAILURES = new Set(['MessageRejected', 'InvalidParameterValue']);

/** Sends validation emails with SES SendEmail: a text part and an HTML part. */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESClient,
    private readonly options: SesEmailSenderOptions,
  ) {}

  async sendValidationEmail(email: ValidationEmail): Promise<void> {
    const message = renderValidationEmail(email, this.options.serverName);
    try {
      await this.client.send(
        new SendEmailCommand({
          Source: this.options.from,
          Destination: { ToAddresses: [asciiDomain(email.to)] },
          Message: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
          },
          ...(this.options.configurationSet ? { ConfigurationSetName: this.options.configurationSet } : {}),
          ...(this.options.sourceArn ? { SourceArn: this.options.sourceArn } : {}),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new DeliveryError(PERMANENT_FAILURES.has(name), `SES SendEmail failed: ${name}`, {
        cause: error,
      });
    }
  }
}

/** SES wants 7-bit addresses: an internationalised domain is sent as punycode. */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const ascii = domainToASCII(address.slice(at + 1));
  return ascii ? `${address.slice(0, at)}@${ascii}` : address;
}
