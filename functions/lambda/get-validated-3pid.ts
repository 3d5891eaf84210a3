import { makeGetValidatedThreepid } from '../core/validated-threepid.js';
import { makeGetValidated3pidHandler } from '../handlers/get-validated-3pid.js';
import { coreEssentials, logger, sessionStore } from './runtime.js';

const base = await coreEssentials();

export const handler = makeGetValidated3pidHandler({
  getValidatedThreepid: makeGetValidatedThreepid({ ...base, store: sessionStore() }),
  logger,
});
