import {
  applyCharge,
  type Charge,
  type ChargeOutcome,
  type CounterTotals,
  canCharge,
  type RateLimiter,
  windowOf,
} from '../../functions/core/rate-limits.js';

/**
 * In-memory RateLimiter with DynamoDB's semantics: each charge is atomic, concurrent callers
 * interleave between awaits, and the condition and effect are core's own. The same contract
 * runs against this and against DynamoDB, which keeps it honest.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly totals = new Map<string, CounterTotals>();
  /** Every write attempted, refused ones included, as the store would count them. */
  writes = 0;

  async charge(charge: Charge, now: number): Promise<ChargeOutcome> {
    await new Promise((resolve) => setImmediate(resolve));
    this.writes += 1;
    const { day, hour } = windowOf(now);
    const id = `${charge.key}#${day}#${hour}`;
    const stored = this.totals.get(id);
    // The day's totals are the sum over its hours; the hour's are this hour's.
    const current = this.windowTotals(charge.key, day, hour);
    if (!canCharge(current, charge)) return { charged: false, totals: current };
    this.totals.set(id, applyCharge(stored, charge));
    return { charged: true };
  }

  /** The totals of a key in the window of `now`, for assertions. */
  totalsOf(key: string, now: number): CounterTotals {
    const { day, hour } = windowOf(now);
    return this.windowTotals(key, day, hour);
  }

  private windowTotals(key: string, day: string, hour: string): CounterTotals {
    const result: Record<string, { day: number; hour: number }> = {};
    for (const [id, totals] of this.totals) {
      const [storedKey, storedDay, storedHour] = id.split('#');
      if (storedKey !== key || storedDay !== day) continue;
      for (const [name, value] of Object.entries(totals)) {
        const entry = result[name] ?? { day: 0, hour: 0 };
        result[name] = {
          day: entry.day + value.hour,
          hour: entry.hour + (storedHour === hour ? value.hour : 0),
        };
      }
    }
    return result;
  }
}
