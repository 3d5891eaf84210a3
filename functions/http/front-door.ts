/**
 * The CloudFront front door's proof that a request came through it. CloudFront adds the origin
 * secret to every request it sends to the API, as `X-Origin-Verify`; with CLIENT_IP_SOURCE set to
 * `cloudfront`, every handler refuses a request that does not carry it (403 M_FORBIDDEN) before
 * anything else, so the API's own endpoint serves nothing to a caller who went around CloudFront
 * and its web ACL, and the viewer address CloudFront sets can be believed (http/client-ip.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { headerOf, ORIGIN_VERIFY_HEADER } from './client-ip.js';
import { forbidden } from './http-errors.js';
import type { HttpEvent } from './middleware.js';

/**
 * The values CloudFront may be sending as the origin secret: the current one and, while a new one
 * spreads to every edge location, the previous one.
 */
export interface OriginSecrets {
  /** Whether `given` is one of them, compared in constant time. */
  matches(given: string): boolean;
  /**
   * Reads them again where they can change (Secrets Manager, after a rotation), so a request
   * carrying a value newer than this container knows is not refused for that.
   */
  refresh?(): Promise<void>;
}

/** Values that never change: CLOUDFRONT_ORIGIN_SECRET, as given. */
export function fixedOriginSecrets(...values: readonly string[]): OriginSecrets {
  return { matches: (given) => matchesAny(given, values) };
}

/** Compares with every value, in time that says nothing about which matched, or how closely. */
export function matchesAny(given: string, values: readonly string[]): boolean {
  return values.reduce((found, value) => sameSecret(given, value) || found, false);
}

/** Throws 403 M_FORBIDDEN unless the request carries one of the origin secrets. */
export async function admitThroughFrontDoor(event: HttpEvent, secrets: OriginSecrets): Promise<void> {
  const given = headerOf(event, ORIGIN_VERIFY_HEADER);
  if (given === undefined) throw forbidden();
  if (secrets.matches(given)) return;
  await secrets.refresh?.();
  if (!secrets.matches(given)) throw forbidden();
}

/** Compares in constant time, whatever the lengths: a mismatch says nothing about the secret. */
function sameSecret(given: string, secret: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}
