/**
 * The whole service in one process: a node:http server that turns each request into an API
 * Gateway HTTP API event and runs the same handler a Lambda function would, over an embedded
 * DynamoDB (dynalite) and an outbox that prints messages instead of sending them.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DynamoDbSessionStore, sessionDocumentClient } from '../adapters/dynamodb/session-store.js';
import { ensureSessionTable } from '../adapters/dynamodb/table.js';
import { sweepExpiredItems } from '../adapters/dynamodb/ttl-sweeper.js';
import { homeserverForwarder } from '../adapters/homeserver/forward.js';
import { Outbox } from '../adapters/local/outbox.js';
import { LogDomainEvents } from '../adapters/metrics/log-events.js';
import {
  abuseControls,
  createDirectory,
  createLogger,
  essentials,
  homeserverSessionsOf,
  synapseAdminOf,
} from '../composition.js';
import type { LocalConfig, ServiceConfig } from '../config.js';
import type { Clock, Random, Sleeper } from '../core/ports.js';
import { jsonErrorResponse } from '../http/errors.js';
import { badRequestTarget, tooLarge, unrecognized } from '../http/http-errors.js';
import { MAX_BODY_BYTES } from '../http/request.js';
import {
  CORS_HEADERS,
  emptyResponse,
  type HttpResponse,
  htmlResponse,
  jsonResponse,
} from '../http/responses.js';
import { matchRoute, type Route, routeKeyOf, routesServed } from '../http/routes.js';
import { checkedPresentation } from '../templates/checks.js';
import { backPage, contentSecurityPolicy } from '../templates/pages.js';
import type { Presentation } from '../templates/presentation.js';
import { createAllHandlers, type HandlerSet } from './all-handlers.js';
import { embeddedDynalite } from './dynalite.js';
import { localContext, requestTarget, toHttpApiEvent, writeResult } from './event.js';
import { proxyTo } from './proxy.js';
import { localTokenSecret } from './secret.js';

export const LOCAL_TABLE_NAME = 'matrix-3pid-sessions';
/** Only in local mode: what the outbox holds. */
export const OUTBOX_PATH = '/_local/outbox';
/**
 * Only in local mode: a stand-in for the Matrix client's page that `next_link` points to, so a
 * walk-through never leaves this machine. It shows the sid the service appended.
 */
export const BACK_PATH = '/_local/back';
/** Only in local mode: whether the server is up (it answers once its store is ready). */
export const HEALTH_PATH = '/health';
/** The paths only the local server has, answered before any route or the homeserver. */
const LOCAL_PATHS: ReadonlySet<string> = new Set([OUTBOX_PATH, BACK_PATH, HEALTH_PATH]);

export interface LocalServerOptions {
  readonly config: LocalConfig;
  /** Where outbox messages and the access log go; silent when omitted. */
  readonly print?: (text: string) => void;
  /** For tests: a fixed clock or seeded randomness. */
  readonly clock?: Clock;
  readonly random?: Random;
  /** For tests: how the floor under uniform answers waits. */
  readonly sleeper?: Sleeper;
  /** For the benchmark: told the operation of every request the embedded store receives. */
  readonly onStorageRequest?: (operation: string) => void;
  /** For tests: shown every API Gateway event before its handler runs. */
  readonly onEvent?: (event: APIGatewayProxyEventV2) => void;
}

export interface LocalServer {
  /** Where the server listens, e.g. http://127.0.0.1:8090 */
  readonly url: string;
  /** Base of the links it hands out (PUBLIC_BASEURL). */
  readonly publicBaseUrl: string;
  readonly outbox: Outbox;
  /** Where sessions are stored, for the startup banner. */
  readonly storage: string;
  /** Where the token HMAC key came from, for the startup banner. */
  readonly secretSource: string;
  /** The DynamoDB endpoint sessions are stored at (the embedded one, or DYNAMODB_ENDPOINT). */
  readonly storageEndpoint: string;
  /**
   * Deletes sessions and counters past their TTL, as DynamoDB does on AWS; it also runs every
   * ten minutes, so memory is bounded by what is live. Returns how many items it deleted.
   */
  sweepExpired(): Promise<number>;
  close(): Promise<void>;
}

