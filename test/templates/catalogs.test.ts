import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  catalogProblems,
  checkedPresentation,
  TEMPLATE_NAMES,
  TEMPLATE_VARIABLES,
  templateProblems,
} from '../../functions/templates/checks.js';
import { renderValidationEmail } from '../../functions/templates/email.js';
import { confirmedPage, confirmPage, errorPage } from '../../functions/templates/pages.js';
import {
  catalogLocales,
  DEFAULTS_DIR,
  REFERENCE_LOCALE,
  readCatalog,
} from '../../functions/templates/presentation.js';
import { fitsOneSegment, renderValidationSms } from '../../functions/templates/sms.js';
import { testPresentation } from '../helpers/presentation.js';

const LOCALES = catalogLocales(join(DEFAULTS_DIR, 'locales'));
const reference = readCatalog(join(DEFAULTS_DIR, 'locales', `${REFERENCE_LOCALE}.json`));
const email = {
  to: 'alice@example.org',
  purpose: 'registration',
  link: 'https://matrix.example.org/_matrix/client/v3/validate/email/confirm?sid=a.b&token=c',
  validForMs: 3_600_000,
} as const;
const sms = { to: '+33612345678', purpose: 'registration', code: '012345', validForMs: 600_000 } as const;

describe('the catalogs', () => {
  it('are English, German, French and Spanish at least', () => {
    expect(LOCALES).toEqual(expect.arrayContaining(['en', 'de', 'fr', 'es']));
  });

  it.each(LOCALES)('%s has every message, with exactly the placeholders of the English one', (locale) => {
    const catalog = readCatalog(join(DEFAULTS_DIR, 'locales', `${locale}.json`));
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(reference).sort());
    expect(catalogProblems(catalog, reference, 'built-in')).toEqual([]);
  });

  it.each(TEMPLATE_NAMES)('the default %s uses only its own variables and passes its checks', (name) => {
    expect(templateProblems(name, readFileSync(join(DEFAULTS_DIR, name), 'utf8'))).toEqual([]);
  });
});

describe.each([
  ['fr', 'Confirmez votre adresse e-mail', 'Ouvrir la page de confirmation', 'Votre code de vérification'],
  ['es', 'Confirma tu dirección de correo', 'Abrir la página de confirmación', 'Tu código de'],
  ['de', 'Bestätigen Sie Ihre E-Mail-Adresse', 'Bestätigungsseite öffnen', 'Ihr Bestätigungscode'],
])('in %s', (locale, subject, button, code) => {
  const look = testPresentation();

  it('writes the email, its button and its expiry in that language', () => {
    const rendered = renderValidationEmail({ ...email, locale }, look);
    expect(rendered.subject).toBe(`[example.org] ${subject}`);
    expect(rendered.html).toContain(`<html lang="${locale}">`);
    expect(rendered.html).toContain(`>${button}</a>`);
    expect(rendered.text).toContain(look.duration(locale, 3_600_000));
    expect(rendered.text).not.toMatch(/\{\w+\}/);
  });

  it('texts the code in that language, in one segment', () => {
    const text = renderValidationSms({ ...sms, locale }, look);
    expect(text).toContain(code);
    expect(text).toContain('012345');
    expect(fitsOneSegment(text)).toBe(true);
  });

  it('shows every page in that language', () => {
    const session = { purpose: 'password_reset', address: 'alice@example.org', locale } as const;
    const fields = { sid: 'a.b', clientSecret: undefined, token: 't' };
    for (const page of [
      confirmPage(look, session, 'confirm', fields),
      confirmedPage(look, session, false),
      errorPage(look, locale, 'expired'),
    ]) {
      expect(page).toContain(`<html lang="${locale}">`);
      expect(page).not.toMatch(/\{\w+\}/);
    }
  });
});

describe('negotiating the language', () => {
  const look = testPresentation();
  it.each([
    ['de-DE,de;q=0.9,en;q=0.8', 'de'],
    ['fr-CH, fr;q=0.9, en;q=0.8', 'fr'],
    ['es-419', 'es'],
    ['en-GB', 'en'],
    ['ja, ko;q=0.5', 'en'],
    ['*', 'en'],
    ['de;q=0, fr', 'fr'],
    ['', 'en'],
  ])('reads %j as %s', (header, locale) => {
    expect(look.negotiate(header)).toBe(locale);
  });

  it('falls back to DEFAULT_LOCALE', () => {
    expect(testPresentation({ defaultLocale: 'de' }).negotiate('ja')).toBe('de');
    expect(testPresentation({ defaultLocale: 'de' }).localeOf(undefined)).toBe('de');
  });
});

