/**
 * What the operator's TEMPLATES_DIR is held to, and the checks that keep the defaults honest: the
 * variables each template gets, catalogs that know every key and every placeholder, and HTML that
 * is well formed, runs no script and loads nothing from outside (mail clients block it, and it
 * would tell a third party who opened what). `npm start` checks the directory before it serves;
 * the construct checks it at synth, before copying it into the functions.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ParserError, parse, parseFragment } from 'parse5';
import { SAXParser } from 'parse5-sax-parser';
import { SettingsError } from '../settings.js';
import { PLACEHOLDER, VARIABLE } from './engine.js';
import {
  type Catalog,
  catalogLocales,
  DEFAULTS_DIR,
  Presentation,
  type PresentationOptions,
  REFERENCE_LOCALE,
  readCatalog,
  TEMPLATES_PROBLEMS,
  type TemplateName,
} from './presentation.js';

/** Every problem with the operator's templates, at once. */
export class TemplatesError extends SettingsError {
  override readonly name = 'TemplatesError';

  constructor(problems: readonly string[]) {
    super(TEMPLATES_PROBLEMS, problems);
  }
}

/** The variables of the validation email, in its HTML part and its text part alike. */
const EMAIL_VARIABLES = [
  'lang',
  'subject',
  'brand',
  'serverName',
  'greeting',
  'why',
  'action',
  'link',
  'button',
  'copyHint',
  'expiry',
  'ignore',
  'support',
] as const;
/** The variables of the notice a decoy session sends, in both parts. */
const NOTICE_VARIABLES = [
  'lang',
  'subject',
  'brand',
  'serverName',
  'greeting',
  'why',
  'ignore',
  'support',
] as const;

/** Every template, and the variables it is given. */
export const TEMPLATE_VARIABLES = {
  'email.html': EMAIL_VARIABLES,
  'email.txt': EMAIL_VARIABLES,
  'notice-email.html': NOTICE_VARIABLES,
  'notice-email.txt': NOTICE_VARIABLES,
  'page.html': ['lang', 'title', 'brand', 'serverLabel', 'serverName', 'style', 'content', 'support'],
  'page.css': [],
  'confirm.html': [
    'title',
    'intro',
    'addressLabel',
    'address',
    'serverLabel',
    'serverName',
    'action',
    'hiddenFields',
    'button',
    'ignore',
  ],
  'confirmed.html': ['title', 'addressLabel', 'address', 'serverLabel', 'serverName', 'next'],
  'error.html': ['title', 'text'],
  'back.html': ['title', 'text', 'sid'],
} as const satisfies Record<TemplateName, readonly string[]>;
/** Variables a template must use, or it cannot do its job. */
const REQUIRED_VARIABLES: Partial<Record<TemplateName, readonly string[]>> = {
  'email.html': ['link'],
  'email.txt': ['link'],
  'confirm.html': ['action', 'hiddenFields'],
  'page.html': ['content'],
};
/** The pages: their CSP allows one stylesheet, page.css, by its hash, and no other style. */
const PAGE_TEMPLATES: ReadonlySet<TemplateName> = new Set([
  'page.html',
  'confirm.html',
  'confirmed.html',
  'error.html',
  'back.html',
]);

export const TEMPLATE_NAMES = Object.keys(TEMPLATE_VARIABLES) as TemplateName[];

/** The variables a template uses, each once. */
export function variablesOf(template: string): string[] {
  return [...new Set([...template.matchAll(VARIABLE)].map((match) => match[1] ?? ''))];
}

