import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MatrixError } from '../../core/errors.js';
import type { HttpResponse } from '../../http/responses.js';
import { untilDeadline } from '../deadline.js';

/** Headers that belong to one hop, or that fetch recomputes; never passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
  // fetch has already decoded the body.
  'content-encoding',
]);

/**
 * Hands a request, unchanged, to the homeserver: method, path, query, headers, body. For the
 * requests of a route the service owns that are the homeserver's to answer (a logged-in password
 * change carries an access token, which only the homeserver can check). The homeserver's answer
 * comes back as it is, status and headers included.
 */
export function homeserverForwarder(
  origin: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
) {
  const send = options.fetch ?? globalThis.fetch;
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const url = new URL(event.rawPath, origin);
    url.search = event.rawQueryString ?? '';
    const headers = new Headers();
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) headers.set(name, value);
    }
    const forwardedFor = headers.get('x-forwarded-for');
    const client = event.requestContext.http.sourceIp;
    headers.set('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${client}` : client);
    const body =
      event.body === undefined
        ? undefined
        : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const deadline = untilDeadline().abortSignal;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await send(url, {
        method: event.requestContext.http.method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: deadline ? AbortSignal.any([timeout, deadline]) : timeout,
      });
    } catch {
      throw MatrixError.unavailable('The homeserver');
    }
    const answer: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) answer[name] = value;
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return {
      statusCode: response.status,
      headers: answer,
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    };
  };
}
