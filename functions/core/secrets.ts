import { MatrixError } from './errors.js';
import type { Medium, Purpose, Threepid } from './model.js';
import type { Random, SecretHasher } from './ports.js';

/** The spec's grammar for client_secret, anchored at both ends (Synapse's pydantic check is not). */
const CLIENT_SECRET = /^[0-9a-zA-Z.=_-]{1,255}$/;
/** The spec's grammar for sids. */
const OPAQUE_ID = /^[0-9a-zA-Z.=_-]{1,255}$/;
const MAX_TOKEN_LENGTH = 255;

export function assertClientSecret(clientSecret: string): void {
  if (!CLIENT_SECRET.test(clientSecret)) {
    throw MatrixError.invalidParam('client_secret must be 1-255 characters of [0-9a-zA-Z.=_-].');
  }
}

export function assertSid(sid: string): void {
  if (!OPAQUE_ID.test(sid))
    throw MatrixError.invalidParam('sid must be 1-255 characters of [0-9a-zA-Z.=_-].');
}

export function assertToken(token: string): void {
  if (token.length === 0 || [...token].length > MAX_TOKEN_LENGTH) {
    throw MatrixError.invalidParam('token must be 1-255 characters.');
  }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url; written out so core needs no Buffer. */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += BASE64URL[(chunk >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** 192 random bits, URL-safe: the token in an emailed link. */
export function newEmailToken(random: Random): string {
  return base64url(random.bytes(24));
}

/** Six random digits: short enough to type from a text message. */
export function newSmsCode(random: Random): string {
  return String(random.integer(1_000_000)).padStart(6, '0');
}

/** 72 random bits naming one generation of a session record. */
export function newGeneration(random: Random): string {
  return base64url(random.bytes(9));
}

/**
 * The record key for a request. Keyed on everything the spec scopes send_attempt to, plus the
 * purpose, so a repeated request finds its session and different flows never share one.
 */
export function sessionKey(
  hasher: SecretHasher,
  purpose: Purpose,
  threepid: Threepid,
  clientSecret: string,
): string {
  return hasher
    .digest('session-key', [purpose, threepid.medium, threepid.address, clientSecret].join('\n'))
    .slice(0, 24);
}

/**
 * Whether two digests are the same, in time that depends only on their lengths. Digests are
 * keyed, so this is belt and braces; it keeps every token comparison constant-time.
 */
export function sameDigest(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return difference === 0;
}

/**
 * What users type is not always what was sent: SMS codes are compared without spaces or dashes,
 * links without surrounding whitespace.
 */
export function normaliseToken(medium: Medium, token: string): string {
  return medium === 'msisdn' ? token.replace(/[\s-]/g, '') : token.trim();
}
