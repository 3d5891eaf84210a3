import { SNSClient } from '@aws-sdk/client-sns';
import { SnsSmsTransport } from '../adapters/sns/sms-transport.js';
import { createDirectory } from '../composition.js';
import { makeRequestMsisdnToken } from '../core/request-msisdn-token.js';
import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { validationLinks } from '../http/links.js';
import { SmsMessenger } from '../messages/messengers.js';
import { config, logger, storeAndEssentials } from './runtime.js';

/** requestToken for phone numbers: the only function allowed to publish SMS through SNS. */
const transport = new SnsSmsTransport(new SNSClient({}), {
  senderId: config.smsSenderId,
  originationNumber: config.smsOriginationNumber,
  maxPriceUsd: config.smsMaxPriceUsd,
});
const { store, base } = await storeAndEssentials();

export const handler = makeRequestTokenHandler({
  msisdn: makeRequestMsisdnToken({
    ...base,
    store,
    directory: createDirectory(config),
    links: validationLinks(config.publicBaseUrl),
    sms: new SmsMessenger(transport, { serverName: config.serverName }),
  }),
  logger,
});
