import { SNSClient } from '@aws-sdk/client-sns';
import { SnsSmsTransport } from '../adapters/sns/sms-transport.js';
import { clientNetworksBy, createDirectory, frontDoorOf } from '../composition.js';
import { makeRequestMsisdnToken } from '../core/request-msisdn-token.js';
import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { validationLinks } from '../http/links.js';
import { SmsMessenger } from '../messages/messengers.js';
import { Presentation } from '../templates/presentation.js';

import { requestConfig as config, requestControls, storeEssentialsAndAdmin } from './request-runtime.js';
import { domainEvents, logger, SENDER_CLIENT_OPTIONS } from './runtime.js';

/** requestToken for phone numbers: the only function allowed to publish SMS through SNS. */
const transport = new SnsSmsTransport(new SNSClient(SENDER_CLIENT_OPTIONS), {
  senderId: config.smsSenderId,
  originationNumber: config.smsOriginationNumber,
  maxPriceUsd: config.smsMaxPriceUsd,
});
const { store, base, admin, clientIp } = await storeEssentialsAndAdmin();

const presentation = Presentation.load(config);

export const handler = makeRequestTokenHandler({
  msisdn: makeRequestMsisdnToken({
    ...base,
    ...requestControls(base),
    store,
    directory: createDirectory(config, admin),
    links: validationLinks(config.publicBaseUrl),
    smsPolicy: config.smsPolicy,
    sms: new SmsMessenger(transport, presentation),
    events: domainEvents(),
  }),
  clientOf: clientNetworksBy(clientIp),
  localeOf: (event) => presentation.negotiate(event.headers['accept-language']),
  logger,
  frontDoor: frontDoorOf(clientIp),
});
