import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charge, RateLimiter } from '../../functions/core/rate-limits.js';

const NOON = Date.UTC(2026, 2, 2, 12, 0, 0);
const HOUR = 3_600_000;
let counter = 0;

const sends = (hour: number, day: number, key = `key-${++counter}`): Charge => ({
  scope: 'address',
  key,
  counters: [{ name: 'sends', amount: 1, limit: { hour, day } }],
});

/**
 * What every RateLimiter must do, run against the in-memory fake and against DynamoDB emulators:
 * one conditional write per charge, hour and day in one item, and a refusal adds nothing.
 */
export function describeRateLimiterContract(
  name: string,
  open: () => Promise<{ limiter: RateLimiter; close?: () => Promise<void> }>,
  /** Whether concurrent writes to one item are serialised (DynamoDB, dynalite; not moto's server). */
  { atomic = true }: { atomic?: boolean } = {},
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let limiter: RateLimiter;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ limiter, close } = await open());
    });
    afterAll(async () => {
      await close?.();
    });

    it('charges up to the hourly limit, then refuses with the totals as they are', async () => {
      const charge = sends(3, 10);
      for (let i = 0; i < 3; i++)
        await expect(limiter.charge(charge, NOON)).resolves.toEqual({ charged: true });
      await expect(limiter.charge(charge, NOON)).resolves.toEqual({
        charged: false,
        totals: { sends: { day: 3, hour: 3 } },
      });
    });

    it('adds nothing when it refuses, so hammering does not extend the wait', async () => {
      const charge = sends(1, 10);
      await limiter.charge(charge, NOON);
      for (let i = 0; i < 5; i++) await limiter.charge(charge, NOON);
      await expect(limiter.charge(charge, NOON)).resolves.toMatchObject({
        totals: { sends: { day: 1, hour: 1 } },
      });
    });

    it('counts the hour and the UTC day in the same item: a new hour opens, the day still caps', async () => {
      const charge = sends(2, 3);
      await limiter.charge(charge, NOON);
      await limiter.charge(charge, NOON);
      await expect(limiter.charge(charge, NOON + HOUR)).resolves.toEqual({ charged: true });
      await expect(limiter.charge(charge, NOON + 2 * HOUR)).resolves.toEqual({
        charged: false,
        totals: { sends: { day: 3, hour: 0 } },
      });
      await expect(limiter.charge(charge, NOON + 12 * HOUR)).resolves.toEqual({ charged: true });
    });

    it(`charges exactly \`limit\` of 50 ${atomic ? 'parallel' : 'successive'} charges`, async () => {
      const charge = sends(10, 100);
      const charges = Array.from({ length: 50 }, () => () => limiter.charge(charge, NOON));
      const outcomes = atomic
        ? await Promise.all(charges.map((call) => call()))
        : await charges.reduce<Promise<Awaited<ReturnType<RateLimiter['charge']>>[]>>(
            async (done, call) => [...(await done), await call()],
            Promise.resolve([]),
          );
      expect(outcomes.filter((outcome) => outcome.charged)).toHaveLength(10);
    });

    it('checks every counter of a key in the one write', async () => {
      const key = `key-${++counter}`;
      const reserve = (guesses: number): Charge => ({
        scope: 'address',
        key,
        counters: [
          { name: 'sends', amount: 1, limit: { hour: 10, day: 10 } },
          { name: 'guesses', amount: guesses, limit: { hour: 12 } },
        ],
      });
      await expect(limiter.charge(reserve(5), NOON)).resolves.toEqual({ charged: true });
      await expect(limiter.charge(reserve(5), NOON)).resolves.toEqual({ charged: true });
      await expect(limiter.charge(reserve(5), NOON)).resolves.toEqual({
        charged: false,
        totals: { sends: { day: 2, hour: 2 }, guesses: { day: 10, hour: 10 } },
      });
      await expect(limiter.charge(reserve(0), NOON)).resolves.toEqual({ charged: true });
    });
  });
}
