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
 * the settings can check a country list without the metadata; a test keeps it equal.
 */
export const SMS_REGIONS: ReadonlySet<string> = new Set(
  (
    'AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG ' +
    'EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT ' +
    'HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR ' +
    'LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF ' +
    'NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD ' +
    'SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TG TH TJ TK TL TM TN TO TR TT TV TW ' +
    'TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
  ).split(' '),
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
