/**
 * The README's configuration tables, generated from the settings table (functions/settings.ts).
 * Each sits between `<!-- settings:<id>:start … -->` and `<!-- settings:<id>:end -->` markers.
 * `npm run docs` also rewrites the README's nginx recipe (scripts/routes.ts), between its own.
 *
 * `.env.example` is generated from the same table (functions/local/help.ts).
 *
 *   npm run docs                                 rewrites them in README.md, and .env.example
 *   node --import tsx scripts/settings-doc.ts    exits 1 when either is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RATE_LIMITS } from '../functions/core/rate-limits.js';
import { envExample } from '../functions/local/help.js';
import {
  type Parser,
  presenceOf,
  SETTING_DOCS,
  SETTING_NAMES,
  SETTING_UNSET,
  SETTINGS,
  type Setting,
  type SettingName,
  type Where,
} from '../functions/settings.js';
import { TEMPLATE_NAMES, TEMPLATE_VARIABLES } from '../functions/templates/checks.js';
import type { TemplateName } from '../functions/templates/presentation.js';
import { withReadmeRecipe } from './routes.js';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));
export const ENV_EXAMPLE = fileURLToPath(new URL('../.env.example', import.meta.url));

/** The generated tables, by marker id. */
export function settingsTables(): Record<string, string> {
  const rows = (has: (setting: Setting) => string | undefined) =>
    SETTING_NAMES.flatMap((name) => {
      const label = has(SETTINGS[name]);
      return label === undefined ? [] : [{ name, label }];
    });
  const limits = DEFAULT_RATE_LIMITS;
  const limitRow = (key: string, charged: string, limit: { hour: number; day: number }, what: string) => [
    code(key),
    charged,
    String(limit.hour),
    String(limit.day),
    what,
  ];
  return {
    limits: table(
      ['Limit', 'Charged', 'Per clock hour', 'Per UTC day', 'What it stops'],
      [
        limitRow(
          'ip',
          'every request past the policy checks, per medium',
          limits.ip,
          'one client asking for many addresses (IPv4 address, or IPv6 /64)',
        ),
        limitRow(
          'ip48',
          'the same, per IPv6 /48',
          limits.ip48,
          'a client spreading over the 65,536 /64s of one /48',
        ),
        limitRow('address', 'each message about to go out', limits.address, 'bombing one inbox or phone'),
        limitRow(
          'smsBlock',
          'each SMS, per block of 10,000 numbers',
          limits.smsBlock,
          'pumping through ranges of adjacent numbers',
        ),
        limitRow(
          'smsCountry',
          'each SMS, per country of the number',
          limits.smsCountry,
          'pumping to one destination',
        ),
        limitRow(
          'smsGlobal',
          'each SMS',
          limits.smsGlobal,
          `the worst day: ${limits.smsGlobal.day} × your SMS price`,
        ),
        limitRow('emailGlobal', 'each email', limits.emailGlobal, 'your SES reputation and quota'),
      ],
    ),
    env: table(
      ['Variable', 'Local default', 'On Lambda', 'Value', 'Meaning'],
      rows((setting) => setting.env).map(({ name, label }) => [
        code(label),
        presenceCell(name, 'local'),
        presenceCell(name, 'lambda'),
        markdownText(SETTINGS[name].type.expects),
        SETTING_DOCS[name],
      ]),
    ),
    context: table(
      ['Context value', 'Default', 'Value', 'Meaning'],
      rows((setting) => setting.context).map(({ name, label }) => [
        code(label),
        presenceCell(name, 'deploy'),
        markdownText(SETTINGS[name].type.expects),
        SETTING_DOCS[name],
      ]),
    ),
    templates: table(
      ['File', 'What it is', 'Variables'],
      TEMPLATE_NAMES.map((name) => [
        code(name),
        TEMPLATE_DOCS[name],
        TEMPLATE_VARIABLES[name].length === 0
          ? 'none'
          : TEMPLATE_VARIABLES[name].map((variable) => code(`{{${variable}}}`)).join(' '),
      ]),
    ),
  };
}

/** What each template file is, for the README's table of what TEMPLATES_DIR may replace. */
const TEMPLATE_DOCS: Record<TemplateName, string> = {
  'email.html': 'The validation email, HTML part',
  'email.txt': 'The validation email, text part',
  'notice-email.html': 'The notice a decoy session sends instead of a token (uniform answers), HTML part',
  'notice-email.txt': 'The same notice, text part',
  'page.html': 'The frame of every page: `{{content}}` is the page itself',
  'page.css': "The pages' only stylesheet (inlined, allowed by its hash)",
  'confirm.html': 'The page the emailed link opens, with the button that validates',
  'confirmed.html': 'The page after the button, or for a link already used',
  'error.html': 'Every error page (the words come from `error.<kind>.title` and `.text`)',
  'back.html': 'Local only: the stand-in for the app `next_link` returns to',
};

/** `readme` with every marked table replaced by its generated text. */
export function withSettingsTables(readme: string): string {
  let result = readme;
  for (const [id, text] of Object.entries(settingsTables())) {
    const pattern = new RegExp(
      `(<!-- settings:${id}:start[^>]*-->\\n)[\\s\\S]*?(<!-- settings:${id}:end -->)`,
    );
    if (!pattern.test(result)) throw new Error(`README.md has no <!-- settings:${id}:start/end --> markers`);
    // Blank lines around the table, so no Markdown renderer takes the markers as part of it.
    result = result.replace(pattern, (_, start: string, end: string) => `${start}\n${text}\n\n${end}`);
  }
  return result;
}

/** What the README says for a setting where it may be left out. */
function presenceCell(name: SettingName, where: Where): string {
  const presence = presenceOf(name, where);
  if (presence === undefined) return '–';
  if ('required' in presence) return 'required';
  if ('optional' in presence) {
    const meaning = SETTING_UNSET[name]?.[where];
    if (meaning === undefined)
      throw new Error(`SETTING_UNSET has no meaning for ${name} left out (${where})`);
    return meaning;
  }
  const text = (SETTINGS[name].type as Parser<unknown>).format(presence.default);
  return text === '' ? 'empty' : code(text);
}

const code = (text: string) => `\`${text}\``;
/** Markdown would take `<address>` for an HTML tag, and `|` for a cell boundary. */
const markdownText = (text: string) => text.replace(/[<>|]/g, (character) => `\\${character}`);

/** A Markdown table with its columns aligned, as a formatter would leave it. */
function table(header: string[], rows: string[][]): string {
  const width = (text: string) => [...text].length;
  const widths = header.map((title, column) =>
    Math.max(width(title), ...rows.map((row) => width(row[column] ?? ''))),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - width(cell))).join(' | ')} |`;
  return [line(header), line(widths.map((size) => '-'.repeat(size))), ...rows.map(line)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, 'utf8');
  const generated = withReadmeRecipe(withSettingsTables(readme));
  const example = envExample();
  const exampleNow = readFileSync(ENV_EXAMPLE, { encoding: 'utf8', flag: 'a+' });
  if (process.argv.includes('--write')) {
    if (generated !== readme) writeFileSync(README, generated);
    if (example !== exampleNow) writeFileSync(ENV_EXAMPLE, example);
    console.log(
      generated === readme ? 'README.md is up to date.' : 'README.md: generated tables and recipe rewritten.',
    );
    console.log(example === exampleNow ? '.env.example is up to date.' : '.env.example rewritten.');
  } else if (generated !== readme || example !== exampleNow) {
    console.error(
      'README.md or .env.example differs from functions/settings.ts or the route table; run `npm run docs`.',
    );
    process.exit(1);
  }
}
