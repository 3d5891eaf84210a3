import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { routeOf } from '../../functions/http/routes.js';
import { localContext } from '../../functions/local/event.js';

export interface EventInput {
  readonly method?: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** Defaults to the route key API Gateway would give a matched route. */
  readonly routeKey?: string;
  /** The address API Gateway saw the request come from; defaults to 192.0.2.1. */
  readonly sourceIp?: string;
}

/** An API Gateway HTTP API (payload 2.0) event, as Lambda receives it. */
export function httpEvent(input: EventInput): APIGatewayProxyEventV2 {
  const method = input.method ?? (input.body !== undefined || input.form ? 'POST' : 'GET');
  const rawQueryString = new URLSearchParams(input.query ?? {}).toString();
  let body: string | undefined;
  const headers: Record<string, string> = { host: 'matrix.example.org', ...input.headers };
  if (input.form) {
    body = new URLSearchParams(input.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (input.body !== undefined) {
    body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
    headers['content-type'] ??= 'application/json';
  }
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey ?? '$default',
    rawPath: input.path,
    rawQueryString,
    headers,
    ...(input.query ? { queryStringParameters: input.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'matrix.example.org',
      domainPrefix: 'matrix',
      http: {
        method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '192.0.2.1',
        userAgent: 'vitest',
      },
      requestId: 'request-id',
      routeKey: input.routeKey ?? '$default',
      stage: '$default',
      time: '23/Nov/2026:12:00:00 +0000',
      timeEpoch: 1_795_435_200_000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
  if (!input.routeKey) {
    const route = routeOf(event);
    if (route) {
      event.routeKey = `${route.method} ${route.path}`;
      event.requestContext.routeKey = event.routeKey;
    }
  }
  return event;
}

export function lambdaContext(name = 'test-function'): Context {
  return localContext(name);
}

export function parseJsonBody(result: { body?: string }): Record<string, unknown> {
  return JSON.parse(result.body ?? '{}');
}
