/**
 * The smallest template language that does the job: `{{name}}` in a template file, `{name}` in a
 * catalog message, nothing else: no logic, no includes, no script. In HTML every value is escaped
 * unless it is SafeHtml made by our own code (html.ts). What operators' files are held to is in
 * checks.ts.
 */
import { escapeHtml, SafeHtml } from './html.js';

export const VARIABLE = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;
export const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

export type Value = string | SafeHtml;

/** A template with its variables filled in: escaped for HTML unless SafeHtml, as is for text. */
export function fill(template: string, values: Readonly<Record<string, Value>>, asHtml: boolean): string {
  return template.replace(VARIABLE, (_, name: string) => {
    const value = values[name] ?? '';
    if (!asHtml) return String(value);
    return value instanceof SafeHtml ? value.value : escapeHtml(value);
  });
}

/** A catalog message with its placeholders filled in, as text. */
export function format(message: string, params: Readonly<Record<string, string>>): string {
  return message.replace(PLACEHOLDER, (whole, name: string) => params[name] ?? whole);
}

/** The same, as HTML: the message's own text is escaped, SafeHtml parameters are kept. */
export function formatHtml(message: string, params: Readonly<Record<string, Value>>): SafeHtml {
  let out = '';
  let last = 0;
  for (const match of message.matchAll(PLACEHOLDER)) {
    const value = params[match[1] ?? ''];
    out += escapeHtml(message.slice(last, match.index));
    out +=
      value === undefined
        ? escapeHtml(match[0])
        : value instanceof SafeHtml
          ? value.value
          : escapeHtml(value);
    last = match.index + match[0].length;
  }
  return new SafeHtml(out + escapeHtml(message.slice(last)));
}
