/**
 * What `npm start -- --help` prints and what `.env.example` holds, both from the settings table
 * (functions/settings.ts), so neither can drift from what `npm start` reads.
 */
import {
  type Parser,
  presenceOf,
  SETTING_DOCS,
  SETTING_NAMES,
  SETTING_UNSET,
  SETTINGS,
  type Setting,
  type SettingName,
} from '../settings.js';

interface LocalSetting {
  readonly name: SettingName;
  readonly env: string;
  /** The default as the variable would be written, or undefined when it has none. */
  readonly value: string | undefined;
  /** What leaving it out means, in words. */
  readonly unset: string;
  readonly expects: string;
  readonly doc: string;
}

/** Every setting `npm start` reads, in the table's order. */
export function localSettings(): LocalSetting[] {
  return SETTING_NAMES.flatMap((name) => {
    const setting: Setting = SETTINGS[name];
    const presence = presenceOf(name, 'local');
    if (setting.env === undefined || presence === undefined) return [];
    const value =
      'default' in presence ? (setting.type as Parser<unknown>).format(presence.default) : undefined;
    const unset =
      value === undefined ? (SETTING_UNSET[name]?.local ?? 'unset') : value === '' ? 'empty' : value;
    return [{ name, env: setting.env, value, unset, expects: setting.type.expects, doc: SETTING_DOCS[name] }];
  });
}

/** `npm start -- --help`. */
export function helpText(version: string): string {
  const settings = localSettings();
  const width = Math.max(...settings.map((setting) => setting.env.length));
  return [
    `matrix-3pid-serverless ${version}: Matrix 3PID validation on this machine.`,
    '',
    'Usage: npm start [-- --help | --version]',
    '',
    'Settings are environment variables (or lines of a .env file in this directory; the',
    'environment wins). Each, with its default:',
    '',
    ...settings.flatMap((setting) => [
      `  ${setting.env.padEnd(width)}  ${setting.unset}`,
      `  ${' '.repeat(width)}  ${setting.doc}`,
      `  ${' '.repeat(width)}  Value: ${setting.expects}.`,
    ]),
    '',
    'Local paths: /health (is it up), /_local/outbox (messages sent), /_local/back (where a',
    "walk-through's next_link lands).",
    '',
  ].join('\n');
}

/** `.env.example`: every setting of `npm start`, commented out at its default. */
export function envExample(): string {
  const lines = localSettings().flatMap((setting) => [
    `# ${setting.doc}`,
    `# Value: ${setting.expects}. Default: ${setting.unset}.`,
    `# ${setting.env}=${setting.value ?? ''}`,
    '',
  ]);
  return [
    '# Every setting of `npm start`, generated from functions/settings.ts by `npm run docs`.',
    '# Copy this file to .env (git ignores it) and uncomment what you change; variables set in',
    '# the environment win over the file. On AWS the construct sets these from its props.',
    '',
    ...lines,
  ].join('\n');
}
