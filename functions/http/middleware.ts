import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { withDeadline } from '../adapters/deadline.js';
import { MatrixError } from '../core/errors.js';
import { admitThroughFrontDoor, type OriginSecrets } from './front-door.js';
import { CORS_HEADERS, emptyResponse, type HttpResponse } from './responses.js';

export type HttpEvent = APIGatewayProxyEventV2;

/**
 * Time kept back from the function's own timeout: after the request's deadline, enough remains to
 * restore a session whose message could not go out, and to answer.
 */
export const RESERVED_AFTER_DEADLINE_MS = 2500;
export type LambdaHttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

/** What every handler's pipeline is built from, besides how it answers errors. */
export interface PipelineDeps {
  readonly logger: Logger;
  /**
   * CloudFront's origin secrets, when CloudFront is the front door (CLIENT_IP_SOURCE=cloudfront):
   * a request that carries none of them is refused before anything else. None: every request is
   * served, as behind API Gateway alone or a reverse proxy.
   */
  readonly frontDoor?: OriginSecrets | undefined;
}

export interface HttpPipelineOptions extends PipelineDeps {
  /**
   * How errors are answered: as Matrix JSON (`jsonErrorResponse`, API routes) or as a page for a
   * person (`pageErrorResponse`, the emailed link). Passed in, so a function that never answers
   * with a page does not carry the page templates. The request is given too: a page speaks the
   * language the request asks for.
   */
  readonly errors: (error: unknown, event: HttpEvent) => HttpResponse;
}

/**
 * The pipeline every handler runs in, on Lambda and locally alike:
 * - behind CloudFront, a request without its origin secret is refused (403 M_FORBIDDEN) first;
 * - OPTIONS is answered with CORS headers and no endpoint logic, as the spec requires;
 * - every response, error or not, carries the CORS headers;
 * - errors are mapped in one place (http/errors.ts); unknown ones become a bare 500 M_UNKNOWN
 *   and are logged with their stack, never with the request's query or body (they hold secrets).
 */
export function httpPipeline(
  options: HttpPipelineOptions,
  handler: (event: HttpEvent) => Promise<HttpResponse>,
): LambdaHttpHandler {
  return middy<HttpEvent, HttpResponse, Error, Context>()
    .use(injectLambdaContext(options.logger, { resetKeys: true }))
    .use(matrixHttp(options))
    .handler((event, context) =>
      withDeadline(context.getRemainingTimeInMillis() - RESERVED_AFTER_DEADLINE_MS, () => handler(event)),
    ) as unknown as LambdaHttpHandler;
}

function matrixHttp(options: HttpPipelineOptions): MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  const { logger } = options;
  const started = new WeakMap<object, number>();

  const finish = (event: HttpEvent, response: HttpResponse): HttpResponse => {
    const status = response.statusCode;
    const attributes = {
      method: event.requestContext.http.method,
      path: event.rawPath,
      status,
      durationMs: Date.now() - (started.get(event) ?? Date.now()),
    };
    if (status >= 500) logger.error('Request failed', attributes);
    else logger.info('Request handled', attributes);
    return { ...response, headers: { ...response.headers, ...CORS_HEADERS } };
  };

  return {
    before: async (request) => {
      started.set(request.event, Date.now());
      if (options.frontDoor) await admitThroughFrontDoor(request.event, options.frontDoor);
      if (request.event.requestContext.http.method === 'OPTIONS') {
        return finish(request.event, emptyResponse(204));
      }
      return undefined;
    },
    after: async (request) => {
      if (request.response) request.response = finish(request.event, request.response);
    },
    onError: async (request) => {
      const { error } = request;
      if (!(error instanceof MatrixError)) {
        logger.error('Unhandled error', {
          error: error ? { name: error.name, stack: error.stack } : 'unknown',
        });
      }
      request.response = finish(request.event, options.errors(error, request.event));
    },
  };
}
