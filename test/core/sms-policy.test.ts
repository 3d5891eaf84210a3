import { describe, expect, it } from 'vitest';
import { type PhoneNumber, parsePhoneNumber, phoneRegions } from '../../functions/core/phone-number.js';
import {
  checkSmsDestination,
  DEFAULT_SMS_NUMBER_TYPES,
  NUMBER_TYPES,
  type NumberType,
  SMS_REGIONS,
  type SmsPolicy,
} from '../../functions/core/sms-policy.js';
import { thrownBy } from '../helpers/errors.js';

/** A number written in E.164, parsed as a request would have it parsed. */
const phone = (e164: string, country = 'GB'): PhoneNumber => parsePhoneNumber(country, e164);

const policy = (countries: SmsPolicy['countries'], numberTypes = DEFAULT_SMS_NUMBER_TYPES): SmsPolicy => ({
  countries,
  numberTypes,
});

const DENIED = {
  errcode: 'M_THREEPID_DENIED',
  status: 403,
  message: 'SMS verification is not available for this number.',
};

/**
 * Numbers and the region and type libphonenumber-js/max gives them (checked against the metadata
 * this project installs; the metadata changes, so a failure here may mean it moved on).
 */
const TYPED: [string, string, NumberType][] = [
  ['+449098765432', 'GB', 'PREMIUM_RATE'],
  ['+448712345678', 'GB', 'PREMIUM_RATE'],
  ['+447012345678', 'GB', 'PERSONAL_NUMBER'],
  ['+447640123456', 'GB', 'PAGER'],
  ['+448001234567', 'GB', 'TOLL_FREE'],
  ['+445511234567', 'GB', 'UAN'],
  ['+445612345678', 'GB', 'VOIP'],
  ['+18005550199', 'US', 'TOLL_FREE'],
  ['+19005550123', 'US', 'PREMIUM_RATE'],
  ['+33899123456', 'FR', 'PREMIUM_RATE'],
  ['+441481256789', 'GG', 'FIXED_LINE'],
  ['+12015550123', 'US', 'FIXED_LINE_OR_MOBILE'],
  ['+447400123456', 'GB', 'MOBILE'],
  ['+33612345678', 'FR', 'MOBILE'],
  ['+998901234567', 'UZ', 'MOBILE'],
  ['+447911123456', 'GG', 'MOBILE'],
];

describe('parsePhoneNumber types', () => {
  it.each(TYPED)('parses %s as a %s number of type %s', (e164, region, type) => {
    expect(phone(e164)).toMatchObject({ region, type });
  });
});

describe('checkSmsDestination', () => {
  it('lets every country through with *, for the default number types', () => {
    for (const e164 of ['+447400123456', '+33612345678', '+998901234567', '+12015550123']) {
      expect(() => checkSmsDestination(phone(e164), policy('*'))).not.toThrow();
    }
  });

  it('lets through only the listed countries', () => {
    const gbAndUs = policy(['GB', 'US']);
    expect(() => checkSmsDestination(phone('+447400123456'), gbAndUs)).not.toThrow();
    expect(() => checkSmsDestination(phone('+12015550123'), gbAndUs)).not.toThrow();
    expect(thrownBy(() => checkSmsDestination(phone('+33612345678'), gbAndUs))).toMatchObject(DENIED);
    expect(thrownBy(() => checkSmsDestination(phone('+998901234567'), gbAndUs))).toMatchObject(DENIED);
  });

  it('refuses every number with none (an empty list)', () => {
    for (const e164 of ['+447400123456', '+33612345678', '+12015550123']) {
      expect(thrownBy(() => checkSmsDestination(phone(e164), policy([])))).toMatchObject(DENIED);
    }
  });

  it("judges the parsed number's region, not the request's country: +447911… is GG, not GB", () => {
    // Dialled as if from GB, and +44 like every British number, but Guernsey's range.
    const guernsey = phone('07911 123456', 'GB');
    expect(guernsey.region).toBe('GG');
    expect(thrownBy(() => checkSmsDestination(guernsey, policy(['GB'])))).toMatchObject(DENIED);
    expect(() => checkSmsDestination(guernsey, policy(['GG']))).not.toThrow();
    // And a British number asked for with another country is still British.
    const british = phone('+447400123456', 'GG');
    expect(british.region).toBe('GB');
    expect(() => checkSmsDestination(british, policy(['GB']))).not.toThrow();
    expect(thrownBy(() => checkSmsDestination(british, policy(['GG'])))).toMatchObject(DENIED);
  });

  it.each(
    TYPED.filter(([, , type]) => !DEFAULT_SMS_NUMBER_TYPES.includes(type)),
  )('refuses %s (%s, %s) by default, even where every country is allowed', (e164) => {
    expect(thrownBy(() => checkSmsDestination(phone(e164), policy('*')))).toMatchObject(DENIED);
  });

  it.each(
    TYPED.filter(([, , type]) => DEFAULT_SMS_NUMBER_TYPES.includes(type)),
  )('accepts %s (%s, %s) by default', (e164) => {
    expect(() => checkSmsDestination(phone(e164), policy('*'))).not.toThrow();
  });

  it('lets the operator allow other types, and only those', () => {
    const mobileAndVoip = policy('*', ['MOBILE', 'VOIP']);
    expect(() => checkSmsDestination(phone('+445612345678'), mobileAndVoip)).not.toThrow();
    expect(() => checkSmsDestination(phone('+447400123456'), mobileAndVoip)).not.toThrow();
    // FIXED_LINE_OR_MOBILE is a type of its own, not MOBILE.
    expect(thrownBy(() => checkSmsDestination(phone('+12015550123'), mobileAndVoip))).toMatchObject(DENIED);
  });

  it('refuses a number whose type the metadata cannot tell, whatever types are allowed', () => {
    const unknown: PhoneNumber = { ...phone('+447400123456'), type: undefined };
    expect(thrownBy(() => checkSmsDestination(unknown, policy('*', NUMBER_TYPES)))).toMatchObject(DENIED);
  });

  it('refuses a number whose region the metadata cannot tell, unless every country is allowed', () => {
    const nowhere: PhoneNumber = { ...phone('+447400123456'), region: undefined };
    expect(thrownBy(() => checkSmsDestination(nowhere, policy(['GB'])))).toMatchObject(DENIED);
    expect(() => checkSmsDestination(nowhere, policy('*'))).not.toThrow();
  });

  it('says the same whether the country or the type was refused', () => {
    const byCountry = thrownBy(() => checkSmsDestination(phone('+33612345678'), policy(['GB'])));
    const byType = thrownBy(() => checkSmsDestination(phone('+449098765432'), policy(['GB'])));
    expect([byCountry.errcode, byCountry.status, byCountry.message]).toEqual([
      byType.errcode,
      byType.status,
      byType.message,
    ]);
  });
});

describe("the settings' copy of libphonenumber's lists", () => {
  it('knows exactly the regions the metadata knows', () => {
    expect([...SMS_REGIONS].sort()).toEqual([...phoneRegions()].sort());
  });

  it('names the number types as libphonenumber does', () => {
    const seen = new Set(TYPED.map(([, , type]) => type));
    for (const type of seen) expect(NUMBER_TYPES).toContain(type);
    expect(new Set(NUMBER_TYPES).size).toBe(11);
  });
});
