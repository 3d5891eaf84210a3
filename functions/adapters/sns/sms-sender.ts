import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../core/errors.js';
import type { SmsSender, ValidationSms } from '../../core/ports.js';
import { renderValidationSms } from '../../templates/sms.js';

export interface SnsSmsSenderOptions {
  readonly serverName: string;
  /** Alphanumeric sender ID (3-11 characters) where the destination country supports one. */
  readonly senderId?: string | undefined;
  /** A registered origination number (E.164), where the destination country requires one. */
  readonly originationNumber?: string | undefined;
}

// The number itself was refused: retrying will not help.
const PERMANENT_FAILURES = new Set(['InvalidParameter', 'InvalidParameterValue', 'OptedOut']);

/** Sends validation codes as transactional SMS with SNS Publish to a phone number (no topic). */
export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSmsSenderOptions,
  ) {}

  async sendValidationSms(sms: ValidationSms): Promise<void> {
    const attributes: NonNullable<PublishCommand['input']['MessageAttributes']> = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    };
    if (this.options.senderId) {
      attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: this.options.senderId };
    }
    if (this.options.originationNumber) {
      attributes['AWS.MM.SMS.OriginationNumber'] = {
        DataType: 'String',
        StringValue: this.options.originationNumber,
      };
    }
    try {
      await this.client.send(
        new PublishCommand({
          PhoneNumber: sms.to,
          Message: renderValidationSms(sms, this.options.serverName),
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new DeliveryError(PERMANENT_FAILURES.has(name), `SNS Publish failed: ${name}`, { cause: error });
    }
  }
}
