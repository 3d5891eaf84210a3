/**
 * Everything people read, in their language and under the operator's name: the message catalogs
 * (one JSON file per locale), the template files, the brand and the support contact. The defaults
 * are data files in `defaults/`, read when first needed, so a function carries no wording in its
 * code and reads only the locales it is asked for. TEMPLATES_DIR has the same layout; a template
 * in it replaces the default of that name, and a catalog in it replaces the entries it has or adds
 * a locale. What it holds is checked before it is used (checks.ts): when `npm start` starts, and
 * when the construct synthesizes, which copies only a checked directory into the functions.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import preferredLanguages from 'negotiator/lib/language.js';
import { SettingsError } from '../settings.js';
import { fill, format, formatHtml, type Value } from './engine.js';
import { html } from './html.js';

/** Where the default templates and catalogs are: beside this module, or beside the Lambda bundle. */
export const DEFAULTS_DIR = /* @__PURE__ */ fileURLToPath(new URL('./defaults/', import.meta.url));
/** The catalog every other is checked against, and the last resort for a message. */
export const REFERENCE_LOCALE = 'en';

/** Every template file; checks.ts says which variables each is given. */
export type TemplateName =
  | 'email.html'
  | 'email.txt'
  | 'notice-email.html'
  | 'notice-email.txt'
  | 'page.html'
  | 'page.css'
  | 'confirm.html'
  | 'confirmed.html'
  | 'error.html'
  | 'back.html';

export type Catalog = Readonly<Record<string, string>>;

export interface PresentationOptions {
  /** The homeserver's name, as people know it. */
  readonly serverName: string;
  /** The name mail and pages are signed with; the server name when unset. */
  readonly brandName?: string | undefined;
  /** An email address or an https URL where people get help; none when unset. */
  readonly supportContact?: string | undefined;
  /** The locale used when nothing better is known: must have a catalog. */
  readonly defaultLocale: string;
  /** The operator's overrides. */
  readonly templatesDir?: string | undefined;
}

/** The heading of every problem with templates, here and in checks.ts. */
export const TEMPLATES_PROBLEMS = 'Invalid templates (TEMPLATES_DIR)';

export class Presentation {
  readonly serverName: string;
  readonly brand: string;
  readonly supportContact: string | undefined;
  readonly defaultLocale: string;
  /** Every locale there is a catalog for, the default first. */
  readonly locales: readonly string[];
  private readonly catalogs = new Map<string, Catalog>();
  private readonly templates = new Map<TemplateName, string>();
  /**
   * Plural rules by locale. Durations are worded from the catalogs with these rather than with
   * Intl.NumberFormat's units, whose first use loads number data for 10–15 ms: on the senders'
   * first invocation, every cold start.
   */
  private readonly pluralRules = new Map<string, Intl.PluralRules>();

  private constructor(
    options: PresentationOptions,
    locales: readonly string[],
    private readonly defaultsDir: string,
  ) {
    this.serverName = options.serverName;
    this.brand = options.brandName ?? options.serverName;
    this.supportContact = options.supportContact;
    this.defaultLocale = options.defaultLocale;
    this.overridesDir = options.templatesDir;
    this.locales = [options.defaultLocale, ...locales.filter((locale) => locale !== options.defaultLocale)];
  }

  private readonly overridesDir: string | undefined;

  /** The defaults and the operator's directory; throws TemplatesError if the default locale has no catalog. */
  static load(options: PresentationOptions, defaultsDir: string = DEFAULTS_DIR): Presentation {
    const locales = [
      ...new Set([
        ...catalogLocales(join(defaultsDir, 'locales')),
        ...(options.templatesDir ? catalogLocales(join(options.templatesDir, 'locales')) : []),
      ]),
    ].sort();
    if (!locales.includes(options.defaultLocale)) {
      throw new SettingsError(TEMPLATES_PROBLEMS, [
        `DEFAULT_LOCALE ${options.defaultLocale} has no catalog; there are: ${locales.join(', ')}`,
      ]);
    }
    return new Presentation(options, locales, defaultsDir);
  }

