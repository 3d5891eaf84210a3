import { canonicalEmail } from './email-address.js';
import { checkEmailDomain, type EmailPolicy } from './email-policy.js';
import { sidOf } from './model.js';
import type { EmailSender, ValidationLinks } from './ports.js';
import {
  type EmailTokenRequest,
  makeRequestToken,
  type RequestToken,
  type RequestTokenDeps,
  type TokenRequestResult,
} from './request-token.js';

export interface RequestEmailTokenDeps extends RequestTokenDeps {
  /** Which email domains the operator allows. */
  readonly emailPolicy: EmailPolicy;
  readonly email: EmailSender;
  readonly links: Pick<ValidationLinks, 'emailConfirmation'>;
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
    deliver: (session, token) =>
      deps.email.sendValidationEmail({
        to: session.threepid.address,
        purpose: session.purpose,
        link: deps.links.emailConfirmation({ sid: sidOf(session), token }),
        validForMs: deps.policy.emailTokenLifetimeMs,
      }),
    notify: (session, reason) =>
      deps.email.sendNoticeEmail({ to: session.threepid.address, purpose: session.purpose, reason }),
    answer: (base) => base,
  });
}
