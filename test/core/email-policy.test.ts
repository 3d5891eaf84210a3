import { describe, expect, it } from 'vitest';
import { canonicalEmail } from '../../functions/core/email-address.js';
import { checkEmailDomain, type EmailPolicy, globToRegExp } from '../../functions/core/email-policy.js';
import { thrownBy } from '../helpers/errors.js';

const DENIED = {
  errcode: 'M_THREEPID_DENIED',
  status: 403,
  message: 'This email address cannot be used here.',
};

/** Whether `address`, canonicalised as a request's is, passes `policy`. */
function passes(address: string, policy: Partial<EmailPolicy>): boolean {
  try {
    checkEmailDomain(canonicalEmail(address), { allow: [], deny: [], ...policy });
    return true;
  } catch (error) {
    expect(error).toMatchObject(DENIED);
    return false;
  }
}

describe('globToRegExp', () => {
  it('is anchored and case-insensitive, * matching any run of characters, dots included', () => {
    const glob = globToRegExp('*.example.org');
    expect(glob.test('mail.example.org')).toBe(true);
    expect(glob.test('a.b.example.org')).toBe(true);
    expect(glob.test('MAIL.Example.ORG')).toBe(true);
    expect(glob.test('example.org')).toBe(false);
    expect(glob.test('mail.example.org.evil')).toBe(false);
    expect(glob.test('mail-example.org')).toBe(false);
  });

  it('takes every other character literally', () => {
    expect(globToRegExp('example.org').test('exampleXorg')).toBe(false);
    expect(globToRegExp('a+b.example').test('aab.example')).toBe(false);
    expect(globToRegExp('a+b.example').test('a+b.example')).toBe(true);
    expect(globToRegExp('(a|b)').test('a')).toBe(false);
  });

  it('lets * match nothing, and a lone * match everything', () => {
    expect(globToRegExp('mail*.example').test('mail.example')).toBe(true);
    expect(globToRegExp('*').test('anything.at.all')).toBe(true);
  });
});

describe('checkEmailDomain', () => {
  it('allows every domain when both lists are empty', () => {
    expect(passes('alice@example.org', {})).toBe(true);
    expect(passes('bob@öumlaut.com', {})).toBe(true);
  });

  it('refuses a domain that matches a deny glob, in any case', () => {
    const policy = { deny: ['mailinator.com', '*.spam.example'] };
    expect(passes('alice@Mailinator.COM', policy)).toBe(false);
    expect(passes('alice@a.spam.example', policy)).toBe(false);
    expect(passes('alice@spam.example', policy)).toBe(true);
    expect(passes('alice@example.org', policy)).toBe(true);
  });

  it('allows only the domains an allow-list matches', () => {
    const policy = { allow: ['example.org', '*.example.org'] };
    expect(passes('alice@example.org', policy)).toBe(true);
    expect(passes('alice@staff.example.org', policy)).toBe(true);
    expect(passes('alice@example.org.evil.example', policy)).toBe(false);
    expect(passes('alice@notexample.org', policy)).toBe(false);
  });

  it('lets deny win over allow', () => {
    const policy = { allow: ['*.example.org'], deny: ['guests.example.org'] };
    expect(passes('alice@staff.example.org', policy)).toBe(true);
    expect(passes('alice@guests.example.org', policy)).toBe(false);
  });

  it('judges only the domain, never the local part', () => {
    expect(passes('spam.example@example.org', { deny: ['*spam.example*'] })).toBe(true);
  });

  it('compares an internationalised domain in its Unicode and its punycode form', () => {
    // bücher.example is xn--bcher-kva.example.
    for (const glob of ['bücher.example', 'xn--bcher-kva.example', '*.example', 'BÜCHER.example']) {
      expect(passes('alice@bücher.example', { deny: [glob.toLowerCase()] }), glob).toBe(false);
      expect(passes('alice@xn--bcher-kva.example', { deny: [glob.toLowerCase()] }), glob).toBe(false);
      expect(passes('alice@BÜCHER.example', { allow: [glob.toLowerCase()] }), glob).toBe(true);
    }
    expect(passes('alice@bücher.example', { deny: ['xn--*'] })).toBe(false);
    expect(passes('alice@bucher.example', { deny: ['bücher.example'] })).toBe(true);
  });

  it('compares a glob with a wildcard in an internationalised label in its Unicode form', () => {
    expect(passes('alice@mail.bücher.example', { deny: ['*.bü*.example'] })).toBe(false);
    expect(passes('alice@mail.bucher.example', { deny: ['*.bü*.example'] })).toBe(true);
  });

  it('says nothing of which list refused the address', () => {
    const denied = thrownBy(() =>
      checkEmailDomain('alice@spam.example', { allow: [], deny: ['spam.example'] }),
    );
    const notAllowed = thrownBy(() =>
      checkEmailDomain('alice@spam.example', { allow: ['example.org'], deny: [] }),
    );
    expect(denied.message).toBe(notAllowed.message);
    expect(denied).toMatchObject(DENIED);
  });
});
