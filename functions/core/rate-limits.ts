/**
 * Rate limits: which keys a requestToken charges, in which order, against which limits, and how
 * long a refused client must wait. Every limit is a fixed clock window (the hour and the UTC day),
 * counted in one item per key and day, changed by one conditional write that adds nothing when it
 * refuses. The store carries out `canCharge` and `applyCharge`; everything else is decided here.
 */
import type { Medium } from './model.js';

/** How many uses a key allows per clock hour and per UTC day. */
export interface Limit {
  readonly hour: number;
  readonly day: number;
}

/** Every limit, with the defaults of `DEFAULT_RATE_LIMITS`; the operator overrides any of them. */
export interface RateLimits {
  /** requestToken calls per client network (IPv4 address, or IPv6 /64), per medium. */
  readonly ip: Limit;
  /** requestToken calls per IPv6 /48, per medium. */
  readonly ip48: Limit;
  /** Messages sent to one address (email, or phone number). */
  readonly address: Limit;
  /** SMS sent to one block of 10,000 numbers (E.164 without its last four digits). */
  readonly smsBlock: Limit;
  /** SMS sent to one country, unless `smsCountries` names it. */
  readonly smsCountry: Limit;
  /** SMS sent to each country named here (ISO 3166-1 alpha-2). */
  readonly smsCountries: Readonly<Record<string, Limit>>;
  /** SMS sent in all. */
  readonly smsGlobal: Limit;
  /** Emails sent in all. */
  readonly emailGlobal: Limit;
  /**
   * Token submissions one address may get per clock hour, across all its sessions. Each new
   * session reserves its attempts from it when its first message goes out, so a new session
   * cannot reset the guessing budget.
   */
  readonly guessesPerAddressHour: number;
  /** The wait before a session may send again: after its first message, and after later ones. */
  readonly resendSpacingMs: readonly [first: number, later: number];
}

const MINUTE = 60_000;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  ip: { hour: 10, day: 50 },
  ip48: { hour: 30, day: 150 },
  address: { hour: 3, day: 10 },
  smsBlock: { hour: 5, day: 20 },
  smsCountry: { hour: 20, day: 100 },
  smsCountries: {},
  smsGlobal: { hour: 30, day: 100 },
  emailGlobal: { hour: 100, day: 500 },
  guessesPerAddressHour: 20,
  resendSpacingMs: [MINUTE, 5 * MINUTE],
};

/** What a refusal is about, for the log only: every refusal answers the same. */
export type LimitScope =
  | 'ip'
  | 'ip48'
  | 'address'
  | 'guesses'
  | 'block'
  | 'country'
  | 'global'
  | 'session'
  | 'switch';

/** One counter of a key: `amount` is added to its hour and day totals, which may not pass the limits. */
export interface Counter {
  readonly name: 'requests' | 'sends' | 'guesses';
  readonly amount: number;
  readonly limit: Partial<Limit>;
}

/** One conditional write to one key. */
export interface Charge {
  readonly scope: LimitScope;
  /** The stored key: a keyed digest for anything personal (an IP, an address, a number block). */
  readonly key: string;
  readonly counters: readonly Counter[];
}

/** The totals stored for one key and day: per counter, the day's and the current hour's. */
export type CounterTotals = Readonly<Record<string, { readonly day: number; readonly hour: number }>>;

/** Whether `charge` fits within its limits on top of `totals` (the totals of its key now). */
export function canCharge(totals: CounterTotals | undefined, charge: Charge): boolean {
  return charge.counters.every((counter) => {
    const current = totals?.[counter.name] ?? { day: 0, hour: 0 };
    const { hour, day } = counter.limit;
    return (
      (hour === undefined || current.hour + counter.amount <= hour) &&
      (day === undefined || current.day + counter.amount <= day)
    );
  });
}

export function applyCharge(totals: CounterTotals | undefined, charge: Charge): CounterTotals {
  const next: Record<string, { day: number; hour: number }> = { ...totals };
  for (const counter of charge.counters) {
    const current = next[counter.name] ?? { day: 0, hour: 0 };
    next[counter.name] = { day: current.day + counter.amount, hour: current.hour + counter.amount };
  }
  return next;
}

/**
 * How long a refused `charge` must wait: to the next UTC midnight when a daily limit is what
 * refused it, else to the next hour. At least a second.
 */
