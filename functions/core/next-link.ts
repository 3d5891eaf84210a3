import { MatrixError } from './errors.js';

const MAX_NEXT_LINK_LENGTH = 2048;

/**
 * Whether `link` is a redirect target we are willing to send a user to: an absolute http(s) URL
 * without embedded credentials, on an allowed host when an allow-list is configured. Host names
 * are compared case-insensitively and exactly (no implicit subdomains).
 */
export function isAllowedNextLink(link: string, allowedHosts: readonly string[]): boolean {
  if (link.length > MAX_NEXT_LINK_LENGTH || !URL.canParse(link)) return false;
  const url = new URL(link);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username !== '' || url.password !== '') return false;
  return allowedHosts.length === 0 || allowedHosts.includes(url.hostname.toLowerCase());
}

/** Validates a next_link from a request and returns it normalised, or throws M_INVALID_PARAM. */
export function checkNextLink(link: string, allowedHosts: readonly string[]): string {
  if (!isAllowedNextLink(link, allowedHosts)) {
    throw MatrixError.invalidParam(
      allowedHosts.length === 0
        ? 'next_link must be an absolute http(s) URL.'
        : 'next_link must be an absolute http(s) URL on an allowed host.',
    );
  }
  return new URL(link).href;
}

/**
 * Adds `sid` to the query of `link`, before any fragment, leaving the existing query exactly as
 * it was (re-serialising it could change how the target server reads it).
 */
export function appendSid(link: string, sid: string): string {
  const url = new URL(link);
  const param = `sid=${encodeURIComponent(sid)}`;
  url.search = url.search.length > 1 ? `${url.search}&${param}` : `?${param}`;
  return url.href;
}
