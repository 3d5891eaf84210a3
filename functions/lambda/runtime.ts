/**
 * What the Lambda functions share, built once per container at cold start: the configuration
 * every function reads (validated, failing initialisation with a message naming every bad
 * variable), the logger, and builders for the adapters a function may need. Nothing is built
 * until an entry asks for it, so each function creates only its own clients and fetches only its
 * own secrets. The functions that send or ask the homeserver add request-runtime.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSessionStore, sessionDocumentClient } from '../adapters/dynamodb/session-store.js';
import { EmfDomainEvents } from '../adapters/metrics/emf-events.js';
import { SecretsManagerOriginSecrets } from '../adapters/secrets/origin-secrets.js';
import { fetchSynapseModuleSecret } from '../adapters/secrets/synapse-module-secret.js';
import { fetchTokenHmacSecret } from '../adapters/secrets/token-secret.js';
import { systemClock } from '../adapters/system/system.js';
import {
  clientIpSourceOf,
  createLogger,
  type Essentials,
  essentials,
  homeserverSessionsOf,
} from '../composition.js';
import { type CoreLambdaConfig, loadCoreLambdaConfig, type SecretSource } from '../config.js';
import type { DomainEvents, HomeserverSessions } from '../core/ports.js';
import type { ClientIpSource } from '../http/client-ip.js';

/** The settings every function reads; request-runtime.ts reads the rest, for the functions that need it. */
export const config: CoreLambdaConfig = loadCoreLambdaConfig(process.env);

/**
 * Every AWS client's own limits, well inside the function's timeout: a connection that cannot be
 * opened in a second, or a reply that takes longer than these, fails and is retried once. The
 * request's deadline (http/middleware.ts) bounds the whole on top.
 */
export const AWS_CLIENT_OPTIONS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
} as const;
/** Sending waits on a provider that can be slower than a database. */
export const SENDER_CLIENT_OPTIONS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 4000 },
} as const;

export const logger = createLogger(config);

/**
 * The session store on the function's table, the essentials of core, and where clients' IPs are
 * read, ready together: the table's connection is opened (one read of a key that never exists)
 * while the HMAC key (and, behind CloudFront, its origin secret) is fetched, so the first request
 * does not wait for the connections one after the other.
 */
export async function storeAndEssentials(): Promise<{
  store: DynamoDbSessionStore;
  base: Essentials;
  clientIp: ClientIpSource;
}> {
  const store = new DynamoDbSessionStore(tableClient(), config.tableName);
  const primed = store.load(PRIMING_KEY).catch((error: unknown) => {
    logger.debug('Priming the table connection failed; the first request will open it', {
      error: error instanceof Error ? error.name : 'unknown',
    });
  });
  const [base, clientIp] = await Promise.all([coreEssentials(), clientIpSource(), primed]);
  return { store, base, clientIp };
}

/** CLIENT_IP_SOURCE, with CloudFront's origin secret read from Secrets Manager when it is there. */
async function clientIpSource(): Promise<ClientIpSource> {
  const setting = config.clientIpSource;
  if (setting.kind !== 'cloudfront' || !('secretArn' in setting.originSecret)) {
    return clientIpSourceOf(setting);
  }
  const { secretArn } = setting.originSecret;
  return clientIpSourceOf(
    setting,
    await SecretsManagerOriginSecrets.load(secretsClient(), secretArn, systemClock),
  );
}

let documentClient: DynamoDBDocumentClient | undefined;
/** One document client per container, shared by the store, the limiter and the switches. */
export function tableClient(): DynamoDBDocumentClient {
  documentClient ??= sessionDocumentClient(new DynamoDBClient(AWS_CLIENT_OPTIONS));
  return documentClient;
}

/** Not a session key (those are 24 base64url characters), so the priming read never finds one. */
const PRIMING_KEY = 'connection-priming';

/** Clock, randomness, the rules, and the hasher keyed by the token HMAC key (from Secrets Manager). */
async function coreEssentials(): Promise<Essentials> {
  return essentials(config, await secretOf(config.tokenHmacSecret, fetchTokenHmacSecret), logger);
}

/**
 * Synapse's module, told of email sessions, when the deployment has one (its secret is read from
 * Secrets Manager at cold start); else nobody. For requestToken by email, submitToken and the link.
 */
export async function homeserverSessions(): Promise<HomeserverSessions> {
  const source = config.synapseModuleSecret;
  return homeserverSessionsOf(
    config,
    source === undefined ? undefined : await secretOf(source, fetchSynapseModuleSecret),
  );
}

let events: DomainEvents | undefined;
/**
 * Where the functions that count something (requestToken, submitToken, the emailed link) record
 * it: EMF lines on stdout, in the deployment's namespace. The others do not carry Powertools Metrics.
 */
export function domainEvents(): DomainEvents {
  events ??= new EmfDomainEvents(config.metricNamespace, logger);
  return events;
}

/**
 * A secret as its setting gives it: its value (locally, sam local), or read from Secrets Manager
 * by `fetch`, which checks what it holds.
 */
export async function secretOf(
  source: SecretSource,
  fetch: (client: SecretsManagerClient, secretArn: string) => Promise<string>,
): Promise<string> {
  return 'value' in source ? source.value : fetch(secretsClient(), source.secretArn);
}

let secrets: SecretsManagerClient | undefined;
/** One Secrets Manager client per container, for every secret the function reads at cold start. */
export function secretsClient(): SecretsManagerClient {
  secrets ??= new SecretsManagerClient(AWS_CLIENT_OPTIONS);
  return secrets;
}
