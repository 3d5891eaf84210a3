import { frontDoorOf } from '../composition.js';
import { makeSubmitToken } from '../core/submit-token.js';
import { makeSubmitTokenHandler } from '../handlers/submit-token.js';
import { domainEvents, homeserverSessions, logger, storeAndEssentials } from './runtime.js';

const [{ store, base, clientIp }, sessions] = await Promise.all([storeAndEssentials(), homeserverSessions()]);

export const handler = makeSubmitTokenHandler({
  submitToken: makeSubmitToken({ ...base, store, homeserverSessions: sessions, events: domainEvents() }),
  logger,
  frontDoor: frontDoorOf(clientIp),
});