describe('TEMPLATES_DIR', () => {
  function dir(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'templates-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    return root;
  }
  const problems = (files: Record<string, string>, defaultLocale = 'en') => {
    try {
      checkedPresentation({ serverName: 'example.org', defaultLocale, templatesDir: dir(files) });
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };

  it('replaces a catalog entry and a template by file', () => {
    const templatesDir = dir({
      'locales/en.json': JSON.stringify({ 'email.button': 'Continue to {serverName}' }),
      'error.html': '<h1>{{title}}</h1>\n<p>{{text}}</p>\n<p>Sorry.</p>\n',
    });
    const look = testPresentation({ templatesDir });
    expect(renderValidationEmail(email, look).html).toContain('>Continue to example.org</a>');
    expect(errorPage(look, 'en', 'expired')).toContain('<p>Sorry.</p>');
  });

  it('adds a locale, which negotiation then offers', () => {
    const italian = Object.fromEntries(
      Object.entries(reference).map(([key, message]) => [key, `IT ${message}`]),
    );
    const look = testPresentation({ templatesDir: dir({ 'locales/it.json': JSON.stringify(italian) }) });
    expect(look.negotiate('it-IT')).toBe('it');
    expect(renderValidationEmail({ ...email, locale: 'it' }, look).subject).toBe(
      'IT [example.org] Validate your email',
    );
  });

  it("words durations in the plural forms of the locale's own rules", () => {
    const polish = {
      ...Object.fromEntries(Object.entries(reference).map(([key, message]) => [key, `PL ${message}`])),
      'duration.hour.one': '{count} godzina',
      'duration.hour.few': '{count} godziny',
      'duration.hour.many': '{count} godzin',
      'duration.hour.other': '{count} godziny',
    };
    const look = testPresentation({ templatesDir: dir({ 'locales/pl.json': JSON.stringify(polish) }) });
    expect([1, 2, 5, 22].map((hours) => look.duration('pl', hours * 3_600_000))).toEqual([
      '1 godzina',
      '2 godziny',
      '5 godzin',
      '22 godziny',
    ]);
    expect(
      problems({ 'locales/de.json': JSON.stringify({ 'duration.hour.few': '{hours} Stunden' }) }),
    ).toEqual(['locales/de.json: duration.hour.few must use the placeholders {count}, not {hours}']);
  });

  it('reports every problem at once, each saying what is wrong and where', () => {
    expect(
      problems({
        'email.htm': 'x',
        'email.html': '<p>{{link}} {{password}}</p><div>',
        'confirm.html':
          '<form action="{{action}}">{{hiddenFields}}<img src="https://tracker.example/p.gif"></form>',
        'page.css': 'body { background: url(https://cdn.example/bg.png); }',
        'page.html': '<main style="color: red">{{content}}</main><script>alert(1)</script>',
        'locales/fr.json': JSON.stringify({ 'email.expiry': 'Valable {hours}.', 'email.nope': 'x' }),
        'locales/de.json': JSON.stringify({ 'sms.code.shortest': 'Ihr Code für {serverName}.' }),
        'locales/it.json': JSON.stringify({ 'email.button': 'Apri' }),
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringContaining('email.htm: not a template'),
        expect.stringContaining('email.html: {{password}} is not a variable of this template'),
        'email.html: not closed: <div>',
        expect.stringContaining(
          'confirm.html: <img src="https://tracker.example/p.gif">: an external resource',
        ),
        expect.stringContaining('page.css: url(https://cdn.example/bg.png): an external resource'),
        'page.html: <script> is not allowed',
        expect.stringContaining('page.html: style attributes are not allowed in pages'),
        'locales/fr.json: email.expiry must use the placeholders {duration}, not {hours}',
        'locales/fr.json: unknown message email.nope',
        'locales/de.json: sms.code.shortest must use the placeholders {code}, not {serverName}',
        expect.stringContaining('locales/it.json: a new locale needs every message; missing:'),
      ]),
    );
  });

  it('reads markup as a browser does, so no spelling slips past the checks', () => {
    expect(templateProblems('error.html', '<h1>{{title}}</h1><img/src=https://t.example/p.gif>')).toEqual([
      expect.stringContaining('(unexpected-solidus-in-tag)'),
      expect.stringContaining('<img src="https://t.example/p.gif">: an external resource'),
    ]);
    expect(
      templateProblems('error.html', '<h1>{{title}}</h1><a href=" &#106;ava&#x09;script:alert(1)">x</a>'),
    ).toEqual(['<a href>: javascript: URLs are not allowed']);
    expect(templateProblems('error.html', '<h1>{{title}}</h1><p onclick=x>{{text}}</p>')).toEqual([
      '<p onclick>: event handlers are not allowed',
    ]);
    expect(templateProblems('error.html', '<h1>{{title}}</h1><p><b>{{text}}</p></b>')).toEqual([
      '</p> closes <b>',
      '</b> closes <p>',
    ]);
    expect(templateProblems('error.html', '<h1>{{title}}</h1><p>{{text}}</p><br =x>')).toEqual([
      expect.stringMatching(
        /^cannot read the markup near "=x>" \(unexpected-equals-sign-before-attribute-name\)$/,
      ),
    ]);
  });

  it('refuses a default locale without a catalog', () => {
    expect(problems({}, 'pt')).toEqual([expect.stringContaining('DEFAULT_LOCALE pt has no catalog')]);
  });

  it('documents every template with its variables', () => {
    expect(Object.keys(TEMPLATE_VARIABLES).sort()).toEqual([...TEMPLATE_NAMES].sort());
  });
});
