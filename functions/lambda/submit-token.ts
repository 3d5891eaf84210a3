import { makeSubmitToken } from '../core/submit-token.js';
import { makeSubmitTokenHandler } from '../handlers/submit-token.js';
import { coreEssentials, logger, sessionStore } from './runtime.js';

const base = await coreEssentials();

export const handler = makeSubmitTokenHandler({
  submitToken: makeSubmitToken({ ...base, store: sessionStore() }),
  logger,
});
