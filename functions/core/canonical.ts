import { isSupportedCountry, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { CASEFOLD_EXCEPTIONS } from './casefold-data.js';
import { MatrixError } from './errors.js';
import type { Medium } from './model.js';

const FOLDS = new Map(
  CASEFOLD_EXCEPTIONS.map(([codePoint, folded]) => [codePoint, String.fromCodePoint(...folded)]),
);

/**
 * Unicode full case folding, matching Python's str.casefold() (what Synapse uses), so an address
 * canonicalised here equals the one Synapse stored. Folding is per code point: toLowerCase() on
 * a whole string would apply the context-sensitive final-sigma rule, which folding does not.
 */
export function casefold(text: string): string {
  let folded = '';
  for (const char of text) {
    folded += FOLDS.get(char.codePointAt(0) ?? 0) ?? char.toLowerCase();
  }
  return folded;
}

// Characters that cannot appear unquoted in an address, plus whitespace and controls.
const FORBIDDEN_IN_ADDRESS = /[\s\p{Cc}<>()[\]\\,;:"@]/u;
const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;

/**
 * The canonical form from the spec's 3PID appendix: surrounding whitespace trimmed, the local part
 * case-folded, the domain lower-cased. Anything that is not plainly `local@domain` is refused
 * rather than guessed at (no display names, no `mailto:`, no quoted local parts).
 */
export function canonicalEmail(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  const valid =
    at > 0 &&
    trimmed.length <= MAX_EMAIL_LENGTH &&
    local.length <= MAX_LOCAL_PART_LENGTH &&
    domain.length > 0 &&
    !FORBIDDEN_IN_ADDRESS.test(local) &&
    !FORBIDDEN_IN_ADDRESS.test(domain) &&
    !/^\.|\.$|\.\./.test(local) &&
    !/^[.-]|[.-]$|\.\./.test(domain);
  if (!valid) throw MatrixError.invalidParam('The email address is not valid.');
  return `${casefold(local)}@${domain.toLowerCase()}`;
}

export interface PhoneNumber {
  /** Canonical 3PID address: E.164 digits without `+`. */
  readonly msisdn: string;
  /** E.164 with `+`, as SMS providers want it. */
  readonly e164: string;
  /** Human-readable international format, e.g. "+44 7700 900123". */
  readonly international: string;
  /** ISO 3166-1 alpha-2 region the number belongs to, when known. */
  readonly region: string | undefined;
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
  };
}

/** Canonicalises an address that is already stored somewhere, e.g. in a bindings file. */
export function canonicalAddress(medium: Medium, address: string): string {
  if (medium === 'email') return canonicalEmail(address);
  const digits = address.replace(/[\s()+-]/g, '');
  if (!/^[1-9]\d{4,14}$/.test(digits)) throw MatrixError.invalidParam('The phone number is not valid.');
  return digits;
}
