import type { Notice, ValidationSms } from '../core/ports.js';
import { describeDuration } from './wording.js';

/** One SMS segment: 160 septets of GSM 03.38. */
export const MAX_SMS_SEPTETS = 160;

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '^{}\\[~]|€\f';

/** Length in GSM-7 septets, or undefined if `text` needs UCS-2 (which would cut a segment to 70). */
export function gsm7Length(text: string): number | undefined {
  let septets = 0;
  for (const char of text) {
    if (GSM7_BASIC.includes(char)) septets += 1;
    else if (GSM7_EXTENDED.includes(char)) septets += 2;
    else return undefined;
  }
  return septets;
}

/**
 * The SMS body: the first of a few wordings, longest first, that fits one GSM-7 segment. The
 * server name only appears if it is plain GSM-7, so an unusual name never splits or garbles it.
 */
export function renderValidationSms(sms: ValidationSms, serverName: string): string {
  const expiry = `It expires in ${describeDuration(sms.validForMs)}.`;
  const candidates = [
    `Your ${serverName} verification code is ${sms.code}. ${expiry} If you did not ask for it, ignore this message.`,
    `Your ${serverName} verification code is ${sms.code}. ${expiry}`,
    `Your verification code is ${sms.code}. ${expiry}`,
  ];
  for (const text of candidates) {
    const length = gsm7Length(text);
    if (length !== undefined && length <= MAX_SMS_SEPTETS) return text;
  }
  return `Your verification code is ${sms.code}.`;
}

/** What a decoy session texts instead of a code, when the operator wants that at all (it costs). */
export function renderNoticeSms(notice: Notice, serverName: string): string {
  const candidates =
    notice.reason === 'address-in-use'
      ? [
          `This number already belongs to an account on ${serverName}. If it is yours, reset its password instead. If you did not ask, ignore this message.`,
          'This number already belongs to an account. If it is yours, reset its password instead.',
        ]
      : [
          `No account on ${serverName} uses this number. If you did not ask, ignore this message.`,
          'No account uses this number. If you did not ask, ignore this message.',
        ];
  return (
    candidates.find((text) => (gsm7Length(text) ?? Infinity) <= MAX_SMS_SEPTETS) ?? candidates.at(-1) ?? ''
  );
}
