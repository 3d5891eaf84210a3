import { describe, expect, it } from 'vitest';
import {
  type Charge,
  chargeAll,
  chargeInOrder,
  DEFAULT_RATE_LIMITS,
  parseRateLimitOverrides,
  resolveRateLimits,
  retryAfterMs,
  sendCharges,
} from '../../functions/core/rate-limits.js';
import { HOUR, MINUTE } from '../helpers/clock.js';
import { MemoryRateLimiter } from '../helpers/memory-rate-limiter.js';

const NOON = Date.UTC(2026, 2, 2, 12, 0, 0);
const charge = (key: string, hour: number, day: number, scope: Charge['scope'] = 'address'): Charge => ({
  scope,
  key,
  counters: [{ name: 'sends', amount: 1, limit: { hour, day } }],
});

describe('rate limits (T1)', () => {
  it('refuses past the hourly limit, with the wait to the next clock hour', async () => {
    const limiter = new MemoryRateLimiter();
    const at = NOON + 20 * MINUTE;
    for (let i = 0; i < 3; i++)
      await expect(chargeAll(limiter, [charge('a', 3, 10)], at)).resolves.toBeUndefined();
    await expect(chargeAll(limiter, [charge('a', 3, 10)], at)).resolves.toEqual({
      scope: 'address',
      retryAfterMs: 40 * MINUTE,
    });
  });

  it('refuses past the daily limit, with the wait to the next UTC midnight', async () => {
    const limiter = new MemoryRateLimiter();
    for (let hour = 0; hour < 10; hour++)
      await chargeAll(limiter, [charge('b', 3, 10)], NOON - 10 * HOUR + hour * HOUR);
    await expect(chargeAll(limiter, [charge('b', 3, 10)], NOON)).resolves.toEqual({
      scope: 'address',
      retryAfterMs: 12 * HOUR,
    });
  });

  it('lets twice the hourly limit through across an hour boundary, but never past the day', async () => {
    const limiter = new MemoryRateLimiter();
    const outcomes = [];
    for (let i = 0; i < 8; i++) {
      outcomes.push(await chargeAll(limiter, [charge('c', 3, 5)], NOON - MINUTE + (i < 4 ? 0 : 2 * MINUTE)));
    }
    expect(outcomes.map((refusal) => refusal === undefined)).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      false,
      false,
    ]);
  });

  it('adds nothing for a refusal: hammering a full key does not push the wait further', async () => {
    const limiter = new MemoryRateLimiter();
    await chargeAll(limiter, [charge('d', 1, 10)], NOON);
    for (let i = 0; i < 20; i++) await chargeAll(limiter, [charge('d', 1, 10)], NOON);
    expect(limiter.totalsOf('d', NOON)).toEqual({ sends: { day: 1, hour: 1 } });
    await expect(chargeAll(limiter, [charge('d', 1, 10)], NOON + HOUR)).resolves.toBeUndefined();
  });

  it('charges send-level keys narrowest first, and a refusal leaves the wider ones untouched', async () => {
    const limiter = new MemoryRateLimiter();
    const limits = resolveRateLimits({ smsBlock: { hour: 0 } });
    const charges = sendCharges(
      { medium: 'msisdn', addressKey: 'addr', blockKey: 'block', region: 'GB', reservedGuesses: 5 },
      limits,
    );
    expect(charges.map((c) => c.scope)).toEqual(['address', 'block', 'country', 'global']);
    await expect(chargeInOrder(limiter, charges, NOON)).resolves.toMatchObject({ scope: 'block' });
    expect(limiter.totalsOf('country|GB', NOON)).toEqual({});
    expect(limiter.totalsOf('global|msisdn', NOON)).toEqual({});
    expect(limiter.totalsOf('addr', NOON)).toEqual({
      sends: { day: 1, hour: 1 },
      guesses: { day: 5, hour: 5 },
    });
  });

  it('reports the longest wait when several request-level keys refuse at once', async () => {
    const limiter = new MemoryRateLimiter();
    const at = NOON + 30 * MINUTE;
    await chargeAll(limiter, [charge('ip', 1, 1, 'ip'), charge('ip48', 1, 5, 'ip48')], at);
    await expect(
      chargeAll(limiter, [charge('ip', 1, 1, 'ip'), charge('ip48', 1, 5, 'ip48')], at),
    ).resolves.toEqual({
      scope: 'ip',
      retryAfterMs: 11 * HOUR + 30 * MINUTE,
    });
  });

  it('refuses a charge no limit could ever allow without writing, and waits at least a second', async () => {
    const limiter = new MemoryRateLimiter();
    await expect(chargeAll(limiter, [charge('e', 0, 10)], NOON)).resolves.toMatchObject({
      retryAfterMs: HOUR,
    });
    expect(limiter.writes).toBe(0);
    expect(retryAfterMs(undefined, charge('f', 0, 0), Date.UTC(2026, 2, 2, 23, 59, 59, 999))).toBe(1000);
  });

  it('uses per-country SMS limits where the operator set them', () => {
    const limits = resolveRateLimits({ smsCountries: { US: { day: 300 } } });
    const [, , us] = sendCharges(
      { medium: 'msisdn', addressKey: 'a', blockKey: 'b', region: 'US', reservedGuesses: 0 },
      limits,
    );
    const [, , gb] = sendCharges(
      { medium: 'msisdn', addressKey: 'a', blockKey: 'b', region: 'GB', reservedGuesses: 0 },
      limits,
    );
    expect(us?.counters[0]?.limit).toEqual({ hour: 20, day: 300 });
    expect(gb?.counters[0]?.limit).toEqual(DEFAULT_RATE_LIMITS.smsCountry);
  });
});

describe('RATE_LIMITS overrides', () => {
  it('merges any limit, per-country limits, the guess budget and the resend spacing over the defaults', () => {
    const parsed = parseRateLimitOverrides(
      '{"ip":{"hour":20},"smsCountries":{"US":{"hour":50,"day":300}},"guessesPerAddressHour":30,"resendSpacingSeconds":[30,120]}',
    );
    expect('value' in parsed && resolveRateLimits(parsed.value)).toMatchObject({
      ip: { hour: 20, day: 50 },
      smsCountries: { US: { hour: 50, day: 300 } },
      guessesPerAddressHour: 30,
      resendSpacingMs: [30_000, 120_000],
      smsGlobal: DEFAULT_RATE_LIMITS.smsGlobal,
    });
  });

  it.each([
    ['not JSON', '{ip:1}', 'must be `off` or a JSON object of overrides'],
    ['an unknown limit', '{"everything":{"hour":1}}', '"everything" is not a limit'],
    ['a bad count', '{"address":{"hour":-1}}', 'address.hour must be a whole number from 0 to 1000000'],
    [
      'a bad country',
      '{"smsCountries":{"uk":{"day":1}}}',
      'smsCountries.uk is not an ISO 3166-1 alpha-2 code',
    ],
    ['a bad spacing', '{"resendSpacingSeconds":[60]}', 'resendSpacingSeconds must be'],
  ])('says what is wrong with %s', (_, text, problem) => {
    const parsed = parseRateLimitOverrides(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });
});
