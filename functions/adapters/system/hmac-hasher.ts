import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DigestPurpose, SecretHasher } from '../../core/ports.js';

/**
 * HMAC-SHA256 under a server secret. Tokens and client secrets are stored only as these digests,
 * so a leaked table reveals neither, and without the key a digest cannot be checked offline.
 */
export class HmacSecretHasher implements SecretHasher {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('The token HMAC secret must be at least 32 characters.');
    this.key = Buffer.from(secret, 'utf8');
  }

  digest(purpose: DigestPurpose, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\0${value}`, 'utf8').digest('base64url');
  }

  matches(purpose: DigestPurpose, value: string, digest: string): boolean {
    const expected = Buffer.from(digest, 'utf8');
    const actual = Buffer.from(this.digest(purpose, value), 'utf8');
    // timingSafeEqual needs equal lengths; compare against itself so a length mismatch costs the same.
    return expected.length === actual.length
      ? timingSafeEqual(actual, expected)
      : !timingSafeEqual(actual, actual);
  }
}
