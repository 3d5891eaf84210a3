import { describe, expect, it } from 'vitest';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import { MatrixError } from '../../functions/core/errors.js';
import {
  assertClientSecret,
  assertSid,
  assertToken,
  base64url,
  newEmailToken,
  newGeneration,
  newSmsCode,
  normaliseToken,
  sessionKey,
} from '../../functions/core/secrets.js';
import { SeededRandom } from '../helpers/random.js';
import { TEST_HMAC_SECRET } from '../helpers/service.js';

const invalid = (action: () => void) => {
  try {
    action();
  } catch (error) {
    return error instanceof MatrixError && error.errcode === 'M_INVALID_PARAM';
  }
  return false;
};

describe('client_secret format', () => {
  it.each(['a', 'monkeys_are_GREAT', 'A.b=c_d-e', 'x'.repeat(255)])('accepts %s', (secret) => {
    expect(() => assertClientSecret(secret)).not.toThrow();
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'x'.repeat(256)],
    ['a space and symbols (passes Synapse’s unanchored check)', 'a b!<>'],
    ['a trailing newline (passes Python’s $)', 'abc\n'],
    ['a colon', 'abc:def'],
    ['non-ASCII letters', 'sécret'],
  ])('refuses %s with M_INVALID_PARAM', (_, secret) => {
    expect(invalid(() => assertClientSecret(secret))).toBe(true);
  });
});

describe('sid and token formats', () => {
  it('refuses sids outside the opaque identifier grammar', () => {
    expect(invalid(() => assertSid('abc def'))).toBe(true);
    expect(invalid(() => assertSid(''))).toBe(true);
    expect(() => assertSid('abc.DEF_-=')).not.toThrow();
  });

  it('allows tokens of 1 to 255 code points', () => {
    expect(invalid(() => assertToken(''))).toBe(true);
    expect(invalid(() => assertToken('é'.repeat(256)))).toBe(true);
    expect(() => assertToken('😀'.repeat(255))).not.toThrow();
  });
});

describe('token generation', () => {
  it('encodes base64url exactly like Node', () => {
    const random = new SeededRandom(7);
    for (let length = 0; length < 40; length++) {
      const bytes = random.bytes(length);
      expect(base64url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    }
  });

  it('makes email tokens of 192 random bits, URL-safe', () => {
    const token = newEmailToken(new SeededRandom());
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('makes six-digit SMS codes, keeping leading zeros', () => {
    const zeros = { bytes: () => new Uint8Array(), integer: () => 42 };
    expect(newSmsCode(zeros)).toBe('000042');
    expect(newSmsCode(new SeededRandom())).toMatch(/^\d{6}$/);
  });

  it('makes generations that fit the sid grammar', () => {
    expect(newGeneration(new SeededRandom())).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });
});

describe('sessionKey', () => {
  const hasher = new HmacSecretHasher(TEST_HMAC_SECRET);
  const email = { medium: 'email', address: 'alice@example.org' } as const;

  it('is stable for the same request', () => {
    expect(sessionKey(hasher, 'registration', email, 'secret')).toBe(
      sessionKey(hasher, 'registration', email, 'secret'),
    );
  });

  it('differs by purpose, address and client_secret', () => {
    const base = sessionKey(hasher, 'registration', email, 'secret');
    expect(sessionKey(hasher, 'password_reset', email, 'secret')).not.toBe(base);
    expect(sessionKey(hasher, 'registration', { ...email, address: 'bob@example.org' }, 'secret')).not.toBe(
      base,
    );
    expect(sessionKey(hasher, 'registration', email, 'other')).not.toBe(base);
  });

  it('depends on the server key, so nobody else can compute it', () => {
    const other = new HmacSecretHasher('another-secret-that-is-at-least-32-characters');
    expect(sessionKey(other, 'registration', email, 'secret')).not.toBe(
      sessionKey(hasher, 'registration', email, 'secret'),
    );
  });
});

describe('normaliseToken', () => {
  it('ignores spaces and dashes people type into SMS codes', () => {
    expect(normaliseToken('msisdn', ' 123 456 ')).toBe('123456');
    expect(normaliseToken('msisdn', '123-456')).toBe('123456');
  });

  it('only trims email tokens, which contain dashes', () => {
    expect(normaliseToken('email', ' ab-c_d \n')).toBe('ab-c_d');
  });
});
