import { SESClient } from '@aws-sdk/client-ses';
import { SesEmailTransport } from '../adapters/ses/email-transport.js';
import { clientNetworksBy, createDirectory, frontDoorOf } from '../composition.js';
import { makeRequestEmailToken } from '../core/request-email-token.js';
import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { validationLinks } from '../http/links.js';
import { Mailer } from '../messages/messengers.js';
import { Presentation } from '../templates/presentation.js';

import { requestConfig as config, requestControls, storeEssentialsAndAdmin } from './request-runtime.js';
import { domainEvents, homeserverSessions, logger, SENDER_CLIENT_OPTIONS } from './runtime.js';

/** requestToken for email: the only function allowed to send through SES. */
const transport = new SesEmailTransport(new SESClient(SENDER_CLIENT_OPTIONS), {
  from: config.emailFrom,
  configurationSet: config.sesConfigurationSet,
  sourceArn: config.sesSourceArn,
});
const [{ store, base, admin, clientIp }, sessions] = await Promise.all([
  storeEssentialsAndAdmin(),
  homeserverSessions(),
]);

const presentation = Presentation.load(config);

export const handler = makeRequestTokenHandler({
  email: makeRequestEmailToken({
    ...base,
    ...requestControls(base),
    store,
    directory: createDirectory(config, admin),
    links: validationLinks(config.publicBaseUrl),
    emailPolicy: config.emailPolicy,
    email: new Mailer(transport, presentation),
    homeserverSessions: sessions,
    events: domainEvents(),
  }),
  clientOf: clientNetworksBy(clientIp),
  localeOf: (event) => presentation.negotiate(event.headers['accept-language']),
  logger,
  frontDoor: frontDoorOf(clientIp),
});
