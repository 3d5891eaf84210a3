import { SNSClient } from '@aws-sdk/client-sns';
import { SnsSmsSender } from '../adapters/sns/sms-sender.js';
import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { config, logger, validationService } from './deps.js';

/** requestToken for phone numbers: the only function allowed to publish SMS through SNS. */
const sms = new SnsSmsSender(new SNSClient({}), {
  serverName: config.serverName,
  senderId: config.smsSenderId,
  originationNumber: config.smsOriginationNumber,
});

export const handler = makeRequestTokenHandler({ validation: validationService({ sms }), logger });
