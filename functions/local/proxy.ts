import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Headers that belong to one hop and are not passed on. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer'];

/**
 * What API Gateway's `$default` route does in front of a homeserver, locally: every request the
 * service does not serve goes to the homeserver's origin as it came (method, path, query, headers,
 * body), and its answer comes back as it is (status, headers, body), streamed both ways, so large
 * uploads and long polls work. A developer can run Synapse on :8008 and point a client here.
 */
export function proxyTo(origin: string) {
  const target = new URL(origin);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return (request: IncomingMessage, response: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const headers: Record<string, string | string[] | undefined> = {
        ...request.headers,
        host: target.host,
      };
      for (const name of HOP_BY_HOP) delete headers[name];
      const client = request.socket.remoteAddress ?? '';
      headers['x-forwarded-for'] = headers['x-forwarded-for']
        ? `${headers['x-forwarded-for']}, ${client}`
        : client;
      const upstream = send(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.on('end', () => resolve());
          answer.on('error', () => resolve());
        },
      );
      upstream.on('error', () => {
        if (!response.headersSent) {
          response.writeHead(502, { 'Content-Type': 'application/json' });
          response.end(
            JSON.stringify({ errcode: 'M_UNKNOWN', error: 'The homeserver could not be reached.' }),
          );
        } else response.destroy();
        resolve();
      });
      request.pipe(upstream);
    });
}
