import { makeFallbackHandler } from '../handlers/fallback.js';
import { logger } from './deps.js';

/** For API Gateway's $default route when no homeserver sits behind it: 404/405 M_UNRECOGNIZED. */
export const handler = makeFallbackHandler({ logger });
