/**
 * Every HTTP handler over one set of adapters: what the local server serves. The Lambda entries
 * each build their own (functions/lambda/), so none of them carries the others' code.
 */

import {
  type AbuseControls,
  clientIpSourceOf,
  clientNetworksBy,
  type Essentials,
  frontDoorOf,
} from '../composition.js';
import type { ServiceConfig } from '../config.js';
import type {
  AccountAdmin,
  DomainEvents,
  HomeserverSessions,
  SessionStore,
  ThreepidDirectory,
} from '../core/ports.js';
import { makePreviewSession } from '../core/preview.js';
import { makeRequestEmailToken } from '../core/request-email-token.js';
import { makeRequestMsisdnToken } from '../core/request-msisdn-token.js';
import { makeResetPassword } from '../core/reset-password.js';
import { makeSubmitToken } from '../core/submit-token.js';
import { makeGetValidatedThreepid } from '../core/validated-threepid.js';
import { makeAccountPasswordHandler } from '../handlers/account-password.js';
import { makeEmailLinkHandler } from '../handlers/email-link.js';
import { makeFallbackHandler } from '../handlers/fallback.js';
import { makeGetValidated3pidHandler } from '../handlers/get-validated-3pid.js';
import { makeRequestTokenHandler } from '../handlers/request-token.js';
import { makeSubmitTokenHandler } from '../handlers/submit-token.js';
import { validationLinks } from '../http/links.js';
import type { HttpEvent, LambdaHttpHandler, PipelineDeps } from '../http/middleware.js';
import type { HttpResponse } from '../http/responses.js';
import type { HandlerName } from '../http/routes.js';
import { Mailer, SmsMessenger } from '../messages/messengers.js';
import type { EmailTransport, SmsTransport } from '../messages/transports.js';
import type { Presentation } from '../templates/presentation.js';

export type HandlerSet = Readonly<Record<HandlerName | 'fallback', LambdaHttpHandler>>;

export interface AllAdapters extends AbuseControls {
  readonly store: SessionStore;
  readonly directory: ThreepidDirectory;
  /** Synapse's admin API, when configured: the password reset is served through it. */
  readonly admin: AccountAdmin | undefined;
  /** Hands a request to the homeserver, when there is one. */
  readonly forward: ((event: HttpEvent) => Promise<HttpResponse>) | undefined;
  /** Synapse's module, told of email sessions, or nobody. */
  readonly homeserverSessions: HomeserverSessions;
  readonly email: EmailTransport;
  readonly sms: SmsTransport;
  /** What mail, SMS and pages are made of, TEMPLATES_DIR checked. */
  readonly presentation: Presentation;
  /** Where sends, refusals and validations are counted (the log, locally). */
  readonly events: DomainEvents;
}

export function createAllHandlers(
  config: ServiceConfig,
  base: Essentials,
  adapters: AllAdapters,
): HandlerSet {
  const { logger } = base;
  const clientIp = clientIpSourceOf(config.clientIpSource);
  // Behind CloudFront, every handler but the fallback (which serves nothing) checks its origin secret.
  const pipeline = { logger, frontDoor: frontDoorOf(clientIp) };
  const { store, directory, switches, limiting, uniform } = adapters;
  const controls = { switches, limiting, uniform };
  const links = validationLinks(config.publicBaseUrl);
  const messages = adapters.presentation;
  const { homeserverSessions, events } = adapters;
  const submitToken = makeSubmitToken({ ...base, store, homeserverSessions, events });
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
        homeserverSessions,
        events,
      }),
      msisdn: makeRequestMsisdnToken({
        ...base,
        ...controls,
        store,
        directory,
        links,
        smsPolicy: config.smsPolicy,
        sms: new SmsMessenger(adapters.sms, messages),
        events,
      }),
      clientOf: clientNetworksBy(clientIp),
      localeOf: (event) => messages.negotiate(event.headers['accept-language']),
      ...pipeline,
    }),
    submitToken: makeSubmitTokenHandler({ submitToken, ...pipeline }),
    emailLink: makeEmailLinkHandler({
      submitToken,
      previewSession: makePreviewSession({ ...base, store }),
      ...pipeline,
      presentation: messages,
      nextLinkAllowedHosts: config.nextLinkAllowedHosts,
    }),
    getValidated3pid: makeGetValidated3pidHandler({
      getValidatedThreepid: makeGetValidatedThreepid({ ...base, store }),
      ...pipeline,
    }),
    accountPassword: accountPasswordHandler(config, base, adapters, pipeline),
    fallback: makeFallbackHandler({ logger }),
  };
}

/** The password reset over the admin API; without one (or without a homeserver), not served here. */
function accountPasswordHandler(
  config: ServiceConfig,
  base: Essentials,
  adapters: AllAdapters,
  pipeline: PipelineDeps,
): LambdaHttpHandler {
  const { admin, forward } = adapters;
  if (!admin || !forward) return makeFallbackHandler({ logger: base.logger });
  return makeAccountPasswordHandler({
    resetPassword: makeResetPassword({
      ...base,
      store: adapters.store,
      directory: adapters.directory,
      accounts: admin,
      passwordMinLength: config.passwordMinLength,
    }),
    forward,
    ...pipeline,
  });
}
