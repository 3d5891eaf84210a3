import { frontDoorOf } from '../composition.js';
import { makeSubmitToken } from '../core/submit-token.js';
import { makeSubmitTokenHandler } from '../handlers/submit-token.js';
import { logger, storeAndEssentials } from './runtime.js';

const { store, base, clientIp } = await storeAndEssentials();

export const handler = makeSubmitTokenHandler({
  submitToken: makeSubmitToken({ ...base, store }),
  logger,
  frontDoor: frontDoorOf(clientIp),
});
