/**
 * Wiring shared by the Lambda entry points and the local server: configuration plus adapters in,
 * use cases and HTTP handlers out. A Lambda entry builds only the use case its routes need; the
 * local server builds them all, over one store and one outbox.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StaticThreepidDirectory } from './adapters/directory/static-directory.js';
import { DynamoDbRateLimiter } from './adapters/dynamodb/rate-limiter.js';
import { DynamoDbSendingSwitches } from './adapters/dynamodb/sending-switches.js';
import { HmacSecretHasher } from './adapters/system/hmac-hasher.js';
import { cryptoRandom, systemClock, timerSleeper } from './adapters/system/system.js';
import type { ServiceConfig } from './config.js';
import { validationPolicy } from './config.js';
import type { ValidationPolicy } from './core/policy.js';
import type {
  Clock,
  Random,
  SecretHasher,
  SendingSwitches,
  SessionStore,
  Sleeper,
  ThreepidDirectory,
} from './core/ports.js';
import { makePreviewSession } from './core/preview.js';
import { makeRequestEmailToken } from './core/request-email-token.js';
import { makeRequestMsisdnToken } from './core/request-msisdn-token.js';
import type { ClientNetworks, Limiting, UniformResponses } from './core/request-token.js';
import { makeSubmitToken } from './core/submit-token.js';
import { makeGetValidatedThreepid } from './core/validated-threepid.js';
import { makeEmailLinkHandler } from './handlers/email-link.js';
import { makeFallbackHandler } from './handlers/fallback.js';
import { makeGetValidated3pidHandler } from './handlers/get-validated-3pid.js';
import { makeRequestTokenHandler } from './handlers/request-token.js';
import { makeSubmitTokenHandler } from './handlers/submit-token.js';
import { clientNetworks } from './http/client-ip.js';
import { validationLinks } from './http/links.js';
import type { HttpEvent, LambdaHttpHandler } from './http/middleware.js';
import type { HandlerName } from './http/routes.js';
import { Mailer, SmsMessenger } from './messages/messengers.js';
import type { EmailTransport, SmsTransport } from './messages/transports.js';

export { createLogger, SERVICE_NAME } from './logging.js';

export function createDirectory(config: Pick<ServiceConfig, 'threepidBindingsFile'>): ThreepidDirectory {
  return config.threepidBindingsFile
    ? StaticThreepidDirectory.fromFile(config.threepidBindingsFile)
    : new StaticThreepidDirectory();
}

/** What every use case may draw on: time, randomness, the keyed hasher, the log and the rules. */
export interface Essentials {
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  readonly policy: ValidationPolicy;
}

export function essentials(
  config: Pick<ServiceConfig, 'emailTokenLifetimeS' | 'smsTokenLifetimeS' | 'nextLinkAllowedHosts'>,
  tokenHmacSecret: string,
  logger: Logger,
  overrides: { readonly clock?: Clock; readonly random?: Random } = {},
): Essentials {
  return {
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? cryptoRandom,
    hasher: new HmacSecretHasher(tokenHmacSecret),
    logger,
    policy: validationPolicy(config),
  };
}

/** The controls against abuse that requestToken runs under: kill switch, rate limits, uniform answers. */
export interface AbuseControls {
  readonly switches: SendingSwitches;
  readonly limiting: Limiting;
  readonly uniform: UniformResponses;
}

/** The abuse controls over the sessions table, as configured. */
export function abuseControls(
  config: Pick<ServiceConfig, 'rateLimits' | 'uniformResponses' | 'responseFloorMs' | 'decoyNotices'>,
  table: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  clock: Clock,
  sleeper: Sleeper = timerSleeper,
): AbuseControls {
  return {
    switches: new DynamoDbSendingSwitches(table.client, table.tableName, clock),
    limiting:
      config.rateLimits === 'off'
        ? 'off'
        : { limiter: new DynamoDbRateLimiter(table.client, table.tableName), limits: config.rateLimits },
    uniform: config.uniformResponses
      ? { enabled: true, floorMs: config.responseFloorMs, sleeper, notices: new Set(config.decoyNotices) }
      : { enabled: false },
  };
}

/** The client's networks, as the rate limits key them, read as CLIENT_IP_SOURCE says. */
export function clientNetworksBy(config: Pick<ServiceConfig, 'clientIpSource'>) {
  return (event: HttpEvent): ClientNetworks => clientNetworks(event, config.clientIpSource);
}

export type HandlerSet = Readonly<Record<HandlerName | 'fallback', LambdaHttpHandler>>;

export interface AllAdapters extends AbuseControls {
  readonly store: SessionStore;
  readonly directory: ThreepidDirectory;
  readonly email: EmailTransport;
  readonly sms: SmsTransport;
}

/** Every HTTP handler, over one set of adapters: what the local server serves. */
export function createAllHandlers(
  config: ServiceConfig,
  base: Essentials,
  adapters: AllAdapters,
): HandlerSet {
  const { logger } = base;
  const { store, directory, switches, limiting, uniform } = adapters;
  const controls = { switches, limiting, uniform };
  const links = validationLinks(config.publicBaseUrl);
  const messages = { serverName: config.serverName };
  const submitToken = makeSubmitToken({ ...base, store });
  return {
    requestToken: makeRequestTokenHandler({
      email: makeRequestEmailToken({
        ...base,
        ...controls,
        store,
        directory,
        links,
        emailPolicy: config.emailPolicy,
        email: new Mailer(adapters.email, messages),
      }),
      msisdn: makeRequestMsisdnToken({
        ...base,
        ...controls,
        store,
        directory,
        links,
        smsPolicy: config.smsPolicy,
        sms: new SmsMessenger(adapters.sms, messages),
      }),
      clientOf: clientNetworksBy(config),
      logger,
    }),
    submitToken: makeSubmitTokenHandler({ submitToken, logger }),
    emailLink: makeEmailLinkHandler({
      submitToken,
      previewSession: makePreviewSession({ ...base, store }),
      logger,
      serverName: config.serverName,
      nextLinkAllowedHosts: config.nextLinkAllowedHosts,
    }),
    getValidated3pid: makeGetValidated3pidHandler({
      getValidatedThreepid: makeGetValidatedThreepid({ ...base, store }),
      logger,
    }),
    fallback: makeFallbackHandler({ logger }),
  };
}