/** The placeholders a catalog message uses, each once. */
export function placeholdersOf(message: string): string[] {
  return [...new Set([...message.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/** `{{` that does not open a well-formed `{{name}}`. */
export function strayBraces(template: string): boolean {
  return template.replace(VARIABLE, '').includes('{{');
}

const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
/** Elements that run code, embed another document or fetch one. */
const FORBIDDEN_ELEMENTS = new Set([
  'script',
  'iframe',
  'frame',
  'object',
  'embed',
  'applet',
  'link',
  'base',
  'audio',
  'video',
  'source',
  'track',
]);
/** Attributes whose value the browser or mail client fetches. */
const FETCHING_ATTRIBUTES = new Set(['src', 'srcset', 'poster', 'background', 'data', 'codebase', 'action']);
/**
 * What is wrong with an HTML template, if anything: markup the WHATWG tokenizer (parse5) reports
 * as an error, tags that do not balance, script of any kind, and anything fetched from outside
 * (images, styles, fonts, frames), which mail clients block and which would tell a third party who
 * opened what. Tags and attributes are read as a browser reads them (entities decoded, `<img/src>`
 * split), so a check cannot be slipped past by spelling. `allowAction` lets the confirmation
 * page's form post to `{{action}}`.
 */
export function htmlProblems(html: string, options: { allowAction?: boolean } = {}): string[] {
  const problems: string[] = [];
  const document = /^\s*<!doctype/i.test(html);
  const onParseError = (error: ParserError) =>
    problems.push(`cannot read the markup near "${snippet(html.slice(error.startOffset))}" (${error.code})`);
  if (document) parse(html, { onParseError });
  else parseFragment(html, { onParseError });

  const open: string[] = [];
  const tags = new SAXParser();
  tags.on('startTag', (tag) => {
    const name = tag.tagName;
    if (FORBIDDEN_ELEMENTS.has(name)) problems.push(`<${name}> is not allowed`);
    problems.push(...attributeProblems(name, tag.attrs, options));
    if (!VOID_ELEMENTS.has(name) && !tag.selfClosing) open.push(name);
  });
  tags.on('endTag', (tag) => {
    const name = tag.tagName;
    if (VOID_ELEMENTS.has(name)) return;
    const top = open.pop();
    if (top !== name) problems.push(`</${name}> closes ${top ? `<${top}>` : 'nothing'}`);
  });
  tags.write(html);
  tags.end();
  if (open.length > 0) problems.push(`not closed: ${open.map((name) => `<${name}>`).join(', ')}`);
  return [...problems, ...cssProblems(html)];
}

/** A URL as a browser reads it: without tabs and newlines, nor the controls and spaces it starts with. */
function asBrowserReads(url: string): string {
  const joined = url.replace(/[\t\n\r]/g, '');
  let start = 0;
  while (start < joined.length && joined.charCodeAt(start) <= 0x20) start++;
  return joined.slice(start);
}

function attributeProblems(
  element: string,
  attributes: readonly { readonly name: string; readonly value: string }[],
  options: { allowAction?: boolean },
): string[] {
  const problems: string[] = [];
  for (const attribute of attributes) {
    const name = attribute.name.toLowerCase();
    const value = asBrowserReads(attribute.value).trim();
    if (name.startsWith('on')) problems.push(`<${element} ${name}>: event handlers are not allowed`);
    if (/^javascript:/i.test(value)) problems.push(`<${element} ${name}>: javascript: URLs are not allowed`);
    if (element === 'meta' && name === 'http-equiv' && /refresh/i.test(value)) {
      problems.push('<meta http-equiv="refresh"> is not allowed');
    }
    const fetched = FETCHING_ATTRIBUTES.has(name) && !(name === 'action' && options.allowAction);
    if (fetched && !/^(data:|cid:|#)/i.test(value)) {
      problems.push(`<${element} ${name}="${value}">: an external resource (only data: URIs are allowed)`);
    }
  }
  return problems;
}

/** CSS that fetches: `@import`, or `url(…)` other than a data: URI. */
export function cssProblems(css: string): string[] {
  const problems: string[] = [];
  if (/@import/i.test(css)) problems.push('@import is not allowed');
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) {
    if (!/^data:/i.test(match[2] ?? ''))
      problems.push(`url(${match[2]}): an external resource (only data: URIs are allowed)`);
  }
  return problems;
}

const snippet = (text: string) => text.trim().slice(0, 40);

const LOCALE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** The operator's files, each checked; problems are collected, not thrown. */
function checkOverrides(
  dir: string,
  defaultsDir: string,
  builtIn: ReadonlySet<string>,
  problems: string[],
): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push(`${dir} is not a directory`);
    return;
  }
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'locales' && statSync(path).isDirectory()) continue;
    if (!(TEMPLATE_NAMES as string[]).includes(entry)) {
      problems.push(
        `${entry}: not a template; templates are ${TEMPLATE_NAMES.join(', ')}, and locales/<locale>.json`,
      );
      continue;
    }
    const name = entry as TemplateName;
    const text = readFileSync(path, 'utf8');
    problems.push(...templateProblems(name, text).map((problem) => `${name}: ${problem}`));
  }
  const localesDir = join(dir, 'locales');
  if (existsSync(localesDir)) {
    const reference = readCatalog(join(defaultsDir, 'locales', `${REFERENCE_LOCALE}.json`));
    for (const entry of readdirSync(localesDir)) {
      const locale = entry.replace(/\.json$/, '');
      if (!entry.endsWith('.json') || !LOCALE_TAG.test(locale)) {
        problems.push(
          `locales/${entry}: not a catalog; name catalogs by their locale, like de.json or pt-BR.json`,
        );
        continue;
      }
      const catalog = parseCatalog(join(localesDir, entry), problems);
      if (catalog === undefined) continue;
      const complete = builtIn.has(locale);
      problems.push(
        ...catalogProblems(catalog, reference, complete ? 'override' : 'new-locale').map(
          (problem) => `locales/${entry}: ${problem}`,
        ),
      );
    }
  }
}

