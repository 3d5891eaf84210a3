import { loadLogLevel } from '../config.js';
import { makeFallbackHandler } from '../handlers/fallback.js';
import { createLogger } from '../logging.js';

/**
 * API Gateway's $default route when no homeserver sits behind the API: 404 or 405 M_UNRECOGNIZED.
 * It needs no table and no secret, so it loads neither.
 */
export const handler = makeFallbackHandler({ logger: createLogger({ logLevel: loadLogLevel(process.env) }) });
