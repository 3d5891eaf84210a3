import { describe, expect, it } from 'vitest';
import { renderValidationEmail } from '../../functions/templates/email.js';
import { escapeHtml, html, SafeHtml } from '../../functions/templates/html.js';
import {
  confirmedPage,
  confirmPage,
  contentSecurityPolicy,
  failurePage,
} from '../../functions/templates/pages.js';
import { gsm7Length, MAX_SMS_SEPTETS, renderValidationSms } from '../../functions/templates/sms.js';
import { describeDuration } from '../../functions/templates/wording.js';

const XSS = '"><script>alert(1)</script>';

describe('html templates', () => {
  it('escapes every interpolated value', () => {
    expect(html`<p title="${XSS}">${XSS}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('nests templates without escaping them twice', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
    expect(html`${[inner, '&']}`.value).toBe('<b>&lt;i&gt;</b>&amp;');
    expect(escapeHtml("'")).toBe('&#39;');
    expect(new SafeHtml('<hr>').toString()).toBe('<hr>');
  });
});

describe('the link pages', () => {
  const fields = { sid: 'abc.def', clientSecret: XSS, token: 'tok"en' };

  it('offers a POST form with the link fields hidden, escaped, and no script at all', () => {
    const page = confirmPage('password_reset', `evil${XSS}.org`, 'confirm', fields);
    expect(page).toContain('<form method="post" action="confirm">');
    expect(page).toContain('name="client_secret" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).toContain('name="token" value="tok&quot;en"');
    expect(page).toContain('reset the password of your account on evil&quot;&gt;&lt;script&gt;');
    expect(page).not.toContain('<script');
  });

  it.each([
    'registration',
    'password_reset',
    'add_threepid',
  ] as const)('says what happens next for %s', (purpose) => {
    expect(confirmedPage(purpose, 'example.org', false)).toContain('Email address confirmed');
    expect(confirmedPage(purpose, 'example.org', true)).toContain('already confirmed');
  });

  it('escapes failure explanations', () => {
    expect(failurePage('Oops', XSS)).not.toContain('<script');
  });

  it('uses a CSP with no script source, the page stylesheet by hash, and no framing', () => {
    const csp = contentSecurityPolicy([]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("form-action 'self' https: http:");
  });

  it('limits where the form may lead to the allowed next_link hosts when they are configured', () => {
    expect(contentSecurityPolicy(['app.example.org'])).toContain(
      "form-action 'self' https://app.example.org http://app.example.org",
    );
  });

  it('styles the page only with the stylesheet the CSP hash names', async () => {
    const { createHash } = await import('node:crypto');
    const page = confirmPage('registration', 'example.org', 'confirm', fields);
    const css = page.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
    const hash = createHash('sha256').update(css).digest('base64');
    expect(contentSecurityPolicy([])).toContain(`'sha256-${hash}'`);
  });
});

describe('the validation email', () => {
  const email = {
    to: 'alice@example.org',
    purpose: 'registration',
    link: 'https://matrix.example.org/_matrix/client/v3/validate/email/confirm?sid=a&client_secret=b&token=c',
    validForMs: 3_600_000,
  } as const;

  it('puts the link in both parts and says how long it works', () => {
    const rendered = renderValidationEmail(email, 'example.org');
    expect(rendered.subject).toBe('[example.org] Validate your email');
    expect(rendered.text).toContain(email.link);
    expect(rendered.text).toContain('The link works for 1 hour.');
    expect(rendered.html).toContain(
      'href="https://matrix.example.org/_matrix/client/v3/validate/email/confirm?sid=a&amp;client_secret=b&amp;token=c"',
    );
  });

  it('names password resets as such', () => {
    expect(renderValidationEmail({ ...email, purpose: 'password_reset' }, 'example.org').subject).toBe(
      '[example.org] Password reset',
    );
  });

  it('escapes the server name and the link in the HTML part', () => {
    const rendered = renderValidationEmail({ ...email, link: `https://x.example/?q=${XSS}` }, `a${XSS}`);
    expect(rendered.html).not.toContain('<script');
  });
});

describe('the validation SMS', () => {
  const sms = { to: '+447400123456', purpose: 'registration', code: '012345', validForMs: 600_000 } as const;

  it('fits one GSM-7 segment and carries the code', () => {
    const text = renderValidationSms(sms, 'example.org');
    expect(text).toBe(
      'Your example.org verification code is 012345. It expires in 10 minutes. If you did not ask for it, ignore this message.',
    );
    expect(gsm7Length(text)).toBeLessThanOrEqual(MAX_SMS_SEPTETS);
  });

  it('drops wording, then the server name, rather than split the message', () => {
    const longish = `${'matrix.'.repeat(8)}example.org`;
    expect(renderValidationSms(sms, longish)).toBe(
      `Your ${longish} verification code is 012345. It expires in 10 minutes.`,
    );
    const long = renderValidationSms(sms, `${'matrix.'.repeat(16)}example.org`);
    expect(long).toBe('Your verification code is 012345. It expires in 10 minutes.');
    const unicode = renderValidationSms(sms, 'пример.рф');
    expect(gsm7Length(unicode)).toBeDefined();
    expect(unicode).toContain('012345');
  });

  it('counts GSM-7 extension characters as two septets and rejects what needs UCS-2', () => {
    expect(gsm7Length('abc')).toBe(3);
    expect(gsm7Length('[€]')).toBe(6);
    expect(gsm7Length('日本')).toBeUndefined();
  });
});

describe('describeDuration', () => {
  it.each([
    [60_000, '1 minute'],
    [600_000, '10 minutes'],
    [3_600_000, '1 hour'],
    [5_400_000, '90 minutes'],
    [86_400_000, '24 hours'],
  ])('describes %i ms as %s', (ms, text) => {
    expect(describeDuration(ms)).toBe(text);
  });
});
