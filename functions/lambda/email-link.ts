import { frontDoorOf } from '../composition.js';
import { makePreviewSession } from '../core/preview.js';
import { makeSubmitToken } from '../core/submit-token.js';
import { makeEmailLinkHandler } from '../handlers/email-link.js';
import { Presentation } from '../templates/presentation.js';
import { config, domainEvents, homeserverSessions, logger, storeAndEssentials } from './runtime.js';

const [{ store, base, clientIp }, sessions] = await Promise.all([storeAndEssentials(), homeserverSessions()]);

export const handler = makeEmailLinkHandler({
  submitToken: makeSubmitToken({ ...base, store, homeserverSessions: sessions, events: domainEvents() }),
  previewSession: makePreviewSession({ ...base, store }),
  logger,
  frontDoor: frontDoorOf(clientIp),
  presentation: Presentation.load(config),
  nextLinkAllowedHosts: config.nextLinkAllowedHosts,
});
