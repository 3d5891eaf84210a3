import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderNoticeEmail, renderValidationEmail } from '../../functions/templates/email.js';
import { escapeHtml, html, SafeHtml } from '../../functions/templates/html.js';
import {
  backPage,
  confirmedPage,
  confirmPage,
  contentSecurityPolicy,
  errorPage,
} from '../../functions/templates/pages.js';
import {
  fitsOneSegment,
  gsm7Length,
  MAX_SMS_SEPTETS,
  renderNoticeSms,
  renderValidationSms,
} from '../../functions/templates/sms.js';
import { testPresentation } from '../helpers/presentation.js';

const XSS = '"><script>alert(1)</script>';
const look = testPresentation();

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
  const session = { purpose: 'password_reset', address: 'alice@example.org', locale: undefined } as const;

  it('offers a POST form with the link fields hidden, escaped, and no script at all', () => {
    const evil = testPresentation({ serverName: `evil${XSS}.org` });
    const page = confirmPage(evil, { ...session, address: `a${XSS}@example.org` }, 'confirm', fields);
    expect(page).toContain('<form method="post" action="confirm">');
    expect(page).toContain('name="client_secret" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).toContain('name="token" value="tok&quot;en"');
    expect(page).toContain('name="locale" value="en"');
    expect(page).toContain('<dd>evil&quot;&gt;&lt;script&gt;');
    expect(page).not.toContain('<script');
  });

  it('shows the address being confirmed and the server, and a button that says what it does', () => {
    const page = confirmPage(look, session, 'confirm', fields);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<dd>alice@example.org</dd>');
    expect(page).toContain('<dd>example.org</dd>');
    expect(page).toContain('<button type="submit">Confirm password reset</button>');
  });

  it.each([
    'registration',
    'password_reset',
    'add_threepid',
  ] as const)('says what happens next for %s', (purpose) => {
    expect(confirmedPage(look, { ...session, purpose }, false)).toContain('Email address confirmed');
    expect(confirmedPage(look, { ...session, purpose }, true)).toContain('already confirmed');
  });

  it('names the server on error pages, and writes "Ask your Matrix app" as a sentence', () => {
    const page = errorPage(look, 'en', 'incorrect');
    expect(page).toContain('<h1>This link is no longer valid</h1>');
    expect(page).toContain('Otherwise, ask your Matrix app to send you a new email.');
    expect(page).toContain('Matrix server: example.org');
  });

  it('shows where next_link lands locally, with the sid escaped', () => {
    expect(backPage(look, 'en', `s${XSS}`)).toContain('<code>s&quot;&gt;&lt;script&gt;');
  });

  it('uses a CSP with no script source, the page stylesheet by hash, and no framing', () => {
    const csp = contentSecurityPolicy(look, []);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("form-action 'self' https: http:");
  });

  it('limits where the form may lead to the allowed next_link hosts when they are configured', () => {
    expect(contentSecurityPolicy(look, ['app.example.org'])).toContain(
      "form-action 'self' https://app.example.org http://app.example.org",
    );
  });

  it('styles every page only with the one stylesheet the CSP hash names', () => {
    const csp = contentSecurityPolicy(look, []);
    for (const page of [
      confirmPage(look, session, 'confirm', fields),
      confirmedPage(look, session, false),
      errorPage(look, 'en', 'expired'),
      backPage(look, 'en', 'a.b'),
    ]) {
      const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] ?? '');
      expect(styles).toHaveLength(1);
      expect(page).not.toMatch(/\sstyle=/);
      const hash = createHash('sha256')
        .update(styles[0] ?? '')
        .digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
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
    const rendered = renderValidationEmail(email, look);
    expect(rendered.subject).toBe('[example.org] Validate your email');
    expect(rendered.text).toContain(email.link);
    expect(rendered.text).toContain('The link works for 1 hour.');
    expect(rendered.html).toContain(
      'href="https://matrix.example.org/_matrix/client/v3/validate/email/confirm?sid=a&amp;client_secret=b&amp;token=c"',
    );
  });

  it('has a button that opens the confirmation page, rather than one that seems to confirm', () => {
    const rendered = renderValidationEmail(email, look);
    expect(rendered.html).toMatch(/<a href="[^"]+"[^>]*>Open the confirmation page<\/a>/);
    expect(rendered.html).toContain('<html lang="en">');
  });

  it('names password resets as such', () => {
    expect(renderValidationEmail({ ...email, purpose: 'password_reset' }, look).subject).toBe(
      '[example.org] Password reset',
    );
  });

  it('signs with the brand and gives the support contact, as a link in HTML', () => {
    const branded = testPresentation({ brandName: 'Example Chat', supportContact: 'help@example.org' });
    const rendered = renderValidationEmail(email, branded);
    expect(rendered.subject).toBe('[Example Chat] Validate your email');
    expect(rendered.text).toContain('Questions? Write to help@example.org.');
    expect(rendered.html).toContain('Write to <a href="mailto:help@example.org">help@example.org</a>.');
    const web = testPresentation({ supportContact: 'https://help.example.org/' });
    expect(renderValidationEmail(email, web).html).toContain(
      'Go to <a href="https://help.example.org/">https://help.example.org/</a>.',
    );
  });

  it('escapes the server name and the link in the HTML part', () => {
    const rendered = renderValidationEmail(
      { ...email, link: `https://x.example/?q=${XSS}` },
      testPresentation({ serverName: `a${XSS}` }),
    );
    expect(rendered.html).not.toContain('<script');
  });

  it('tells the owner of a decoy address what happened, without a link of ours', () => {
    const notice = renderNoticeEmail(
      { to: email.to, purpose: 'registration', reason: 'address-in-use' },
      look,
    );
    expect(notice.subject).toBe('[example.org] Email already in use');
    expect(notice.html).not.toContain('href=');
  });
});

