import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../core/errors.js';
import type { OutgoingSms, SmsTransport } from '../../messages/transports.js';
import { untilDeadline } from '../deadline.js';

export interface SnsSmsTransportOptions {
  /** Alphanumeric sender ID (3-11 characters) where the destination country supports one. */
  readonly senderId?: string | undefined;
  /** A registered origination number (E.164), where the destination country requires one. */
  readonly originationNumber?: string | undefined;
  /**
   * The most SNS may charge for one message, in US dollars: a dearer message is not sent. Sent as
   * `AWS.SNS.SMS.MaxPrice` on every publish, so one message's cost is always capped.
   */
  readonly maxPriceUsd: number;
}

// The number itself was refused: retrying will not help.
const PERMANENT_FAILURES = new Set(['InvalidParameter', 'InvalidParameterValue', 'OptedOut']);

/** Sends rendered texts as transactional SMS with SNS Publish to a phone number (no topic). */
export class SnsSmsTransport implements SmsTransport {
  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSmsTransportOptions,
  ) {}

  async sendSms(sms: OutgoingSms): Promise<void> {
    const attributes: NonNullable<PublishCommand['input']['MessageAttributes']> = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
      'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: String(this.options.maxPriceUsd) },
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
          Message: sms.text,
          MessageAttributes: attributes,
        }),
        untilDeadline(),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      throw new DeliveryError(PERMANENT_FAILURES.has(name), `SNS Publish failed: ${name}`, {
        cause: error,
        errorClass: name,
      });
    }
  }
}
