import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownedPaths, ROUTES } from '../../functions/http/routes.js';
import { proxyRecipe, recipeDeployment } from '../../scripts/routes.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';
import { NGINX_AVAILABLE, type RunningNginx, startNginx } from '../helpers/nginx.js';

/** What the stand-in homeserver received: everything a proxy could have changed. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly bytes: number;
  readonly sha256: string;
}

/** As the README's recipe: in front of Synapse with its admin token. */
const SHAPE = { admin: true, emailImport: false } as const;
const OWNED = ownedPaths(recipeDeployment(SHAPE));
/** Element's long-poll asks for 30 s; past API Gateway's 30 s integration timeout. */
const LONG_POLL_MS = 35_000;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The nginx recipe (`npm run routes -- --format nginx --admin`), run in Debian's real nginx in
 * front of the local service and a stand-in homeserver, below a homeserver location written as
 * Synapse's documentation writes it (a regex over `/_matrix`, which nginx would otherwise prefer to
 * any prefix location). The service runs alone, without a homeserver of its own, so whatever it
 * receives was sent to it by nginx, and nothing it receives can reach the homeserver through it.
 *
 * The tests run concurrently: the long-poll idles for 35 s while the others go on.
 */
describe.runIf(NGINX_AVAILABLE).concurrent('the nginx recipe in front of a homeserver', () => {
  let service: TestServer;
  let homeserver: Server;
  let nginx: RunningNginx;
  /** The path and query of every request that reached the service. */
  const atService: string[] = [];
  const atHomeserver: Received[] = [];

  beforeAll(async () => {
    service = await startTestServer(
      {},
      {
        onEvent: (event: APIGatewayProxyEventV2) =>
          atService.push(`${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`),
      },
    );
    homeserver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const received: Received = {
          method: request.method ?? '',
          url: request.url ?? '',
          authorization: request.headers.authorization,
          bytes: body.length,
          sha256: sha256(body),
        };
        atHomeserver.push(received);
        const answer = () => {
          response.writeHead(200, { 'Content-Type': 'application/json', 'X-Homeserver': 'stand-in' });
          response.end(JSON.stringify(received));
        };
        // A /sync long-poll with nothing new: the answer comes when the client's timeout is up.
        const poll = /^\/_matrix\/client\/v3\/sync\?timeout=(\d+)$/.exec(received.url);
        if (poll) setTimeout(answer, Number(poll[1]));
        else answer();
      });
    });
    await new Promise<void>((resolve) => homeserver.listen(0, '127.0.0.1', resolve));
    const homeserverOrigin = `http://127.0.0.1:${(homeserver.address() as AddressInfo).port}`;
    nginx = await startNginx(
      [
        // The operator's own configuration, as Synapse's reverse-proxy documentation has it.
        '    location ~ ^(/_matrix|/_synapse/client) {',
        `        proxy_pass ${homeserverOrigin};`,
        '        proxy_set_header X-Forwarded-For $remote_addr;',
        '        proxy_set_header X-Forwarded-Proto $scheme;',
        '        proxy_set_header Host $host;',
        '        client_max_body_size 50M;',
        '        proxy_http_version 1.1;',
        '    }',
        `    location / { proxy_pass ${homeserverOrigin}; }`,
        // Then the recipe, pasted below it.
        proxyRecipe({ format: 'nginx', upstream: service.url, ...SHAPE }),
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await nginx?.close();
    homeserver?.closeAllConnections();
    await new Promise<void>((resolve) => (homeserver ? homeserver.close(() => resolve()) : resolve()));
    await service?.close();
  });

  const through = (path: string, init: RequestInit = {}) => fetch(new URL(path, nginx.url), init);
  const owned = (url: string) => OWNED.includes(url.split('?')[0] ?? '');

  it('sends every path the service owns to the service, with each method it serves, and none to the homeserver', async () => {
    const requests = ROUTES.filter((route) => OWNED.includes(route.path)).map(
      (route) => [route.method, `${route.path}?probe=${route.method}`] as const,
    );
    expect(new Set(requests.map(([, url]) => url.split('?')[0]))).toEqual(new Set(OWNED));
    for (const [method, url] of requests) {
      const response = await through(url, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      await response.arrayBuffer();
      expect(response.headers.get('x-homeserver'), `${method} ${url}`).toBeNull();
    }
    expect(atService.filter((url) => url.includes('?probe='))).toEqual(requests.map(([, url]) => url));
    expect(atHomeserver.filter((request) => owned(request.url))).toEqual([]);
  });

  it('sends everything else to the homeserver untouched: method, path, query, credentials and body', async () => {
    const elsewhere = [
      // Served by the homeserver in this shape: Synapse sends its own registration emails.
      ...ROUTES.filter((route) => !OWNED.includes(route.path)).map((route) => route.path),
      // Near misses of the owned paths: a trailing slash, another case, another API version.
      ...OWNED.flatMap((path) => [`${path}/`, path.toUpperCase()]),
      '/_matrix/client/unstable/add_threepid/msisdn/submit_token',
      '/_matrix/client/v3/register',
      '/_matrix/client/v3/account/3pid/add',
      '/_matrix/client/versions',
      '/_synapse/admin/v1/reset_password/@alice:example.org',
      '/.well-known/matrix/client',
    ];
    const body = randomBytes(1024);
    for (const [index, path] of elsewhere.entries()) {
      const url = `${path}?elsewhere=${index}&b=a%20b`;
      const response = await through(url, {
        method: 'PUT',
        headers: { Authorization: `Bearer syt_${index}` },
        body,
      });
      expect(await response.json(), url).toEqual({
        method: 'PUT',
        url,
        authorization: `Bearer syt_${index}`,
        bytes: body.length,
        sha256: sha256(body),
      });
    }
    expect(atService.filter((url) => url.includes('elsewhere='))).toEqual([]);
  });

  it('passes a 20 MB media upload to the homeserver whole', async () => {
    const upload = randomBytes(20 * 1024 * 1024);
    const response = await through('/_matrix/media/v3/upload?filename=big.bin', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', Authorization: 'Bearer syt_uploader' },
      body: upload,
    });
    expect([response.status, await response.json()]).toEqual([
      200,
      {
        method: 'POST',
        url: '/_matrix/media/v3/upload?filename=big.bin',
        authorization: 'Bearer syt_uploader',
        bytes: upload.length,
        sha256: sha256(upload),
      },
    ]);
  });

  it(
    'holds a 35 s /sync long-poll open until the homeserver answers it',
    async () => {
      const url = `/_matrix/client/v3/sync?timeout=${LONG_POLL_MS}`;
      const response = await through(url, { headers: { Authorization: 'Bearer syt_sleeper' } });
      expect([response.status, await response.json()]).toEqual([
        200,
        expect.objectContaining({ method: 'GET', url, authorization: 'Bearer syt_sleeper' }),
      ]);
      expect(nginx.errorLog()).not.toMatch(/timed out/);
    },
    LONG_POLL_MS + 15_000,
  );
});
