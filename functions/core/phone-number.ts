import {
  getCountries,
  isSupportedCountry,
  type PhoneNumberType,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/max';
import { MatrixError } from './errors.js';

/** What a number's range is for, as libphonenumber's metadata names it (MOBILE, PREMIUM_RATE, …). */
export type NumberType = PhoneNumberType;

export interface PhoneNumber {
  /** Canonical 3PID address: E.164 digits without `+`. */
  readonly msisdn: string;
  /** E.164 with `+`, as SMS providers want it. */
  readonly e164: string;
  /** Human-readable international format, e.g. "+44 7700 900123". */
  readonly international: string;
  /** ISO 3166-1 alpha-2 region the number belongs to, when known. */
  readonly region: string | undefined;
  /**
   * The kind of range the number is in, from number-range metadata (not live carrier data);
   * undefined when the metadata cannot tell.
   */
  readonly type: NumberType | undefined;
}

/**
 * Parses `phoneNumber` as if dialled from `country`, and accepts it only if it is a valid,
 * assignable number by libphonenumber's full metadata. Synapse only parses, so it accepts numbers
 * that can never receive a message.
 */
export function parsePhoneNumber(country: string, phoneNumber: string): PhoneNumber {
  const region = country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(region) || !isSupportedCountry(region)) {
    throw MatrixError.invalidParam('The country must be a two-letter ISO 3166-1 code.');
  }
  let parsed: ReturnType<typeof parsePhoneNumberWithError> | undefined;
  try {
    parsed = parsePhoneNumberWithError(phoneNumber, region);
  } catch {
    parsed = undefined;
  }
  if (!parsed?.isValid()) throw MatrixError.invalidParam('The phone number is not valid.');
  return {
    msisdn: parsed.number.slice(1),
    e164: parsed.number,
    international: parsed.formatInternational(),
    region: parsed.country,
    type: parsed.getType(),
  };
}

/**
 * Every region libphonenumber's metadata knows. The settings keep their own copy (SMS_REGIONS in
 * sms-policy.ts), so that functions that never parse a number do not carry the metadata; a test
 * holds the two equal.
 */
export function phoneRegions(): readonly string[] {
  return getCountries();
}
