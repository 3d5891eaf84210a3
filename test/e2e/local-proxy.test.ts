import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/**
 * `npm start` with HOMESERVER_URL, as API Gateway's `$default` route in front of a homeserver:
 * every request the service does not serve goes to the homeserver as it came, and the answer
 * comes back as it is, streamed both ways.
 */
describe('the local server in front of a homeserver', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let server: TestServer;
  const received: { request: IncomingMessage; body: Buffer }[] = [];
  /** Lets the streaming test finish its slow answer. */
  let finishSlowAnswer: () => void = () => undefined;

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ request, body: Buffer.concat(chunks) });
        if (request.url === '/_matrix/client/v3/sync?slow=1') {
          response.writeHead(200, { 'Content-Type': 'text/plain' });
          response.write('first part;');
          finishSlowAnswer = () => response.end('second part');
          return;
        }
        response.writeHead(418, { 'Content-Type': 'application/json', 'X-Homeserver': 'yes' });
        response.end(JSON.stringify({ errcode: 'M_TEAPOT', bytes: Buffer.concat(chunks).length }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    server = await startTestServer({ HOMESERVER_URL: upstreamUrl });
  });
  afterAll(async () => {
    await server.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('passes method, path, query, headers and body on, and the status, headers and body back', async () => {
    const response = await server.send(
      'PUT',
      '/_matrix/client/v3/rooms/!a:example.org/send/m.room.message/1?ts=5',
      {
        headers: { Authorization: 'Bearer syt_user', 'Content-Type': 'application/json', 'X-Custom': 'kept' },
        body: JSON.stringify({ body: 'hello' }),
      },
    );
    expect([response.status, response.headers.get('x-homeserver'), response.json]).toEqual([
      418,
      'yes',
      { errcode: 'M_TEAPOT', bytes: 16 },
    ]);
    const { request, body } = received.at(-1) ?? { request: undefined, body: Buffer.alloc(0) };
    expect(request?.method).toBe('PUT');
    expect(request?.url).toBe('/_matrix/client/v3/rooms/!a:example.org/send/m.room.message/1?ts=5');
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer syt_user',
      'x-custom': 'kept',
      host: new URL(upstreamUrl).host,
      'x-forwarded-for': '127.0.0.1',
    });
    expect(body.toString()).toBe('{"body":"hello"}');
  });

  it('passes a body larger than the service takes for its own routes, such as a media upload', async () => {
    const upload = Buffer.alloc(5 * 1024 * 1024, 7);
    const response = await server.send('POST', '/_matrix/media/v3/upload', { body: upload });
    expect(response.json).toEqual({ errcode: 'M_TEAPOT', bytes: upload.length });
  });

  it('streams the answer: the first part arrives before the homeserver has finished', async () => {
    const response = await fetch(new URL('/_matrix/client/v3/sync?slow=1', server.url));
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(Buffer.from(first?.value ?? []).toString()).toBe('first part;');
    finishSlowAnswer();
    let rest = '';
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      rest += Buffer.from(chunk.value).toString();
    }
    expect(rest).toBe('second part');
  });

  it('still answers its own routes itself, a wrong method on them going to the homeserver', async () => {
    const own = await server.post('/_matrix/client/v3/register/msisdn/requestToken', {
      client_secret: 'own',
      country: 'GB',
      phone_number: '07400 123456',
      send_attempt: 1,
    });
    expect([own.status, typeof own.json.sid]).toEqual([200, 'string']);
    const before = received.length;
    await server.send('GET', '/_matrix/client/v3/register/msisdn/requestToken');
    expect(received.length).toBe(before + 1);
  });

  it('answers preflights itself, as API Gateway does', async () => {
    const before = received.length;
    const preflight = await server.send('OPTIONS', '/_matrix/client/v3/sync');
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
    expect(received.length).toBe(before);
  });

  it('answers 502 M_UNKNOWN when the homeserver cannot be reached', async () => {
    const orphan = await startTestServer({ HOMESERVER_URL: 'http://127.0.0.1:9' });
    try {
      const response = await orphan.get('/_matrix/client/versions');
      expect([response.status, response.json.errcode]).toEqual([502, 'M_UNKNOWN']);
    } finally {
      await orphan.close();
    }
  });
});