/** How often the local store deletes expired items. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { config, print } = options;
  // Before anything starts: a bad TEMPLATES_DIR stops the start with every problem listed.
  const presentation = checkedPresentation(config);
  const storage = await startStorage(config, options.onStorageRequest);
  const now = () => (options.clock ?? Date).now();
  const sweepExpired = () => sweepExpiredItems(storage.documentClient, LOCAL_TABLE_NAME, now());
  const sweeper = setInterval(() => sweepExpired().catch(() => undefined), SWEEP_INTERVAL_MS).unref();
  let app: LocalApp | undefined;

  const server = createServer((request, response) => {
    const started = Date.now();
    serve(request, response, app)
      .catch(() => writeResult(response, withCors(jsonErrorResponse(new Error('local server failure')))))
      .finally(() =>
        print?.(
          `${request.method} ${request.url?.split('?')[0]} → ${response.statusCode} (${Date.now() - started} ms)`,
        ),
      );
  });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const secret = config.tokenHmacSecretGiven
    ? { secret: config.tokenHmacSecret, source: 'TOKEN_HMAC_SECRET' }
    : localTokenSecret(config.dataDir);
  const serviceConfig: ServiceConfig = {
    ...config,
    publicBaseUrl: config.publicBaseUrl ?? `http://localhost:${port}/`,
    tokenHmacSecret: secret.secret,
  };
  const logger = createLogger(serviceConfig);
  const outbox = new Outbox({ now, ...(print ? { print } : {}) });
  const base = essentials(serviceConfig, secret.secret, logger, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const admin = synapseAdminOf(serviceConfig, config.synapseAdminToken);
  const forward = serviceConfig.homeserverUrl ? homeserverForwarder(serviceConfig.homeserverUrl) : undefined;
  const handlers = createAllHandlers(serviceConfig, base, {
    ...abuseControls(
      serviceConfig,
      { client: storage.documentClient, tableName: LOCAL_TABLE_NAME },
      base.clock,
      options.sleeper,
    ),
    store: new DynamoDbSessionStore(storage.documentClient, LOCAL_TABLE_NAME),
    directory: createDirectory(serviceConfig, admin),
    admin,
    forward,
    homeserverSessions: homeserverSessionsOf(serviceConfig, config.synapseModuleSecret),
    email: outbox,
    sms: outbox,
    presentation,
    events: new LogDomainEvents(logger),
  });
  const homeserver = serviceConfig.homeserverUrl !== undefined;
  app = {
    handlers,
    outbox,
    presentation,
    // The password reset needs both: the admin API to reset, the homeserver for logged-in changes.
    served: new Set(
      routesServed({
        homeserver,
        admin: admin !== undefined && homeserver,
        emailImport: config.synapseModuleSecret !== undefined && homeserver,
      }),
    ),
    proxy: homeserver ? proxyTo(serviceConfig.homeserverUrl ?? '') : undefined,
    onEvent: options.onEvent,
  };

  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    publicBaseUrl: serviceConfig.publicBaseUrl,
    outbox,
    storage: storage.description,
    secretSource: secret.source,
    storageEndpoint: storage.endpoint,
    sweepExpired,
    async close() {
      clearInterval(sweeper);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
    },
  };
}

/** What serves a request locally: the handlers, the outbox, and, with a homeserver, the proxy. */
interface LocalApp {
  readonly handlers: HandlerSet;
  readonly outbox: Outbox;
  readonly presentation: Presentation;
  /** The routes this deployment serves (routesServed); every other path is the homeserver's. */
  readonly served: ReadonlySet<Route>;
  readonly proxy: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | undefined;
  readonly onEvent: ((event: APIGatewayProxyEventV2) => void) | undefined;
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  app: LocalApp | undefined,
): Promise<void> {
  if (!app) return writeResult(response, jsonResponse(503, { errcode: 'M_UNKNOWN', error: 'Starting up' }));
  const url = requestTarget(request.url);
  if (!url) return writeResult(response, withCors(jsonErrorResponse(badRequestTarget())));
  const method = request.method ?? 'GET';
  const path = url.pathname;
  const match = matchRoute(method, path);
  // Preflights are answered here for every path, as API Gateway's CORS configuration answers them.
  const ours =
    method === 'OPTIONS' || LOCAL_PATHS.has(path) || (match.kind === 'route' && app.served.has(match.route));
  // Everything the service does not serve is the homeserver's, streamed there untouched.
  if (!ours && app.proxy) return app.proxy(request, response);

  const body = await readBody(request);
  // The rest of the body is still on its way: the connection cannot carry another request.
  if (body === undefined) return writeResult(response, closing(withCors(jsonErrorResponse(tooLarge()))));
  if (path === OUTBOX_PATH) return writeResult(response, outboxResponse(method, app.outbox));
  if (path === HEALTH_PATH)
    return writeResult(
      response,
      localPage(method, () => jsonResponse(200, { status: 'ok' })),
    );
  if (path === BACK_PATH) {
    const look = app.presentation;
    const lang = look.negotiate(request.headers['accept-language']);
    const sid = url.searchParams.get('sid') ?? '';
    return writeResult(
      response,
      localPage(method, () => htmlResponse(200, backPage(look, lang, sid), contentSecurityPolicy(look, []))),
    );
  }
  const route = match.kind === 'route' && app.served.has(match.route) ? match.route : undefined;
  const handler = route ? app.handlers[route.handler] : app.handlers.fallback;
  const routeKey = route ? routeKeyOf(route) : '$default';
  const event = toHttpApiEvent(request, url, body, routeKey);
  app.onEvent?.(event);
  const result = await handler(event, localContext(route?.handler ?? 'fallback'));
  writeResult(response, result);
}

