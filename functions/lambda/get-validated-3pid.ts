import { frontDoorOf } from '../composition.js';
import { makeGetValidatedThreepid } from '../core/validated-threepid.js';
import { makeGetValidated3pidHandler } from '../handlers/get-validated-3pid.js';
import { logger, storeAndEssentials } from './runtime.js';

const { store, base, clientIp } = await storeAndEssentials();

export const handler = makeGetValidated3pidHandler({
  getValidatedThreepid: makeGetValidatedThreepid({ ...base, store }),
  logger,
  frontDoor: frontDoorOf(clientIp),
});
