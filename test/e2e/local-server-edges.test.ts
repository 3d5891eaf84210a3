import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadLocalConfig } from '../../functions/config.js';
import { clientNetworks } from '../../functions/http/client-ip.js';
import { fixedOriginSecrets } from '../../functions/http/front-door.js';
import { ROUTES, routesServed } from '../../functions/http/routes.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/**
 * The local server where HTTP itself goes wrong, over real sockets: request targets that are not
 * paths, methods a path does not take, bodies too large to read, and what the handlers are told
 * about the client's address.
 */

interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Whether the server closed the connection after answering (waits up to two seconds). */
  readonly closed: Promise<boolean>;
}

/**
 * One request written as is to a fresh connection, for what fetch would not send (`GET //[`) or
 * would not show (`Connection`, the socket closing). The connection is dropped once `closed` settles.
 */
function rawRequest(server: TestServer, request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  }).finally(() => socket.destroy());
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const [statusLine = '', ...lines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      const body = received.subarray(headEnd + 4);
      if (body.length < Number(headers['content-length'] ?? 0)) return;
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8'), closed });
    });
    socket.write(request);
  });
}

const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

function post(path: string, body: string, contentLength = Buffer.byteLength(body)): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: localhost',
    'Content-Type: application/json',
    `Content-Length: ${contentLength}`,
    '',
    body,
  ].join('\r\n');
}

describe('the local server at the edges of HTTP', () => {
  let server: TestServer;
  const events: APIGatewayProxyEventV2[] = [];

  beforeAll(async () => {
    server = await startTestServer({}, { onEvent: (event) => events.push(event) });
  });
  afterAll(() => server.close());

  describe('a request target that is not a path', () => {
    it.each([
      ['GET //[', get('//[')],
      ['a bad percent-encoding', get('/_matrix/client/v3/register/%zz')],
      ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n'],
    ])('answers %s with 400 M_UNRECOGNIZED, not 500, and keeps the connection', async (_, request) => {
      const response = await rawRequest(server, request);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual({
        errcode: 'M_UNRECOGNIZED',
        error: 'The request target is not a valid path.',
      });
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers.connection).toBe('keep-alive');
    });

    it('reads a target that starts with // as a path, as API Gateway would, never as a host', async () => {
      const response = await rawRequest(server, get('//localhost/_local/outbox'));
      expect([response.status, JSON.parse(response.body).errcode]).toEqual([404, 'M_UNRECOGNIZED']);
    });
  });

  describe('a method the path does not take', () => {
    const pathsOfTheRouteTable = [...new Set(ROUTES.map((route) => route.path))];

    it.each(
      pathsOfTheRouteTable,
    )('answers DELETE %s with 405 and Allow: its methods and OPTIONS', async (path) => {
      const methods = ROUTES.filter((route) => route.path === path).map((route) => route.method);
      const response = await server.send('DELETE', path);
      expect([response.status, response.json.errcode]).toEqual([405, 'M_UNRECOGNIZED']);
      expect(response.headers.get('allow')).toBe([...methods, 'OPTIONS'].join(', '));
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });

    it.each([
      ['GET', '/_matrix/client/v3/register/email/requestToken', 'POST, OPTIONS'],
      ['PUT', '/_matrix/client/r0/validate/email/confirm', 'GET, HEAD, POST, OPTIONS'],
      ['POST', '/_matrix/identity/v2/3pid/getValidated3pid', 'GET, OPTIONS'],
      ['HEAD', '/_matrix/client/v3/validate/msisdn/submitToken', 'POST, OPTIONS'],
      ['POST', '/_local/outbox', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/_local/outbox', 'GET, HEAD, OPTIONS'],
    ])('answers %s %s with Allow: %s', async (method, path, allow) => {
      const response = await server.send(method, path);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
    });

    it('sends no Allow with a 404', async () => {
      const response = await server.send('DELETE', '/_matrix/client/v3/sync');
      expect([response.status, response.headers.get('allow')]).toEqual([404, null]);
    });
  });

  describe('a body over 64 KiB', () => {
    const path = '/_matrix/client/v3/register/email/requestToken';
    const oversized = JSON.stringify({ client_secret: 'x', email: 'a@example.org', pad: 'x'.repeat(70_000) });

    it.each([
      ['all of it sent', post(path, oversized)],
      [
        'more of it announced than sent, so the server cannot wait for the end',
        post(path, oversized, 10_000_000),
      ],
      ['to the outbox', post('/_local/outbox', oversized)],
    ])('is answered 413 with Connection: close, and the connection is closed (%s)', async (_, request) => {
      const response = await rawRequest(server, request);
      expect([response.status, JSON.parse(response.body).errcode]).toEqual([413, 'M_TOO_LARGE']);
      expect(response.headers.connection).toBe('close');
      expect(await response.closed).toBe(true);
    });

    it('leaves other connections alone', async () => {
      await rawRequest(server, post(path, oversized));
      expect((await server.get('/_local/outbox')).status).toBe(200);
    });
  });

  describe("the client's address", () => {
    beforeEach(() => {
      events.length = 0;
    });

    it("is the socket's peer, and X-Forwarded-For reaches the handler as the client sent it", async () => {
      await server.get('/_matrix/identity/v2/3pid/getValidated3pid');
      await server.send('GET', '/_matrix/identity/v2/3pid/getValidated3pid', {
        headers: { 'X-Forwarded-For': '198.51.100.9, 203.0.113.7' },
      });
      expect(events.map((event) => event.requestContext.http.sourceIp)).toEqual(['127.0.0.1', '127.0.0.1']);
      expect(events[0]?.headers['x-forwarded-for']).toBeUndefined();
      expect(events[1]?.headers['x-forwarded-for']).toBe('198.51.100.9, 203.0.113.7');
    });

    it('is the one the default configuration keys on, whatever X-Forwarded-For says', async () => {
      await server.send('GET', '/_matrix/identity/v2/3pid/getValidated3pid', {
        headers: { 'X-Forwarded-For': '198.51.100.9' },
      });
      const [event] = events;
      expect(event && clientNetworks(event, { kind: 'direct' }).keys).toEqual([
        { scope: 'ip', value: 'ip4:127.0.0.1' },
      ]);
    });
  });
});

