import { SESClient } from '@aws-sdk/client-ses';
import { SesEmailSender } from '../adapters/ses/email-sender.js';
import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { config, logger, validationService } from './deps.js';

/** requestToken for email: the only function allowed to send through SES. */
const email = new SesEmailSender(new SESClient({}), {
  from: config.emailFrom,
  serverName: config.serverName,
  configurationSet: config.sesConfigurationSet,
  sourceArn: config.sesSourceArn,
});

export const handler = makeRequestTokenHandler({ validation: validationService({ email }), logger });