describe('the validation SMS', () => {
  const sms = { to: '+447400123456', purpose: 'registration', code: '012345', validForMs: 600_000 } as const;

  it('fits one GSM-7 segment and carries the code', () => {
    const text = renderValidationSms(sms, look);
    expect(text).toBe(
      'Your example.org verification code is 012345. It expires in 10 minutes. If you did not ask for it, ignore this message.',
    );
    expect(gsm7Length(text)).toBeLessThanOrEqual(MAX_SMS_SEPTETS);
  });

  it('drops wording, then the server name, rather than split the message', () => {
    const longish = `${'matrix.'.repeat(8)}example.org`;
    expect(renderValidationSms(sms, testPresentation({ serverName: longish }))).toBe(
      `Your ${longish} verification code is 012345. It expires in 10 minutes.`,
    );
    const long = renderValidationSms(
      sms,
      testPresentation({ serverName: `${'matrix.'.repeat(16)}example.org` }),
    );
    expect(long).toBe('Your verification code is 012345. It expires in 10 minutes.');
    const unicode = renderValidationSms(sms, testPresentation({ serverName: 'пример.рф' }));
    expect(gsm7Length(unicode)).toBeDefined();
    expect(unicode).toContain('012345');
  });

  it('counts GSM-7 extension characters as two septets and rejects what needs UCS-2', () => {
    expect(gsm7Length('abc')).toBe(3);
    expect(gsm7Length('[€]')).toBe(6);
    expect(gsm7Length('日本')).toBeUndefined();
    expect(fitsOneSegment('ó'.repeat(70))).toBe(true);
    expect(fitsOneSegment('ó'.repeat(71))).toBe(false);
  });

  it('keeps decoy notices to one segment too', () => {
    const text = renderNoticeSms({ to: sms.to, purpose: 'registration', reason: 'no-account' }, look);
    expect(fitsOneSegment(text)).toBe(true);
  });
});

describe('durations', () => {
  it.each([
    [60_000, '1 minute'],
    [600_000, '10 minutes'],
    [3_600_000, '1 hour'],
    [5_400_000, '90 minutes'],
    [86_400_000, '24 hours'],
  ])('describes %i ms as %s', (ms, text) => {
    expect(look.duration('en', ms)).toBe(text);
  });
});
