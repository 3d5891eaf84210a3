import { makeSubmitTokenHandler } from '../handlers/submit-token.js';
import { logger, validationService } from './deps.js';

export const handler = makeSubmitTokenHandler({ validation: validationService(), logger });
