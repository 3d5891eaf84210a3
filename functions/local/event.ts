/**
 * Translation between node:http and API Gateway HTTP API (payload format 2.0), so the local
 * server runs exactly the handlers Lambda runs, on the same kind of event.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { HttpResponse } from '../http/responses.js';

/** RFC 3986's origin form: a path of `pchar`s (percent-encoding well formed), then any query. */
const ORIGIN_FORM = /^(?:\/(?:[\w\-.~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+(?:\?.*)?$/s;

/**
 * The URL of a request target as node:http passes it on: the usual origin form (`/path?query`) is
 * a path on this server, even when it starts with `//` (which `new URL(target, base)` would read
 * as a host); the absolute form (`http://host/path`) is read as it is. Undefined for anything
 * else (`*`, `//[`, `/%zz`), which the server answers with 400.
 */
export function requestTarget(target = '/'): URL | undefined {
  if (target.startsWith('/')) {
    const text = `http://local${target}`;
    return ORIGIN_FORM.test(target) && URL.canParse(text) ? new URL(text) : undefined;
  }
  const url = URL.canParse(target) ? new URL(target) : undefined;
  return url?.protocol === 'http:' || url?.protocol === 'https:' ? url : undefined;
}

/**
 * The event API Gateway would give the handler. Headers pass through as they came, the client's
 * own X-Forwarded-For included; the source IP is the socket's peer, as API Gateway's is its own
 * (an IPv4 client of a dual-stack listener appears as `::ffff:a.b.c.d`).
 */
export function toHttpApiEvent(
  request: IncomingMessage,
  url: URL,
  body: string,
  routeKey: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body === '' ? {} : { body }),
    isBase64Encoded: false,
  };
}

/** A Lambda context for one local invocation; enough for middy and the Powertools logger. */
export function localContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function writeResult(response: ServerResponse, result: HttpResponse): void {
  const body = result.body ?? '';
  response.writeHead(result.statusCode, {
    ...result.headers,
    'Content-Length': String(Buffer.byteLength(body, result.isBase64Encoded ? 'base64' : 'utf8')),
  });
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}
