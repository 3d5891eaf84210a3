import { describe, expect, it } from 'vitest';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import { TEST_HMAC_SECRET } from '../helpers/service.js';

describe('HmacSecretHasher', () => {
  const hasher = new HmacSecretHasher(TEST_HMAC_SECRET);

  it('is HMAC-SHA256 of the purpose and value, base64url', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', TEST_HMAC_SECRET).update('token\0abc').digest('base64url');
    expect(hasher.digest('token', 'abc')).toBe(expected);
  });

  it('keeps purposes apart: the same value digests differently per purpose', () => {
    expect(hasher.digest('token', 'abc')).not.toBe(hasher.digest('client-secret', 'abc'));
  });

  it('matches only the right value, the right purpose and a well-formed digest', () => {
    const digest = hasher.digest('token', 'abc');
    expect(hasher.matches('token', 'abc', digest)).toBe(true);
    expect(hasher.matches('token', 'abd', digest)).toBe(false);
    expect(hasher.matches('client-secret', 'abc', digest)).toBe(false);
    expect(hasher.matches('token', 'abc', digest.slice(1))).toBe(false);
    expect(hasher.matches('token', 'abc', '')).toBe(false);
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(() => new HmacSecretHasher('short')).toThrow(/at least 32/);
  });
});
