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
const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;

/**
 * The canonical form from the spec's 3PID appendix: surrounding whitespace trimmed, the local part
 * case-folded, the domain lower-cased. Anything that is not plainly `local@domain` is refused
 * rather than guessed at (no display names, no `mailto:`, no quoted local parts).
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
    !/^[.-]|[.-]$|\.\./.test(domain);
  if (!valid) throw MatrixError.invalidParam('The email address is not valid.');
  return `${casefold(local)}@${domain.toLowerCase()}`;
}