function parseCatalog(file: string, problems: string[]): Catalog | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${file}: not JSON (${(error as Error).message})`);
    return undefined;
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((value) => typeof value === 'string');
  if (!valid) {
    problems.push(`${file}: must be a JSON object of messages, each a string`);
    return undefined;
  }
  return parsed as Catalog;
}

/** Placeholders every message may use, whatever the reference's says. */
const COMMON_PLACEHOLDERS: readonly string[] = ['brand', 'serverName'];

/**
 * For a duration's word in a plural category the reference catalog does not need (`few` in
 * Polish, `two` in Arabic: Intl.PluralRules' categories), the key of its `other` form.
 */
function pluralOther(key: string): string | undefined {
  const match = /^(duration\.[a-z]+)\.(zero|one|two|few|many|other)$/.exec(key);
  return match ? `${match[1]}.other` : undefined;
}

/**
 * What is wrong with a catalog, against the reference: a key it does not know; a placeholder the
 * message does not get, or one it must show (`{code}`, `{duration}`, `{contact}`) that it lacks;
 * for a catalog that must be complete (a new locale, or one of ours), every key it lacks. Ours
 * must use exactly the reference's placeholders; an operator's may add or drop `{brand}` and
 * `{serverName}`.
 */
export function catalogProblems(
  catalog: Catalog,
  reference: Catalog,
  kind: 'override' | 'new-locale' | 'built-in',
): string[] {
  const problems: string[] = [];
  for (const [key, message] of Object.entries(catalog)) {
    const expected = reference[key] ?? reference[pluralOther(key) ?? ''];
    if (expected === undefined) {
      problems.push(`unknown message ${key}`);
      continue;
    }
    const want = placeholdersOf(expected).sort();
    const got = placeholdersOf(message).sort();
    const fits =
      kind === 'built-in'
        ? want.join() === got.join()
        : got.every((name) => want.includes(name) || COMMON_PLACEHOLDERS.includes(name)) &&
          want.every((name) => got.includes(name) || COMMON_PLACEHOLDERS.includes(name));
    if (!fits)
      problems.push(`${key} must use the placeholders {${want.join(', ')}}, not {${got.join(', ')}}`);
  }
  if (kind !== 'override') {
    const missing = Object.keys(reference).filter((key) => !(key in catalog));
    if (missing.length > 0) problems.push(`a new locale needs every message; missing: ${missing.join(', ')}`);
  }
  return problems;
}

/** What is wrong with a template's text: its variables, and for HTML its markup and resources. */
export function templateProblems(name: TemplateName, text: string): string[] {
  const allowed: readonly string[] = TEMPLATE_VARIABLES[name];
  const used = variablesOf(text);
  const problems = used
    .filter((variable) => !allowed.includes(variable))
    .map((variable) =>
      allowed.length === 0
        ? `{{${variable}}}: this file gets no variables`
        : `{{${variable}}} is not a variable of this template; it gets ${allowed.join(', ')}`,
    );
  if (strayBraces(text)) problems.push('"{{" that is not a {{variable}}');
  for (const variable of REQUIRED_VARIABLES[name] ?? []) {
    if (!used.includes(variable)) problems.push(`must use {{${variable}}}`);
  }
  if (name === 'page.css')
    return [
      ...problems,
      ...cssProblems(text),
      ...(/<\//.test(text) ? ['"</" is not allowed in a stylesheet'] : []),
    ];
  if (!name.endsWith('.html')) return problems;
  problems.push(...htmlProblems(text, { allowAction: name === 'confirm.html' }));
  if (PAGE_TEMPLATES.has(name)) {
    if (/\sstyle\s*=/i.test(text))
      problems.push('style attributes are not allowed in pages: put styles in page.css');
    const styles = text.match(/<style[^>]*>[\s\S]*?<\/style>/gi) ?? [];
    if (styles.some((style) => !/^<style>\{\{\s*style\s*\}\}<\/style>$/i.test(style))) {
      problems.push('a page may have only <style>{{style}}</style>: put styles in page.css');
    }
  }
  return problems;
}

/**
 * The presentation as Presentation.load makes it, once TEMPLATES_DIR has been checked: throws
 * TemplatesError listing every problem.
 */
export function checkedPresentation(
  options: PresentationOptions,
  defaultsDir: string = DEFAULTS_DIR,
): Presentation {
  const problems: string[] = [];
  if (options.templatesDir) {
    checkOverrides(
      options.templatesDir,
      defaultsDir,
      new Set(catalogLocales(join(defaultsDir, 'locales'))),
      problems,
    );
  }
  if (problems.length > 0) throw new TemplatesError(problems);
  return Presentation.load(options, defaultsDir);
}
