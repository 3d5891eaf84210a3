import { makePreviewSession } from '../core/preview.js';
import { makeSubmitToken } from '../core/submit-token.js';
import { makeEmailLinkHandler } from '../handlers/email-link.js';
import { config, coreEssentials, logger, sessionStore } from './runtime.js';

const base = await coreEssentials();
const store = sessionStore();

export const handler = makeEmailLinkHandler({
  submitToken: makeSubmitToken({ ...base, store }),
  previewSession: makePreviewSession({ ...base, store }),
  logger,
  serverName: config.serverName,
  nextLinkAllowedHosts: config.nextLinkAllowedHosts,
});
