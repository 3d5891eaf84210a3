import type { Logger } from '@aws-lambda-powertools/logger';
import { jsonErrorResponse } from '../http/errors.js';
import { unrecognized } from '../http/http-errors.js';
import { httpPipeline } from '../http/middleware.js';
import { matchRoute } from '../http/routes.js';

/**
 * Everything no handler serves: 405 for a known path with the wrong method (with `Allow`), else
 * 404; OPTIONS gets CORS.
 */
export function makeFallbackHandler(deps: { readonly logger: Logger }) {
  return httpPipeline({ logger: deps.logger, errors: jsonErrorResponse }, async (event) => {
    const match = matchRoute(event.requestContext.http.method, event.rawPath);
    throw match.kind === 'wrong-method' ? unrecognized(405, match.allowed) : unrecognized(404);
  });
}
