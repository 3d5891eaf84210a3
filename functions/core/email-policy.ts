/**
 * Which email domains the operator lets users validate: an allow-list and a deny-list of domain
 * globs, checked on the canonical address before anything is written or sent.
 */
import { asciiDomain } from './email-address.js';
import { MatrixError } from './errors.js';

export interface EmailPolicy {
  /**
   * Globs of the domains that may be validated; empty allows every domain. `*` matches any run of
   * characters, dots included, so `*.example.org` matches `mail.example.org` and `a.b.example.org`
   * but not `example.org` itself.
   */
  readonly allow: readonly string[];
  /** Globs of the domains that may not be validated; they win over `allow`. */
  readonly deny: readonly string[];
}

/**
 * Refuses, with 403 M_THREEPID_DENIED, an address whose domain matches a deny glob, or matches no
 * allow glob when there are some. `address` is canonical (canonicalEmail). A domain is compared in
 * its Unicode form and in its ASCII (punycode) form, and so is each glob, so `*.bücher.example`
 * and `*.xn--bcher-kva.example` refuse the same addresses however they were typed.
 */
export function checkEmailDomain(address: string, policy: EmailPolicy): void {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  const forms = [domain, asciiDomain(domain) ?? domain];
  const { allow, deny } = compiled(policy);
  const matches = (patterns: readonly RegExp[]) =>
    patterns.some((pattern) => forms.some((form) => pattern.test(form)));
  if (matches(deny) || (allow.length > 0 && !matches(allow))) {
    throw MatrixError.threepidDenied('This email address cannot be used here.');
  }
}

/**
 * `glob` as an anchored, case-insensitive RegExp: `*` is any run of characters (dots included, or
 * none), and every other character stands for itself.
 */
export function globToRegExp(glob: string): RegExp {
  const literal = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  return new RegExp(`^${glob.split('*').map(literal).join('.*')}$`, 'iu');
}

interface CompiledPolicy {
  readonly allow: readonly RegExp[];
  readonly deny: readonly RegExp[];
}

// A policy is built once from configuration; its patterns are compiled on first use.
const cache = new WeakMap<EmailPolicy, CompiledPolicy>();

function compiled(policy: EmailPolicy): CompiledPolicy {
  let patterns = cache.get(policy);
  if (patterns === undefined) {
    const compile = (globs: readonly string[]) =>
      globs.flatMap((glob) => [...new Set([glob, asciiGlob(glob)])].map(globToRegExp));
    patterns = { allow: compile(policy.allow), deny: compile(policy.deny) };
    cache.set(policy, patterns);
  }
  return patterns;
}

/**
 * `glob` with each internationalised label in punycode. A label holding a `*` stays as written:
 * punycode of a partial label would match nothing sensible.
 */
function asciiGlob(glob: string): string {
  return glob
    .toLowerCase()
    .split('.')
    .map((label) => (/^[a-z0-9-]*$|\*/.test(label) ? label : (asciiDomain(label) ?? label)))
    .join('.');
}
