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
 * runs against this and against DynamoDB, which keeps it honest. Like the DynamoDB item, it keeps
 * per key and UTC day the day's totals and each hour's.
 */
export class MemoryRateLimiter implements RateLimiter {
  /** key → day → { day totals, hour → totals } */
  private readonly days = new Map<
    string,
    Map<string, { day: CounterTotals; hours: Map<string, CounterTotals> }>
  >();
  /** Every write attempted, refused ones included, as the store would count them. */
  writes = 0;

  async charge(charge: Charge, now: number): Promise<ChargeOutcome> {
    await new Promise((resolve) => setImmediate(resolve));
    this.writes += 1;
    const { day, hour } = windowOf(now);
    const item = this.itemOf(charge.key, day, true);
    const current = totalsIn(item, hour);
    if (!canCharge(current, charge)) return { charged: false, totals: current };
    const dayTotals: Record<string, { day: number; hour: number }> = { ...item.day };
    const hourTotals: Record<string, { day: number; hour: number }> = { ...item.hours.get(hour) };
    const after = applyCharge(current, charge);
    for (const [name, value] of Object.entries(after)) {
      dayTotals[name] = { day: value.day, hour: 0 };
      hourTotals[name] = { day: 0, hour: value.hour };
    }
    item.day = dayTotals;
    item.hours.set(hour, hourTotals);
    return { charged: true };
  }

  /** The totals of a key in the window of `now`, for assertions. */
  totalsOf(key: string, now: number): CounterTotals {
    const { day, hour } = windowOf(now);
    const item = this.itemOf(key, day, false);
    return item ? totalsIn(item, hour) : {};
  }

  /** Every key that has been charged on `counter`, for finding keys that are digests. */
  keysWith(counter: string): string[] {
    return [...this.days.entries()]
      .filter(([, days]) => [...days.values()].some((item) => counter in item.day))
      .map(([key]) => key);
  }

  private itemOf(
    key: string,
    day: string,
    create: true,
  ): { day: CounterTotals; hours: Map<string, CounterTotals> };
  private itemOf(
    key: string,
    day: string,
    create: false,
  ): { day: CounterTotals; hours: Map<string, CounterTotals> } | undefined;
  private itemOf(key: string, day: string, create: boolean) {
    let days = this.days.get(key);
    if (!days && create) {
      days = new Map();
      this.days.set(key, days);
    }
    let item = days?.get(day);
    if (!item && create && days) {
      item = { day: {}, hours: new Map() };
      days.set(day, item);
    }
    return item;
  }
}

function totalsIn(
  item: { day: CounterTotals; hours: Map<string, CounterTotals> },
  hour: string,
): CounterTotals {
  const hourTotals = item.hours.get(hour) ?? {};
  const totals: Record<string, { day: number; hour: number }> = {};
  for (const [name, value] of Object.entries(item.day)) {
    totals[name] = { day: value.day, hour: hourTotals[name]?.hour ?? 0 };
  }
  return totals;
}