export function retryAfterMs(totals: CounterTotals | undefined, charge: Charge, now: number): number {
  const dayFull = charge.counters.some((counter) => {
    const current = totals?.[counter.name] ?? { day: 0, hour: 0 };
    return counter.limit.day !== undefined && current.day + counter.amount > counter.limit.day;
  });
  const end = dayFull ? nextUtcMidnight(now) : nextHour(now);
  return Math.max(1000, end - now);
}

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function nextHour(now: number): number {
  return Math.floor(now / HOUR) * HOUR + HOUR;
}

export function nextUtcMidnight(now: number): number {
  return Math.floor(now / DAY) * DAY + DAY;
}

/** The window a charge at `now` lands in: the UTC day (`2026-03-02`) and its hour (`12`). */
export function windowOf(now: number): { readonly day: string; readonly hour: string } {
  const iso = new Date(now).toISOString();
  return { day: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** A request-level charge: one more requestToken from a client network. */
export function requestCharge(scope: 'ip' | 'ip48', key: string, limits: RateLimits): Charge {
  return { scope, key, counters: [{ name: 'requests', amount: 1, limit: limits[scope] }] };
}

/** The send-level charges for one message, narrowest first; a refusal stops the rest. */
export function sendCharges(
  target: {
    readonly medium: Medium;
    readonly addressKey: string;
    readonly blockKey?: string | undefined;
    readonly region?: string | undefined;
    /** Attempts a new session reserves from the address's guess budget; 0 for a resend. */
    readonly reservedGuesses: number;
  },
  limits: RateLimits,
): Charge[] {
  const send = (limit: Limit): Counter => ({ name: 'sends', amount: 1, limit });
  const address: Charge = {
    scope: 'address',
    key: target.addressKey,
    counters: [
      send(limits.address),
      { name: 'guesses', amount: target.reservedGuesses, limit: { hour: limits.guessesPerAddressHour } },
    ],
  };
  if (target.medium === 'email') {
    return [address, { scope: 'global', key: 'global|email', counters: [send(limits.emailGlobal)] }];
  }
  const region = target.region ?? 'unknown';
  return [
    address,
    ...(target.blockKey
      ? [{ scope: 'block' as const, key: target.blockKey, counters: [send(limits.smsBlock)] }]
      : []),
    {
      scope: 'country',
      key: `country|${region}`,
      counters: [send(limits.smsCountries[region] ?? limits.smsCountry)],
    },
    { scope: 'global', key: 'global|msisdn', counters: [send(limits.smsGlobal)] },
  ];
}

/** The wait before a session that has sent `sendCount` messages may send again. */
export function resendSpacing(sendCount: number, limits: RateLimits): number {
  return sendCount <= 1 ? limits.resendSpacingMs[0] : limits.resendSpacingMs[1];
}

/** What the rate limiter stores; a store applies `canCharge` and `applyCharge` in one request. */
export interface RateLimiter {
  /**
   * In one conditional write: if `canCharge(totals, charge)` for the key's totals in the window
   * of `now`, adds the charge. A refusal adds nothing and returns the totals as they are.
   */
  charge(charge: Charge, now: number): Promise<ChargeOutcome>;
}

export type ChargeOutcome =
  | { readonly charged: true }
  | { readonly charged: false; readonly totals: CounterTotals | undefined };

export interface Refusal {
  readonly scope: LimitScope;
  readonly retryAfterMs: number;
}

/** Charges one key, or says how long to wait. A charge that could never fit is refused unwritten. */
export async function chargeOne(
  limiter: RateLimiter,
  charge: Charge,
  now: number,
): Promise<Refusal | undefined> {
  if (!canCharge(undefined, charge))
    return { scope: charge.scope, retryAfterMs: retryAfterMs(undefined, charge, now) };
  const outcome = await limiter.charge(charge, now);
  return outcome.charged
    ? undefined
    : { scope: charge.scope, retryAfterMs: retryAfterMs(outcome.totals, charge, now) };
}

/** Charges every key at once; when any refuses, the longest wait. */
export async function chargeAll(
  limiter: RateLimiter,
  charges: readonly Charge[],
  now: number,
): Promise<Refusal | undefined> {
  const refusals = (await Promise.all(charges.map((charge) => chargeOne(limiter, charge, now)))).filter(
    (refusal): refusal is Refusal => refusal !== undefined,
  );
  return refusals.sort((a, b) => b.retryAfterMs - a.retryAfterMs)[0];
}

/** Charges the keys one after the other, stopping at the first refusal, so no wider key pays for it. */
export async function chargeInOrder(
  limiter: RateLimiter,
  charges: readonly Charge[],
  now: number,
): Promise<Refusal | undefined> {
  for (const charge of charges) {
    const refusal = await chargeOne(limiter, charge, now);
    if (refusal) return refusal;
  }
  return undefined;
}

/** The operator's overrides of the defaults, as `RATE_LIMITS` holds them in JSON. */
export interface RateLimitOverrides {
  readonly ip?: Partial<Limit>;
  readonly ip48?: Partial<Limit>;
  readonly address?: Partial<Limit>;
  readonly smsBlock?: Partial<Limit>;
  readonly smsCountry?: Partial<Limit>;
  readonly smsCountries?: Readonly<Record<string, Partial<Limit>>>;
  readonly smsGlobal?: Partial<Limit>;
  readonly emailGlobal?: Partial<Limit>;
  readonly guessesPerAddressHour?: number;
  /** After the first message, and after later ones. */
  readonly resendSpacingSeconds?: readonly [number, number];
}

const LIMIT_NAMES = ['ip', 'ip48', 'address', 'smsBlock', 'smsCountry', 'smsGlobal', 'emailGlobal'] as const;

/** The limits in force: the defaults, with the operator's overrides on top. */
export function resolveRateLimits(overrides: RateLimitOverrides): RateLimits {
  const limit = (base: Limit, override: Partial<Limit> | undefined): Limit => ({ ...base, ...override });
  return {
    ...DEFAULT_RATE_LIMITS,
    ...Object.fromEntries(
      LIMIT_NAMES.map((name) => [name, limit(DEFAULT_RATE_LIMITS[name], overrides[name])]),
    ),
    smsCountries: Object.fromEntries(
      Object.entries(overrides.smsCountries ?? {}).map(([code, override]) => [
        code,
        limit(DEFAULT_RATE_LIMITS.smsCountry, override),
      ]),
    ),
    guessesPerAddressHour: overrides.guessesPerAddressHour ?? DEFAULT_RATE_LIMITS.guessesPerAddressHour,
    resendSpacingMs: overrides.resendSpacingSeconds
      ? [overrides.resendSpacingSeconds[0] * 1000, overrides.resendSpacingSeconds[1] * 1000]
      : DEFAULT_RATE_LIMITS.resendSpacingMs,
  };
}

/**
 * Reads `RATE_LIMITS` overrides from JSON: any limit by name (`{"address": {"hour": 5}}`),
 * per-country SMS limits (`{"smsCountries": {"US": {"day": 300}}}`), `guessesPerAddressHour`, and
 * `resendSpacingSeconds` (`[60, 300]`). Says what is wrong, without the setting's name.
 */
export function parseRateLimitOverrides(
  text: string,
): { readonly value: RateLimitOverrides } | { readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'must be `off` or a JSON object of overrides' };
  }
  if (!isObject(json)) return { problem: 'must be `off` or a JSON object of overrides' };
  const problems: string[] = [];
  const checkLimit = (path: string, value: unknown) => {
    if (!isObject(value)) {
      problems.push(`${path} must be an object like {"hour": 10, "day": 50}`);
      return;
    }
    for (const [key, field] of Object.entries(value)) {
      if (key !== 'hour' && key !== 'day') problems.push(`${path}.${key} is not a limit (hour, day)`);
      else if (!isCount(field)) problems.push(`${path}.${key} must be a whole number from 0 to 1000000`);
    }
  };
  for (const [key, value] of Object.entries(json)) {
    if ((LIMIT_NAMES as readonly string[]).includes(key)) checkLimit(key, value);
    else if (key === 'smsCountries') {
      if (!isObject(value)) problems.push('smsCountries must be an object keyed by ISO country code');
      else {
        for (const [code, limit] of Object.entries(value)) {
          if (!/^[A-Z]{2}$/.test(code))
            problems.push(`smsCountries.${code} is not an ISO 3166-1 alpha-2 code`);
          checkLimit(`smsCountries.${code}`, limit);
        }
      }
    } else if (key === 'guessesPerAddressHour') {
      if (!isCount(value)) problems.push('guessesPerAddressHour must be a whole number from 0 to 1000000');
    } else if (key === 'resendSpacingSeconds') {
      if (!(Array.isArray(value) && value.length === 2 && value.every((s) => isCount(s) && s <= 86_400))) {
        problems.push(
          'resendSpacingSeconds must be [after the first message, after later ones], each 0 to 86400',
        );
      }
    } else problems.push(`"${key}" is not a limit`);
  }
  return problems.length > 0
    ? { problem: `is wrong: ${problems.join('; ')}` }
    : { value: json as RateLimitOverrides };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1_000_000;
}
