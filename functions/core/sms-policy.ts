/**
 * Which phone numbers may be sent an SMS at all, decided before anything is written or sent: the
 * operator's countries (judged on the region of the parsed number, never on the request's
 * `country`, which is only a dialling hint) and number types (premium-rate, toll-free, pager and
 * other odd ranges are where SMS pumping pays). Imports no libphonenumber: the settings use the
 * lists below in every function, and only the SMS function carries the metadata.
 */
import { MatrixError } from './errors.js';
import type { NumberType, PhoneNumber } from './phone-number.js';

export type { NumberType };

export interface SmsPolicy {
  /** ISO 3166-1 alpha-2 regions whose numbers may get an SMS; `*` for all, empty for none. */
  readonly countries: '*' | readonly string[];
  /** Number types that may get an SMS. A number whose type is unknown never does. */
  readonly numberTypes: readonly NumberType[];
}

/** Every number type libphonenumber names; the compiler checks none is missing or misspelt. */
export const NUMBER_TYPES = [
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'FIXED_LINE',
  'VOIP',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const satisfies readonly NumberType[];
// And none is left out: this fails to compile if libphonenumber adds a type.
const _everyType: readonly (typeof NUMBER_TYPES)[number][] = [] as NumberType[];

/** The types an SMS goes to unless the operator says otherwise. */
export const DEFAULT_SMS_NUMBER_TYPES: readonly NumberType[] = ['MOBILE', 'FIXED_LINE_OR_MOBILE'];

/**
 * The regions libphonenumber's metadata knows (libphonenumber-js `getCountries()`), copied so that
 * the settings can check a country list without the metadata; a test keeps it equal. Grouped by
 * first letter (`A:CD…` is AC, AD, …), which is a third of the bytes in every bundle.
 */
const REGIONS_BY_FIRST_LETTER =
  'A:CDEFGILMORSTUWXZ B:ABDEFGHIJLMNOQRSTWYZ C:ACDFGHIKLMNORUVWXYZ D:EJKMOZ E:CEGHRST ' +
  'F:IJKMOR G:ABDEFGHILMNPQRTUWY H:KNRTU I:DELMNOQRST J:EMOP K:EGHIMNPRWYZ ' +
  'L:ABCIKRSTUVY M:ACDEFGHKLMNOPQRSTUVWXYZ N:ACEFGILOPRUZ O:M P:AEFGHKLMRSTWY Q:A ' +
  'R:EOSUW S:ABCDEGHIJKLMNORSTVXYZ T:ACDGHJKLMNORTVWZ U:AGSYZ V:ACEGINU W:FS X:K Y:ET ' +
  'Z:AMW';

export const SMS_REGIONS: ReadonlySet<string> = new Set(
  REGIONS_BY_FIRST_LETTER.split(' ').flatMap((group) =>
    [...group.slice(2)].map((second) => `${group[0]}${second}`),
  ),
);

/**
 * Refuses, with 403 M_THREEPID_DENIED, a number the policy does not let us text. The answer is the
 * same whether the country or the type was refused, so it tells a prober nothing about which.
 */
export function checkSmsDestination(phone: PhoneNumber, policy: SmsPolicy): void {
  const { region, type } = phone;
  const countryAllowed =
    policy.countries === '*' || (region !== undefined && policy.countries.includes(region));
  const typeAllowed = type !== undefined && policy.numberTypes.includes(type);
  if (!countryAllowed || !typeAllowed) {
    throw MatrixError.threepidDenied('SMS verification is not available for this number.');
  }
}
