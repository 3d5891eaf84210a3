/**
 * Wiring shared by the Lambda entry points and the local server: configuration plus adapters in,
 * the pieces every use case is built from out. A Lambda entry builds only the use case its routes
 * need; the local server builds them all (local/all-handlers.ts), over one store and one outbox.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StaticThreepidDirectory } from './adapters/directory/static-directory.js';
import { DynamoDbRateLimiter } from './adapters/dynamodb/rate-limiter.js';
import { DynamoDbSendingSwitches } from './adapters/dynamodb/sending-switches.js';
import { SynapseAdmin } from './adapters/synapse/synapse-admin.js';
import { SynapseModuleSessions } from './adapters/synapse/synapse-module.js';
import { HmacSecretHasher } from './adapters/system/hmac-hasher.js';
import { cryptoRandom, systemClock, timerSleeper } from './adapters/system/system.js';
import type { ClientIpSetting, ServiceConfig } from './config.js';
import { validationPolicy } from './config.js';
import type { ValidationPolicy } from './core/policy.js';
import {
  type Clock,
  type HomeserverSessions,
  NO_HOMESERVER_SESSIONS,
  type Random,
  type SecretHasher,
  type SendingSwitches,
  type Sleeper,
  type ThreepidDirectory,
} from './core/ports.js';
import { resolveRateLimits } from './core/rate-limits.js';
import type { ClientNetworks, Limiting, UniformResponses } from './core/request-token.js';
import { type ClientIpSource, clientNetworks } from './http/client-ip.js';
import { fixedOriginSecrets, type OriginSecrets } from './http/front-door.js';
import type { HttpEvent } from './http/middleware.js';

export { createLogger, SERVICE_NAME } from './logging.js';

/**
 * Who an address belongs to: the homeserver's own answer when its admin API is configured, else
 * the bindings file (local mode), else nobody.
 */
export function createDirectory(
  config: Pick<ServiceConfig, 'threepidBindingsFile'>,
  admin?: SynapseAdmin,
): ThreepidDirectory {
  if (admin) return admin;
  return config.threepidBindingsFile
    ? StaticThreepidDirectory.fromFile(config.threepidBindingsFile)
    : new StaticThreepidDirectory();
}

/** Synapse's module, when its secret is configured; else a homeserver told of no sessions. */
export function homeserverSessionsOf(
  config: Pick<ServiceConfig, 'synapseModuleUrl'>,
  secret: string | undefined,
): HomeserverSessions {
  if (config.synapseModuleUrl === undefined || secret === undefined) return NO_HOMESERVER_SESSIONS;
  return new SynapseModuleSessions({ url: config.synapseModuleUrl, secret });
}

/** Synapse's admin API, when its URL and an admin token are configured. */
export function synapseAdminOf(
  config: Pick<ServiceConfig, 'synapseAdminUrl'>,
  accessToken: string | undefined,
): SynapseAdmin | undefined {
  if (config.synapseAdminUrl === undefined || accessToken === undefined) return undefined;
  return new SynapseAdmin({ baseUrl: config.synapseAdminUrl, accessToken });
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
        : {
            limiter: new DynamoDbRateLimiter(table.client, table.tableName),
            limits: resolveRateLimits(config.rateLimits),
          },
    uniform: config.uniformResponses
      ? { enabled: true, floorMs: config.responseFloorMs, sleeper, notices: new Set(config.decoyNotices) }
      : { enabled: false },
  };
}

/** The client's networks, as the rate limits key them, read where `source` says. */
export function clientNetworksBy(source: ClientIpSource) {
  return (event: HttpEvent): ClientNetworks => clientNetworks(event, source);
}

/**
 * CLIENT_IP_SOURCE as configured, with CloudFront's origin secret made ready to check: its value,
 * or, when the setting names a secret in Secrets Manager, `stored`, read from there (on Lambda).
 */
export function clientIpSourceOf(setting: ClientIpSetting, stored?: OriginSecrets): ClientIpSource {
  if (setting.kind !== 'cloudfront') return setting;
  const { originSecret } = setting;
  if ('value' in originSecret)
    return { kind: 'cloudfront', originSecrets: fixedOriginSecrets(originSecret.value) };
  if (!stored) throw new Error(`CloudFront's origin secret ${originSecret.secretArn} was not read`);
  return { kind: 'cloudfront', originSecrets: stored };
}

/** What each handler checks a request against before serving it: CloudFront's origin secrets, if it is the front door. */
export function frontDoorOf(source: ClientIpSource): OriginSecrets | undefined {
  return source.kind === 'cloudfront' ? source.originSecrets : undefined;
}
