import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, inject, it } from 'vitest';
import { SnsSmsTransport, type SnsSmsTransportOptions } from '../../functions/adapters/sns/sms-transport.js';
import type { ValidationSms } from '../../functions/core/ports.js';
import { SmsMessenger } from '../../functions/messages/messengers.js';
import { gsm7Length } from '../../functions/templates/sms.js';
import { EMULATOR_CLIENT_CONFIG, motoState } from '../helpers/aws.js';
import { testPresentation } from '../helpers/presentation.js';
import { captureQueryRequests } from '../helpers/wire.js';

const sms = (to: string): ValidationSms => ({
  to,
  purpose: 'registration',
  code: '042917',
  validForMs: 600_000,
});

/** The message attributes on the wire, as name → `DataType: StringValue`. */
function attributes(params: URLSearchParams): Record<string, string> {
  const found: Record<string, string> = {};
  for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
    found[params.get(`MessageAttributes.entry.${i}.Name`) ?? ''] =
      `${params.get(`MessageAttributes.entry.${i}.Value.DataType`)}: ${params.get(`MessageAttributes.entry.${i}.Value.StringValue`)}`;
  }
  return found;
}

/** SNS as the SMS messenger's transport, as the SMS function sends. */
const snsMessenger = (client: SNSClient, options: Partial<SnsSmsTransportOptions> = {}) =>
  new SmsMessenger(new SnsSmsTransport(client, { maxPriceUsd: 0.5, ...options }), testPresentation());

const moto = inject('motoEndpoint');

describe.runIf(moto)('SnsSmsTransport under the SMS messenger, against moto', () => {
  const client = new SNSClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
  const wire = captureQueryRequests(client);

  it('publishes the code to the phone number, no topic, and SNS records one message', async () => {
    const to = `+4474001${String(Date.now()).slice(-5)}`;
    await snsMessenger(client).sendValidationSms(sms(to));
    const recorded = (await motoState(moto)).sns.SMS.filter((message) => message.phone_number === to);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.message).toContain('042917');
    expect(wire.last().has('TopicArn')).toBe(false);
  });

  it('marks the message transactional, caps its price and keeps it to one GSM-7 segment', async () => {
    await snsMessenger(client).sendValidationSms(sms('+447400123456'));
    const params = wire.last();
    expect(attributes(params)).toEqual({
      'AWS.SNS.SMS.SMSType': 'String: Transactional',
      'AWS.SNS.SMS.MaxPrice': 'Number: 0.5',
    });
    expect(gsm7Length(params.get('Message') ?? '')).toBeLessThanOrEqual(160);
  });

  it('sends the configured price cap as a Number attribute on every publish', async () => {
    const sender = snsMessenger(client, { maxPriceUsd: 0.08 });
    for (const to of ['+447400123458', '+447400123459']) {
      await sender.sendValidationSms(sms(to));
      expect(attributes(wire.last())['AWS.SNS.SMS.MaxPrice']).toBe('Number: 0.08');
    }
  });

  it('adds the sender ID and origination number when configured', async () => {
    const sender = snsMessenger(client, {
      senderId: 'ExampleOrg',
      originationNumber: '+15555550100',
    });
    await sender.sendValidationSms(sms('+447400123457'));
    expect(attributes(wire.last())).toEqual({
      'AWS.SNS.SMS.SMSType': 'String: Transactional',
      'AWS.SNS.SMS.MaxPrice': 'Number: 0.5',
      'AWS.SNS.SMS.SenderID': 'String: ExampleOrg',
      'AWS.MM.SMS.OriginationNumber': 'String: +15555550100',
    });
  });
});

describe('SnsSmsTransport failures', () => {
  const failing = (name: string) => {
    const client = new SNSClient(EMULATOR_CLIENT_CONFIG);
    mockClient(client)
      .on(PublishCommand)
      .rejects(Object.assign(new Error(name), { name }));
    return snsMessenger(client);
  };

  it.each(['InvalidParameter', 'OptedOut'])('treats %s as permanent', async (name) => {
    await expect(failing(name).sendValidationSms(sms('+447400123456'))).rejects.toMatchObject({
      name: 'DeliveryError',
      permanent: true,
    });
  });

  it('treats a throttled or failing SNS as temporary', async () => {
    await expect(failing('Throttled').sendValidationSms(sms('+447400123456'))).rejects.toMatchObject({
      permanent: false,
    });
  });
});
