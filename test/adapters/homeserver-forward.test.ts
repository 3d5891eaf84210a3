import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeserverForwarder } from '../../functions/adapters/homeserver/forward.js';
import { MatrixError } from '../../functions/core/errors.js';
import { httpEvent } from '../helpers/events.js';

/**
 * How a function hands a request of its own route to the homeserver (a logged-in password change,
 * whose access token only the homeserver can check): unchanged, and the answer back as it is.
 */
describe('homeserverForwarder', () => {
  let homeserver: Server;
  let origin: string;
  let last: { request: IncomingMessage; body: string } | undefined;

  beforeAll(async () => {
    homeserver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        last = { request, body };
        response.writeHead(403, { 'Content-Type': 'application/json', 'X-Request-Id': 'abc' });
        response.end('{"errcode":"M_FORBIDDEN","error":"Invalid password"}');
      });
    });
    await new Promise<void>((resolve) => homeserver.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(homeserver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => homeserver.close(() => resolve())));

  it('sends the method, path, query, headers and body, and adds the client to X-Forwarded-For', async () => {
    const forward = homeserverForwarder(origin);
    await forward(
      httpEvent({
        path: '/_matrix/client/v3/account/password',
        query: { access_token: 'syt_user' },
        headers: { 'x-forwarded-for': '203.0.113.9', 'keep-alive': 'timeout=99', 'x-custom': 'kept' },
        body: { new_password: 'new', auth: { type: 'm.login.password' } },
        sourceIp: '198.51.100.4',
      }),
    );
    expect(last?.request.method).toBe('POST');
    expect(last?.request.url).toBe('/_matrix/client/v3/account/password?access_token=syt_user');
    expect(last?.request.headers).toMatchObject({
      'x-custom': 'kept',
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.9, 198.51.100.4',
    });
    expect(last?.request.headers['keep-alive']).toBeUndefined();
    expect(JSON.parse(last?.body ?? '')).toEqual({ new_password: 'new', auth: { type: 'm.login.password' } });
  });

  it('decodes a body API Gateway sent base64-encoded', async () => {
    const forward = homeserverForwarder(origin);
    const event = httpEvent({ path: '/_matrix/client/v3/account/password', body: {} });
    await forward({ ...event, body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true });
    expect(last?.body).toBe('{"a":1}');
  });

  it("answers with the homeserver's status, headers and body, as they are", async () => {
    const forward = homeserverForwarder(origin);
    const response = await forward(httpEvent({ path: '/_matrix/client/v3/account/password', body: {} }));
    expect(response.statusCode).toBe(403);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'x-request-id': 'abc' });
    expect(Buffer.from(response.body ?? '', 'base64').toString()).toBe(
      '{"errcode":"M_FORBIDDEN","error":"Invalid password"}',
    );
  });

  it('answers 503 when the homeserver cannot be reached', async () => {
    const forward = homeserverForwarder('http://127.0.0.1:9', { timeoutMs: 500 });
    const error = await forward(httpEvent({ path: '/_matrix/client/v3/account/password', body: {} })).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(MatrixError);
    expect(error).toMatchObject({ status: 503, errcode: 'M_UNKNOWN' });
  });
});
