import { makeGetValidated3pidHandler } from '../handlers/get-validated-3pid.js';
import { logger, validationService } from './deps.js';

export const handler = makeGetValidated3pidHandler({ validation: validationService(), logger });
