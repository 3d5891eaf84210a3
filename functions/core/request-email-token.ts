import { canonicalEmail } from './email-address.js';
import { checkEmailDomain, type EmailPolicy } from './email-policy.js';
import { sidOf } from './model.js';
import type { EmailSender, HomeserverSessions, ValidationLinks } from './ports.js';
import {
  type EmailTokenRequest,
  makeRequestToken,
  type RequestToken,
  type RequestTokenDeps,
  type TokenRequestResult,
} from './request-token.js';
import { newestTokenExpiry } from './session-lifecycle.js';

export interface RequestEmailTokenDeps extends RequestTokenDeps {
  /** Which email domains the operator allows. */
  readonly emailPolicy: EmailPolicy;
  readonly email: EmailSender;
  readonly links: Pick<ValidationLinks, 'emailConfirmation'>;
  /** Told of every session before its email goes out (Synapse's module), or nobody. */
  readonly homeserverSessions: Pick<HomeserverSessions, 'started'>;
}

/** requestToken for an email address: the token goes out as a link to the confirmation page. */
export function makeRequestEmailToken(
  deps: RequestEmailTokenDeps,
): RequestToken<EmailTokenRequest, TokenRequestResult> {
  return makeRequestToken(deps, {
    parse: (request) => {
      const address = canonicalEmail(request.email);
      checkEmailDomain(address, deps.emailPolicy);
      return { threepid: { medium: 'email', address }, parsed: undefined };
    },
    deliver: async (session, token, clientSecret) => {
      const sid = sidOf(session);
      // Before the email: a homeserver that cannot take the session gets no link it would refuse.
      await deps.homeserverSessions.started({
        sid,
        threepid: session.threepid,
        clientSecret,
        sendAttempt: session.lastSendAttempt,
        usableUntil: newestTokenExpiry(session),
      });
      await deps.email.sendValidationEmail({
        to: session.threepid.address,
        purpose: session.purpose,
        link: deps.links.emailConfirmation({ sid, token }),
        validForMs: deps.policy.emailTokenLifetimeMs,
        locale: session.locale,
      });
    },
    notify: (session, reason) =>
      deps.email.sendNoticeEmail({
        to: session.threepid.address,
        purpose: session.purpose,
        reason,
        locale: session.locale,
      }),
    answer: (base) => base,
  });
}
