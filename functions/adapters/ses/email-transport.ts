import { domainToASCII } from 'node:url';
import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DeliveryError } from '../../core/errors.js';
import type { EmailTransport, OutgoingEmail } from '../../messages/transports.js';
import { untilDeadline } from '../deadline.js';

export interface SesEmailTransportOptions {
  /** The From address, e.g. `Example <noreply@example.org>`; its identity must be verified in SES. */
  readonly from: string;
  /** SES configuration set for event publishing (bounces, complaints). */
  readonly configurationSet?: string | undefined;
  /** Identity ARN to send as, when it lives in another account (sending authorisation). */
  readonly sourceArn?: string | undefined;
}

// SES refuses these addresses for good; anything else may work on a retry.
const PERMANENT_FAILURES = new Set(['MessageRejected', 'InvalidParameterValue']);

/** Sends rendered emails with SES SendEmail: a text part and an HTML part. */
export class SesEmailTransport implements EmailTransport {
  constructor(
    private readonly client: SESClient,
    private readonly options: SesEmailTransportOptions,
  ) {}

  async sendEmail(email: OutgoingEmail): Promise<void> {
    try {
      await this.client.send(
        new SendEmailCommand({
          Source: this.options.from,
          Destination: { ToAddresses: [asciiDomain(email.to)] },
          Message: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: email.text, Charset: 'UTF-8' },
              Html: { Data: email.html, Charset: 'UTF-8' },
            },
          },
          ...(this.options.configurationSet ? { ConfigurationSetName: this.options.configurationSet } : {}),
          ...(this.options.sourceArn ? { SourceArn: this.options.sourceArn } : {}),
        }),
        untilDeadline(),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new DeliveryError(PERMANENT_FAILURES.has(name), `SES SendEmail failed: ${name}`, {
        cause: error,
        errorClass: name,
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