/** A local-only resource: GET and HEAD (without a body), OPTIONS as a preflight, else 405. */
function localPage(method: string, answer: () => HttpResponse): HttpResponse {
  if (method === 'OPTIONS') return withCors(emptyResponse(204));
  if (method !== 'GET' && method !== 'HEAD')
    return withCors(jsonErrorResponse(unrecognized(405, ['GET', 'HEAD'])));
  const response = withCors(answer());
  return method === 'HEAD' ? { ...response, body: '' } : response;
}

function outboxResponse(method: string, outbox: Outbox): HttpResponse {
  if (method === 'OPTIONS') return withCors(emptyResponse(204));
  if (method !== 'GET' && method !== 'HEAD') {
    return withCors(jsonErrorResponse(unrecognized(405, ['GET', 'HEAD'])));
  }
  return withCors(jsonResponse(200, { messages: outbox.messages() }));
}

function withCors(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, ...CORS_HEADERS } };
}

/** node:http closes the connection once a response that says `Connection: close` is sent. */
function closing(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, Connection: 'close' } };
}

/** The body as text, or undefined when it is larger than any Matrix request here could be. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Storage {
  readonly documentClient: DynamoDBDocumentClient;
  readonly endpoint: string;
  readonly description: string;
  close(): Promise<void>;
}

/** dynalite in this process (in memory, or in LOCAL_DATA_DIR), or an external endpoint. */
async function startStorage(
  config: LocalConfig,
  onRequest: ((operation: string) => void) | undefined,
): Promise<Storage> {
  let embedded: Server | undefined;
  let endpoint = config.dynamodbEndpoint;
  if (!endpoint) {
    embedded = embeddedDynalite(config.dataDir);
    if (onRequest) {
      embedded.on('request', (request: IncomingMessage) =>
        onRequest(String(request.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '')),
      );
    }
    embedded.listen(0, '127.0.0.1');
    await once(embedded, 'listening');
    endpoint = `http://127.0.0.1:${(embedded.address() as AddressInfo).port}`;
  }
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureSessionTable(client, LOCAL_TABLE_NAME);
  return {
    documentClient: sessionDocumentClient(client),
    endpoint,
    description: config.dynamodbEndpoint
      ? `DynamoDB at ${config.dynamodbEndpoint}`
      : `embedded DynamoDB (dynalite), ${config.dataDir ? `persisted in ${config.dataDir}` : 'in memory'}`,
    async close() {
      client.destroy();
      if (embedded) {
        const server = embedded;
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
