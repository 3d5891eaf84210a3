import { CASEFOLD_EXCEPTIONS } from './casefold-data.js';
import { MatrixError } from './errors.js';

// Built on first use, so a function that never folds an address does not carry the table.
let folds: Map<number, string> | undefined;
const foldsOf = () =>
  (folds ??= new Map(
    CASEFOLD_EXCEPTIONS.map(([codePoint, folded]) => [codePoint, String.fromCodePoint(...folded)]),
  ));

/**
 * Unicode full case folding, matching Python's str.casefold() (what Synapse uses), so an address
 * canonicalised here equals the one Synapse stored. Folding is per code point: toLowerCase() on
 * a whole string would apply the context-sensitive final-sigma rule, which folding does not.
 */
export function casefold(text: string): string {
  const table = foldsOf();
  let folded = '';
  for (const char of text) {
    folded += table.get(char.codePointAt(0) ?? 0) ?? char.toLowerCase();
  }
  return folded;
}

// Characters that cannot appear unquoted in an address, plus whitespace and controls.
const FORBIDDEN_IN_ADDRESS = /[\s\p{Cc}<>()[\]\\,;:"@]/u;
// Invisible format characters (zero-width joiners and spaces, bidi controls, soft hyphens): they
// make two addresses that look the same, so they are refused anywhere in an address.
const FORMAT_CONTROL = /\p{Cf}/u;
const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 253;
// A letter-digit-hyphen label, as DNS host names have: no hyphen at either end.
const LDH_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The ASCII form of `domain` (punycode for an internationalised one), or undefined when it is not
 * a host name that mail could be delivered to. The WHATWG URL parser does the IDNA (UTS #46)
 * conversion and refuses forbidden code points; ASCII that a URL would read as something else
 * (`/`, `%`, `#`, `?`) is refused before it gets there. The result must be LDH labels of 1 to 63
 * characters, at most 253 in all, and must not end in a numeric label (an IPv4 address).
 */
export function asciiDomain(domain: string): string | undefined {
  // ASCII other than letters, digits, hyphens and dots is never part of a host name.
  if (/[^A-Za-z0-9.\u0080-\uffff-]/.test(domain)) return undefined;
  let ascii: string;
  try {
    ascii = new URL(`http://${domain}`).hostname;
  } catch {
    return undefined;
  }
  const labels = ascii.split('.');
  const valid =
    ascii.length <= MAX_DOMAIN_LENGTH &&
    labels.every((label) => LDH_LABEL.test(label)) &&
    !/^\d+$/.test(labels.at(-1) ?? '');
  return valid ? ascii : undefined;
}

/**
 * The canonical form from the spec's 3PID appendix: surrounding whitespace trimmed, the local part
 * case-folded, the domain lower-cased. Anything that is not plainly `local@domain` is refused
 * rather than guessed at (no display names, no `mailto:`, no quoted local parts, no invisible
 * format characters, no domain that is not a host name). An internationalised domain keeps its
 * Unicode form, as Synapse stores it; the email adapter sends it as punycode.
 */
export function canonicalEmail(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  const valid =
    at > 0 &&
    trimmed.length <= MAX_EMAIL_LENGTH &&
    local.length <= MAX_LOCAL_PART_LENGTH &&
    domain.length > 0 &&
    !FORBIDDEN_IN_ADDRESS.test(local) &&
    !FORBIDDEN_IN_ADDRESS.test(domain) &&
    !/^\.|\.$|\.\./.test(local) &&
    !/^[.-]|[.-]$|\.\./.test(domain) &&
    !FORMAT_CONTROL.test(raw) &&
    asciiDomain(domain) !== undefined;
  if (!valid) throw MatrixError.invalidParam('The email address is not valid.');
  return `${casefold(local)}@${domain.toLowerCase()}`;
}
