import type { Notice, ValidationSms } from '../core/ports.js';
import type { Presentation } from './presentation.js';

/** One SMS segment: 160 septets of GSM 03.38. */
export const MAX_SMS_SEPTETS = 160;
/** One SMS segment when a character needs UCS-2: 70 UTF-16 code units. */
export const MAX_SMS_UCS2_UNITS = 70;

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

/** Whether `text` goes out as one segment: GSM-7 within 160 septets, or UCS-2 within 70 units. */
export function fitsOneSegment(text: string): boolean {
  const septets = gsm7Length(text);
  return septets === undefined ? text.length <= MAX_SMS_UCS2_UNITS : septets <= MAX_SMS_SEPTETS;
}

/**
 * The first of `candidates` (longest first) that fits one GSM-7 segment, so that an unusual server
 * name never turns the message into UCS-2; failing that (a language whose letters need UCS-2), the
 * first that fits one UCS-2 segment; else the last, the shortest.
 */
function firstFitting(candidates: readonly string[]): string {
  return (
    candidates.find((text) => (gsm7Length(text) ?? Infinity) <= MAX_SMS_SEPTETS) ??
    candidates.find(fitsOneSegment) ??
    candidates.at(-1) ??
    ''
  );
}

/**
 * The SMS body, in the session's language: the first of a few wordings, longest first, that fits
 * one segment, so an unusual server name or a language that needs UCS-2 never splits it.
 */
export function renderValidationSms(sms: ValidationSms, look: Presentation): string {
  const lang = look.localeOf(sms.locale);
  const params = { code: sms.code, duration: look.duration(lang, sms.validForMs) };
  return firstFitting(
    ['sms.code.long', 'sms.code.medium', 'sms.code.short', 'sms.code.shortest'].map((key) =>
      look.text(lang, key, params),
    ),
  );
}

/** What a decoy session texts instead of a code, when the operator wants that at all (it costs). */
export function renderNoticeSms(notice: Notice, look: Presentation): string {
  const lang = look.localeOf(notice.locale);
  const reason = notice.reason === 'address-in-use' ? 'in_use' : 'no_account';
  return firstFitting([
    look.text(lang, `sms.notice.${reason}.long`),
    look.text(lang, `sms.notice.${reason}.short`),
  ]);
}
