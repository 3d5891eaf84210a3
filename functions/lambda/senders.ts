/** SES and SNS, for the requestToken function only, so the others do not load these SDKs. */
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { SesEmailSender } from '../adapters/ses/email-sender.js';
import { SnsSmsSender } from '../adapters/sns/sms-sender.js';
import { config } from './deps.js';

export const senders = {
  email: new SesEmailSender(new SESClient({}), {
    from: config.emailFrom,
    serverName: config.serverName,
    configurationSet: config.sesConfigurationSet,
    sourceArn: config.sesSourceArn,
  }),
  sms: new SnsSmsSender(new SNSClient({}), {
    serverName: config.serverName,
    senderId: config.smsSenderId,
    originationNumber: config.smsOriginationNumber,
  }),
};
