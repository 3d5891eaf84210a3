import { makeEmailLinkHandler } from '../handlers/email-link.js';
import { config, logger, validationService } from './deps.js';

export const handler = makeEmailLinkHandler({
  validation: validationService(),
  logger,
  serverName: config.serverName,
  nextLinkAllowedHosts: config.nextLinkAllowedHosts,
});
