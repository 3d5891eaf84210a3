import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { logger, validationService } from './deps.js';
import { senders } from './senders.js';

export const handler = makeRequestTokenHandler({ validation: validationService(senders), logger });
