import { describe, expect, it } from 'vitest';
import { MatrixError } from '../../functions/core/errors.js';
import { appendSid, checkNextLink, isAllowedNextLink } from '../../functions/core/next-link.js';

describe('isAllowedNextLink', () => {
  it('allows any http(s) URL when no hosts are configured', () => {
    expect(isAllowedNextLink('https://app.element.io/#/register', [])).toBe(true);
    expect(isAllowedNextLink('http://localhost:8080/done', [])).toBe(true);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'some-protocol://callback',
    'ftp://example.org/',
    '/relative/path',
    'not a url',
  ])('refuses %s', (link) => {
    expect(isAllowedNextLink(link, [])).toBe(false);
  });

  it('refuses URLs with credentials, which can disguise the real host', () => {
    expect(isAllowedNextLink('https://app.element.io@evil.example/', [])).toBe(false);
  });

  it('refuses absurdly long links', () => {
    expect(isAllowedNextLink(`https://example.org/${'a'.repeat(2100)}`, [])).toBe(false);
  });

  it('allows only listed hosts when an allow-list is configured, ignoring case and port', () => {
    const allowed = ['app.element.io'];
    expect(isAllowedNextLink('https://APP.element.io:8443/#/done', allowed)).toBe(true);
    expect(isAllowedNextLink('https://evil.example/', allowed)).toBe(false);
    expect(isAllowedNextLink('https://sub.app.element.io/', allowed)).toBe(false);
  });
});

describe('checkNextLink', () => {
  it('returns the link normalised', () => {
    expect(checkNextLink('HTTPS://App.Example.org', [])).toBe('https://app.example.org/');
  });

  it('throws M_INVALID_PARAM for a refused link', () => {
    expect(() => checkNextLink('javascript:alert(1)', [])).toThrow(MatrixError);
    try {
      checkNextLink('https://evil.example/', ['app.example.org']);
    } catch (error) {
      expect((error as MatrixError).errcode).toBe('M_INVALID_PARAM');
      expect((error as MatrixError).status).toBe(400);
    }
  });
});

describe('appendSid', () => {
  it('adds a query when there is none', () => {
    expect(appendSid('https://app.example.org/done', 'abc.def')).toBe(
      'https://app.example.org/done?sid=abc.def',
    );
  });

  it('adds to an existing query', () => {
    expect(appendSid('https://app.example.org/done?step=2', 'abc')).toBe(
      'https://app.example.org/done?step=2&sid=abc',
    );
  });

  it('puts the sid before the fragment, where Synapse puts it inside the fragment', () => {
    expect(appendSid('https://app.element.io/#/register?x=1', 'abc')).toBe(
      'https://app.element.io/?sid=abc#/register?x=1',
    );
    expect(appendSid('https://a.example/p?q=1#frag', 'abc')).toBe('https://a.example/p?q=1&sid=abc#frag');
  });

  it('leaves the existing query exactly as it was', () => {
    expect(appendSid('https://a.example/?a=b%20c&d=e+f', 'x')).toBe('https://a.example/?a=b%20c&d=e+f&sid=x');
  });
});
