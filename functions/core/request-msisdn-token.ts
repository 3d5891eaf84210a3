import { type PhoneNumber, parsePhoneNumber } from './phone-number.js';
import type { SmsSender, ValidationLinks } from './ports.js';
import {
  type MsisdnTokenRequest,
  makeRequestToken,
  type RequestToken,
  type RequestTokenDeps,
  type TokenRequestResult,
} from './request-token.js';
import { checkSmsDestination, type SmsPolicy } from './sms-policy.js';

export interface RequestMsisdnTokenDeps extends RequestTokenDeps {
  /** Which countries and number types the operator allows SMS to. */
  readonly smsPolicy: SmsPolicy;
  readonly sms: SmsSender;
  readonly links: Pick<ValidationLinks, 'submitUrl'>;
}

export interface MsisdnTokenResult extends TokenRequestResult {
  /** The parsed number, for the answer's `msisdn` and `intl_fmt`. */
  readonly phone: PhoneNumber;
  /** Where the client posts the code (`submit_url`). */
  readonly submitUrl: string;
}

/** requestToken for a phone number: the token goes out as a six-digit code by SMS. */
export function makeRequestMsisdnToken(
  deps: RequestMsisdnTokenDeps,
): RequestToken<MsisdnTokenRequest, MsisdnTokenResult> {
  return makeRequestToken(deps, {
    parse: (request) => {
      const phone = parsePhoneNumber(request.country, request.phoneNumber);
      checkSmsDestination(phone, deps.smsPolicy);
      return {
        threepid: { medium: 'msisdn', address: phone.msisdn },
        parsed: phone,
        // Pumping works through ranges of adjacent numbers: budget them by block of 10,000.
        block: phone.e164.slice(0, -4),
        region: phone.region,
      };
    },
    deliver: (session, code) =>
      deps.sms.sendValidationSms({
        to: `+${session.threepid.address}`,
        purpose: session.purpose,
        code,
        validForMs: deps.policy.smsTokenLifetimeMs,
        locale: session.locale,
      }),
    notify: (session, reason) =>
      deps.sms.sendNoticeSms({
        to: `+${session.threepid.address}`,
        purpose: session.purpose,
        reason,
        locale: session.locale,
      }),
    answer: (base, phone) => ({ ...base, phone, submitUrl: deps.links.submitUrl('msisdn') }),
  });
}
