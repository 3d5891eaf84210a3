/**
 * Wiring shared by the Lambda entry points and the local server: configuration plus adapters in,
 * use cases and HTTP handlers out. A Lambda entry builds only the use case its routes need; the
 * local server builds them all, over one store and one outbox.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { StaticThreepidDirectory } from './adapters/directory/static-directory.js';
import { HmacSecretHasher } from './adapters/system/hmac-hasher.js';
import { cryptoRandom, systemClock } from './adapters/system/system.js';
import type { ServiceConfig } from './config.js';
import { validationPolicy } from './config.js';
import type { ValidationPolicy } from './core/policy.js';
import type { Clock, Random, SecretHasher, SessionStore, ThreepidDirectory } from './core/ports.js';
import { makePreviewSession } from './core/preview.js';
import { makeRequestEmailToken } from './core/request-email-token.js';
import { makeRequestMsisdnToken } from './core/request-msisdn-token.js';
import { makeSubmitToken } from './core/submit-token.js';
import { makeGetValidatedThreepid } from './core/validated-threepid.js';
import { makeEmailLinkHandler } from './handlers/email-link.js';
import { makeFallbackHandler } from './handlers/fallback.js';
import { makeGetValidated3pidHandler } from './handlers/get-validated-3pid.js';
import { makeRequestTokenHandler } from './handlers/request-token.js';
import { makeSubmitTokenHandler } from './handlers/submit-token.js';
import { validationLinks } from './http/links.js';
import type { LambdaHttpHandler } from './http/middleware.js';
import type { HandlerName } from './http/routes.js';
import { Mailer, SmsMessenger } from './messages/messengers.js';
import type { EmailTransport, SmsTransport } from './messages/transports.js';

export const SERVICE_NAME = 'matrix-3pid';

export function createLogger(config: Pick<ServiceConfig, 'logLevel'>): Logger {
  return new Logger({ serviceName: SERVICE_NAME, logLevel: config.logLevel });
}

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

export type HandlerSet = Readonly<Record<HandlerName | 'fallback', LambdaHttpHandler>>;

export interface AllAdapters {
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
  const { store, directory } = adapters;
  const links = validationLinks(config.publicBaseUrl);
  const messages = { serverName: config.serverName };
  const submitToken = makeSubmitToken({ ...base, store });
  return {
    requestToken: makeRequestTokenHandler({
      email: makeRequestEmailToken({
        ...base,
        store,
        directory,
        links,
        email: new Mailer(adapters.email, messages),
      }),
      msisdn: makeRequestMsisdnToken({
        ...base,
        store,
        directory,
        links,
        sms: new SmsMessenger(adapters.sms, messages),
      }),
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
