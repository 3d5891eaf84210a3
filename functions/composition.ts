/**
 * Wiring shared by the Lambda entry points and the local server: the one place that turns
 * configuration plus adapters into the domain service and its HTTP handlers.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { StaticThreepidDirectory } from './adapters/directory/static-directory.js';
import { HmacSecretHasher } from './adapters/system/hmac-hasher.js';
import { cryptoRandom, systemClock } from './adapters/system/system.js';
import type { ServiceConfig } from './config.js';
import { validationPolicy } from './config.js';
import type { Clock, EmailSender, Random, SessionStore, SmsSender, ThreepidDirectory } from './core/ports.js';
import { ThreepidValidation } from './core/validation.js';
import { makeEmailLinkHandler } from './handlers/email-link.js';
import { makeFallbackHandler } from './handlers/fallback.js';
import { makeGetValidated3pidHandler } from './handlers/get-validated-3pid.js';
import { makeRequestTokenHandler } from './handlers/request-token.js';
import { makeSubmitTokenHandler } from './handlers/submit-token.js';
import { validationLinks } from './http/links.js';
import type { LambdaHttpHandler } from './http/middleware.js';
import type { HandlerName } from './http/routes.js';

export const SERVICE_NAME = 'matrix-3pid';

export function createLogger(config: Pick<ServiceConfig, 'logLevel'>): Logger {
  return new Logger({ serviceName: SERVICE_NAME, logLevel: config.logLevel });
}

export function createDirectory(config: Pick<ServiceConfig, 'threepidBindingsFile'>): ThreepidDirectory {
  return config.threepidBindingsFile
    ? StaticThreepidDirectory.fromFile(config.threepidBindingsFile)
    : new StaticThreepidDirectory();
}

export interface ValidationAdapters {
  readonly store: SessionStore;
  readonly email: EmailSender;
  readonly sms: SmsSender;
  readonly directory: ThreepidDirectory;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
}

export function createValidation(config: ServiceConfig, adapters: ValidationAdapters): ThreepidValidation {
  return new ThreepidValidation({
    store: adapters.store,
    email: adapters.email,
    sms: adapters.sms,
    directory: adapters.directory,
    links: validationLinks(config.publicBaseUrl),
    clock: adapters.clock ?? systemClock,
    random: adapters.random ?? cryptoRandom,
    hasher: new HmacSecretHasher(config.tokenHmacSecret),
    logger: adapters.logger,
    policy: validationPolicy(config),
  });
}

export type HandlerSet = Readonly<Record<HandlerName | 'fallback', LambdaHttpHandler>>;

/** Every HTTP handler, built over one service: what the local server serves. */
export function createHandlers(
  config: ServiceConfig,
  validation: ThreepidValidation,
  logger: Logger,
): HandlerSet {
  return {
    requestToken: makeRequestTokenHandler({ validation, logger }),
    submitToken: makeSubmitTokenHandler({ validation, logger }),
    emailLink: makeEmailLinkHandler({
      validation,
      logger,
      serverName: config.serverName,
      nextLinkAllowedHosts: config.nextLinkAllowedHosts,
    }),
    getValidated3pid: makeGetValidated3pidHandler({ validation, logger }),
    fallback: makeFallbackHandler({ logger }),
  };
}
