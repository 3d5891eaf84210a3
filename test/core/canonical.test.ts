import { describe, expect, it } from 'vitest';
import { canonicalAddress } from '../../functions/core/address.js';
import { canonicalEmail, casefold } from '../../functions/core/email-address.js';
import { parsePhoneNumber } from '../../functions/core/phone-number.js';
import { thrownBy } from '../helpers/errors.js';

describe('casefold', () => {
  it('folds like Python str.casefold, which is what Synapse stores', () => {
    expect(casefold('Strauß')).toBe('strauss');
    expect(casefold('ẞ')).toBe('ss'); // capital sharp s: toLowerCase() alone gives ß
    expect(casefold('ﬁ')).toBe('fi'); // ligature
    expect(casefold('ſ')).toBe('s'); // long s
    expect(casefold('µ')).toBe('μ'); // micro sign folds to Greek mu
  });

  it('folds each sigma to σ, without the final-sigma rule that toLowerCase applies', () => {
    expect('ΟΔΟΣ'.toLowerCase()).toBe('οδος');
    expect(casefold('ΟΔΟΣ')).toBe('οδοσ');
    expect(casefold('οδος')).toBe('οδοσ');
  });

  it('keeps Cherokee in upper case, as Unicode case folding does', () => {
    expect(casefold('Ꭰ')).toBe('Ꭰ');
    expect(casefold('ꭰ')).toBe('Ꭰ');
  });
});

/** 17 different CJK ideographs: 59 characters in punycode. */
const cjkLabel = (offset: number) =>
  String.fromCodePoint(
    ...Array.from({ length: 17 }, (_, i) => 0x4e00 + offset * 100 + ((i * 7919) % 20_000)),
  );

describe('canonicalEmail', () => {
  it('trims, case-folds the local part and lower-cases the domain (spec appendix example)', () => {
    expect(canonicalEmail('  Strauß@Example.com ')).toBe('strauss@example.com');
  });

  it('lower-cases an internationalised domain without converting it to punycode', () => {
    expect(canonicalEmail('bob@Öumlaut.com')).toBe('bob@öumlaut.com');
  });

  it.each([
    ['no at sign', 'alice.example.org'],
    ['two at signs', 'a@b@example.org'],
    ['empty local part', '@example.org'],
    ['empty domain', 'alice@'],
    ['a display name', 'Alice <alice@example.org>'],
    ['a mailto: prefix', 'mailto:alice@example.org'],
    ['inner whitespace', 'al ice@example.org'],
    ['a control character', 'alice\u0000@example.org'],
    ['a leading dot', '.alice@example.org'],
    ['consecutive dots', 'al..ice@example.org'],
    ['a domain starting with a hyphen', 'alice@-example.org'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.org`],
    ['an address over 254 characters', `alice@${'a'.repeat(250)}.org`],
    ['a slash in the domain', 'a@exa/mple.org'],
    ['a percent sign in the domain', 'a@exa%mple.org'],
    ['a percent-encoded letter in the domain', 'a@exa%41mple.org'],
    ['an exclamation mark in the domain', 'a@ex!ample.org'],
    ['a hash in the domain', 'a@exa#mple.org'],
    ['a question mark in the domain', 'a@exa?mple.org'],
    ['an underscore in the domain', 'a@ex_ample.org'],
    ['a zero-width space in the local part', 'a\u200b@example.org'],
    ['a zero-width joiner in the domain', 'a@example\u200d.org'],
    ['a right-to-left override', '\u202ealice@example.org'],
    ['a soft hyphen in the domain', 'a@exam\u00adple.org'],
    ['a byte order mark before the address', '\ufeffalice@example.org'],
    ['a domain label over 63 characters', `a@${'b'.repeat(64)}.org`],
    ['a domain label ending in a hyphen', 'a@example-.org'],
    ['a label of 60 characters that is 67 in punycode', `a@${'öa'.repeat(30)}.org`],
    [
      'a domain of 93 characters that is over 253 in punycode',
      `a@${[0, 1, 2, 3, 4].map(cjkLabel).join('.')}.org`,
    ],
    ['a domain that is an IPv4 address', 'a@127.0.0.1'],
    ['a domain that a URL reads as an IPv4 address', 'a@0x7f.1'],
    ['a fullwidth solidus, which IDNA maps to a slash', 'a@exa\uff0fmple.org'],
    ['a fullwidth exclamation mark, which IDNA maps to one', 'a@ex\uff01ample.org'],
    ['a punycode label that does not decode', 'a@xn--a.org'],
  ])('refuses %s with M_INVALID_PARAM', (_, address) => {
    expect(thrownBy(() => canonicalEmail(address)).errcode).toBe('M_INVALID_PARAM');
  });

  it('accepts plus addressing and a domain without dots (local networks)', () => {
    expect(canonicalEmail('Alice+Matrix@localhost')).toBe('alice+matrix@localhost');
  });

  it('keeps an internationalised domain in the Unicode form Synapse stores, and punycode as written', () => {
    expect(canonicalEmail('bob@öumlaut.com')).toBe('bob@öumlaut.com');
    expect(canonicalEmail('bob@XN--UMLAUT-VXA.com')).toBe('bob@xn--umlaut-vxa.com');
    expect(canonicalEmail('bob@例え.テスト')).toBe('bob@例え.テスト');
  });

  it('accepts labels of up to 63 characters, hyphens inside them, and digits', () => {
    const label = 'b'.repeat(63);
    expect(canonicalEmail(`a@${label}.org`)).toBe(`a@${label}.org`);
    expect(canonicalEmail('a@mail-1.ex--ample.org')).toBe('a@mail-1.ex--ample.org');
    expect(canonicalEmail('a@123.example')).toBe('a@123.example');
  });
});

describe('parsePhoneNumber', () => {
  it('parses a number as dialled from the country and returns E.164 without + as the address', () => {
    expect(parsePhoneNumber('GB', '07400 123456')).toEqual({
      msisdn: '447400123456',
      e164: '+447400123456',
      international: '+44 7400 123456',
      region: 'GB',
      type: 'MOBILE',
    });
  });

  it('accepts an international number whatever the country', () => {
    expect(parsePhoneNumber('US', '+44 7400 123456').msisdn).toBe('447400123456');
  });

  it('accepts a lower-case country code', () => {
    expect(parsePhoneNumber('gb', '07400123456').msisdn).toBe('447400123456');
  });

  it('refuses a number that parses but cannot exist (Ofcom drama range), unlike Synapse', () => {
    expect(thrownBy(() => parsePhoneNumber('GB', '07700900001')).errcode).toBe('M_INVALID_PARAM');
  });

  it.each([
    ['garbage', 'GB', 'not a number'],
    ['too short', 'GB', '0791'],
    ['an unknown country', 'XX', '07400123456'],
    ['a three-letter country', 'GBR', '07400123456'],
  ])('refuses %s with M_INVALID_PARAM', (_, country, number) => {
    expect(thrownBy(() => parsePhoneNumber(country, number)).errcode).toBe('M_INVALID_PARAM');
  });
});

describe('canonicalAddress', () => {
  it('canonicalises stored phone numbers written with + and spaces', () => {
    expect(canonicalAddress('msisdn', '+44 7400 123456')).toBe('447400123456');
  });

  it('canonicalises stored email addresses like requests', () => {
    expect(canonicalAddress('email', 'Alice@Example.ORG')).toBe('alice@example.org');
  });

  it('refuses a stored phone number that is not E.164', () => {
    expect(thrownBy(() => canonicalAddress('msisdn', '07400123456')).errcode).toBe('M_INVALID_PARAM');
  });
});