  /** The best locale for an `Accept-Language` header, by RFC 9110's rules; else the default. */
  negotiate(acceptLanguage: string | undefined): string {
    if (acceptLanguage === undefined || acceptLanguage.trim() === '') return this.defaultLocale;
    return preferredLanguages(acceptLanguage, [...this.locales])[0] ?? this.defaultLocale;
  }

  /** `locale` if there is a catalog for it (a session's, a form's), else the default. */
  localeOf(locale: string | undefined): string {
    return locale !== undefined && this.locales.includes(locale) ? locale : this.defaultLocale;
  }

  /** A catalog message as text, its placeholders filled in. */
  text(locale: string, key: string, params: Readonly<Record<string, string>> = {}): string {
    return format(this.message(locale, key), { ...this.common(), ...params });
  }

  /** A catalog message as HTML: escaped, its SafeHtml parameters kept as they are. */
  html(locale: string, key: string, params: Readonly<Record<string, Value>> = {}) {
    return formatHtml(this.message(locale, key), { ...this.common(), ...params });
  }

  /** A template with its variables filled in: escaped in `.html` files. */
  render(name: TemplateName, values: Readonly<Record<string, Value>>): string {
    return fill(this.template(name), values, name.endsWith('.html'));
  }

  /** The template's text: the operator's, or the default. */
  template(name: TemplateName): string {
    let template = this.templates.get(name);
    if (template === undefined) {
      const own = this.overridesDir === undefined ? undefined : join(this.overridesDir, name);
      template = readFileSync(own && existsSync(own) ? own : join(this.defaultsDir, name), 'utf8');
      this.templates.set(name, template);
    }
    return template;
  }

  /**
   * "1 hour", "10 Minuten", "90 minutes": whole hours when exact, else minutes, worded by the
   * catalog's `duration.<unit>.<plural category>` (`.other` when the locale's category has none).
   */
  duration(locale: string, ms: number): string {
    const minutes = Math.max(1, Math.round(ms / 60_000));
    const [count, unit] = minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
    let rules = this.pluralRules.get(locale);
    if (rules === undefined) {
      rules = new Intl.PluralRules(locale);
      this.pluralRules.set(locale, rules);
    }
    const key = `duration.${unit}.${rules.select(count)}`;
    const message = this.catalog(locale)[key] ?? this.message(locale, `duration.${unit}.other`);
    return format(message, { count: String(count) });
  }

  /** The support line, as text or as HTML with a link; empty when there is no contact. */
  support(locale: string, asHtml: boolean): Value {
    const contact = this.supportContact;
    if (contact === undefined) return '';
    const isEmail = !/^https?:/i.test(contact);
    const key = isEmail ? 'support.email' : 'support.url';
    if (!asHtml) return this.text(locale, key, { contact });
    const link = html`<a href="${isEmail ? `mailto:${contact}` : contact}">${contact}</a>`;
    return html`<p>${this.html(locale, key, { contact: link })}</p>`;
  }

  private common(): Record<string, string> {
    return { brand: this.brand, serverName: this.serverName };
  }

  private message(locale: string, key: string): string {
    const message = this.catalog(locale)[key] ?? this.catalog(REFERENCE_LOCALE)[key];
    if (message === undefined) throw new Error(`No message ${key} in the ${locale} catalog`);
    return message;
  }

  /** The default catalog of `locale`, if any, with the operator's entries over it. */
  private catalog(locale: string): Catalog {
    let catalog = this.catalogs.get(locale);
    if (catalog === undefined) {
      const file = `${locale}.json`;
      const own = this.overridesDir === undefined ? undefined : join(this.overridesDir, 'locales', file);
      const base = join(this.defaultsDir, 'locales', file);
      catalog = {
        ...(existsSync(base) ? readCatalog(base) : {}),
        ...(own && existsSync(own) ? readCatalog(own) : {}),
      };
      this.catalogs.set(locale, catalog);
    }
    return catalog;
  }
}

/** The locales a directory has catalogs for (`de.json` → `de`). */
export function catalogLocales(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length));
}

export function readCatalog(file: string): Catalog {
  return JSON.parse(readFileSync(file, 'utf8')) as Catalog;
}