describe('CLIENT_IP_SOURCE=proxy TRUSTED_PROXY_CIDRS=127.0.0.1/32 npm start', () => {
  const ENV = { CLIENT_IP_SOURCE: 'proxy', TRUSTED_PROXY_CIDRS: '127.0.0.1/32' };
  let server: TestServer;
  const events: APIGatewayProxyEventV2[] = [];

  beforeAll(async () => {
    server = await startTestServer(ENV, { onEvent: (event) => events.push(event) });
  });
  afterAll(() => server.close());

  it('takes the client from X-Forwarded-For, since the peer is the trusted loopback', async () => {
    const source = loadLocalConfig(ENV).clientIpSource;
    expect(source).toEqual({ kind: 'proxy', trusted: ['127.0.0.1/32'] });
    if (source.kind !== 'proxy') throw new Error('not behind a proxy');
    await server.send('GET', '/_matrix/identity/v2/3pid/getValidated3pid', {
      headers: { 'X-Forwarded-For': '6.6.6.6, 2001:db8:1:2::9' },
    });
    const [event] = events;
    expect(event && clientNetworks(event, source)).toEqual({
      ip: '2001:db8:1:2::9',
      keys: [
        { scope: 'ip', value: 'ip6:2001:db8:1:2::/64' },
        { scope: 'ip48', value: 'ip6:2001:db8:1::/48' },
      ],
    });
  });
});

describe('CLIENT_IP_SOURCE=cloudfront CLOUDFRONT_ORIGIN_SECRET=… npm start', () => {
  const SECRET = 'c'.repeat(48);
  let server: TestServer;
  const events: APIGatewayProxyEventV2[] = [];

  beforeAll(async () => {
    server = await startTestServer(
      { CLIENT_IP_SOURCE: 'cloudfront', CLOUDFRONT_ORIGIN_SECRET: SECRET },
      { onEvent: (event) => events.push(event) },
    );
  });
  afterAll(() => server.close());

  const api = routesServed({ homeserver: false, admin: false, emailImport: false }).filter(
    (route) => route.handler !== 'emailLink',
  );

  it.each(
    api.map((route) => [route.method, route.path] as const),
  )('refuses %s %s without the origin secret, as 403 M_FORBIDDEN', async (method, path) => {
    const response = await server.send(method, path, method === 'POST' ? { body: '{}' } : {});
    expect([response.status, response.json.errcode]).toEqual([403, 'M_FORBIDDEN']);
  });

  it('refuses the emailed link without it too, with a page for the person who opened it', async () => {
    const path = '/_matrix/client/v3/validate/email/confirm';
    const page = await server.get(path, { sid: 'a', token: 'b' });
    expect([page.status, page.headers.get('content-type')]).toEqual([403, 'text/html; charset=utf-8']);
    expect(page.text).toContain('This link does not work here');
    expect((await server.send('HEAD', path)).status).toBe(403);
    expect((await server.send('POST', path, { body: 'sid=a&token=b' })).status).toBe(403);
  });

  it('serves a request that carries it, keyed on the viewer address CloudFront gives', async () => {
    const response = await server.post(
      '/_matrix/client/v3/register/msisdn/requestToken',
      { client_secret: 'cloudfront', country: 'GB', phone_number: '07400 123490', send_attempt: 1 },
      { 'X-Origin-Verify': SECRET, 'CloudFront-Viewer-Address': '198.51.100.9:51234' },
    );
    expect([response.status, typeof response.json.sid]).toEqual([200, 'string']);
    const event = events.at(-1);
    if (!event) throw new Error('no event');
    expect(clientNetworks(event, { kind: 'cloudfront', originSecrets: fixedOriginSecrets(SECRET) }).ip).toBe(
      '198.51.100.9',
    );
  });

  it('answers other paths 404 either way: the fallback serves nothing', async () => {
    expect((await server.get('/_matrix/client/v3/sync')).status).toBe(404);
  });
});
