import { describe, expect, it } from 'vitest';
import { MatrixError } from '../../functions/core/errors.js';
import { parsePhoneNumber } from '../../functions/core/phone-number.js';
import { DEFAULT_RATE_LIMITS } from '../../functions/core/rate-limits.js';
import type { ClientNetworks } from '../../functions/core/request-token.js';
import { DEFAULT_SMS_NUMBER_TYPES } from '../../functions/core/sms-policy.js';
import { HOUR, type ManualClock } from '../helpers/clock.js';
import { SeededRandom } from '../helpers/random.js';
import { type ServiceOptions, serviceWithFakes, type TestTokenRequest } from '../helpers/service.js';

/**
 * Simulated pumping and bombing attacks (T9), through the use case with the in-memory store and
 * limiter and the default limits: what each attack can make the service send, and what it costs
 * in counter writes. The clock starts at 2026-03-02T12:00:00Z.
 */
const START = Date.UTC(2026, 2, 2, 12, 0, 0);
const GB_AND_US = { countries: ['GB', 'US'], numberTypes: DEFAULT_SMS_NUMBER_TYPES };

const ipv4 = (n: number): ClientNetworks => ({
  keys: [{ scope: 'ip', value: `ip4:10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }],
});
/** The n-th /64 inside one /48 (`2001:db8:1:n::/64`), or inside the n-th /48 when `spreadOver48` is false. */
const ipv6 = (slash64: number, slash48 = 1): ClientNetworks => ({
  keys: [
    { scope: 'ip', value: `ip6:2001:db8:${slash48.toString(16)}:${slash64.toString(16)}::/64` },
    { scope: 'ip48', value: `ip6:2001:db8:${slash48.toString(16)}::/48` },
  ],
});

/** Valid numbers from a seeded generator (GB: 074… mobiles), nearly all in blocks of their own. */
function randomMobiles(count: number, country: 'GB' | 'US', seed = 7): string[] {
  const random = new SeededRandom(seed);
  const numbers = new Set<string>();
  while (numbers.size < count) {
    const digits = String(random.integer(100_000_000)).padStart(8, '0');
    const candidate =
      country === 'GB'
        ? `+4474${digits}`
        : `+1${String(200 + random.integer(800))}${String(random.integer(10_000_000)).padStart(7, '0')}`;
    try {
      // Some 074… numbers belong to Jersey, Guernsey or the Isle of Man: keep to the country asked
      // for, and to the types the default policy allows.
      const phone = parsePhoneNumber(country, candidate);
      if (phone.region === country && (phone.type === 'MOBILE' || phone.type === 'FIXED_LINE_OR_MOBILE')) {
        numbers.add(candidate);
      }
    } catch {
      // not a valid number: draw again
    }
  }
  return [...numbers];
}

interface Outcome {
  readonly sms: number;
  readonly emails: number;
  readonly limited: number;
  /** Refused by the operator's SMS policy (403 M_THREEPID_DENIED). */
  readonly denied: number;
  readonly sessions: number;
  /** Of the stored sessions, how many are real (not decoys). */
  readonly realSessions: number;
  readonly counterWrites: number;
  /** Messages sent (SMS or email) per clock hour and per UTC day. */
  readonly byHour: Map<number, number>;
  readonly byDay: Map<number, number>;
}

/** Runs `count` requests, one every `everyMs`, each built by `request(i)`. */
async function attack(
  count: number,
  everyMs: number,
  request: (i: number) => TestTokenRequest,
  options: ServiceOptions = {},
): Promise<Outcome> {
  // As the design's common setup: the default limits, SMS to GB and US only.
  const service = serviceWithFakes({ limits: DEFAULT_RATE_LIMITS, smsPolicy: GB_AND_US, ...options });
  const clock = service.clock as ManualClock;
  clock.advance(START - clock.now());
  let limited = 0;
  let denied = 0;
  const byHour = new Map<number, number>();
  const byDay = new Map<number, number>();
  const sent = () => service.senders.sms.length + service.senders.emails.length;
  for (let i = 0; i < count; i++) {
    const before = sent();
    try {
      await service.validation.requestToken(request(i));
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_LIMIT_EXCEEDED') limited += 1;
      else if (error instanceof MatrixError && error.errcode === 'M_THREEPID_DENIED') denied += 1;
      else throw error;
    }
    if (sent() > before) {
      const hour = Math.floor(clock.now() / HOUR);
      byHour.set(hour, (byHour.get(hour) ?? 0) + 1);
      byDay.set(Math.floor(hour / 24), (byDay.get(Math.floor(hour / 24)) ?? 0) + 1);
    }
    clock.advance(everyMs);
  }
  return {
    sms: service.senders.sms.length,
    emails: service.senders.emails.length,
    limited,
    denied,
    sessions: service.store.all().length,
    realSessions: service.store.all().filter((session) => !session.decoy).length,
    counterWrites: service.limiter.writes,
    byHour,
    byDay,
  };
}

const smsTo = (phoneNumber: string, client: ClientNetworks, i: number): TestTokenRequest => ({
  purpose: 'registration',
  medium: 'msisdn',
  country: 'GB',
  phoneNumber,
  clientSecret: `attack-${i}`,
  sendAttempt: 1,
  client,
});

describe('simulated attacks (T9)', { timeout: 60_000 }, () => {
  const sequential = Array.from({ length: 2000 }, (_, i) => `+${447_400_129_000 + i}`);

  it('S1: 10,000 requests from 500 IPv4s to 2,000 sequential numbers send exactly 10 SMS', async () => {
    const outcome = await attack(10_000, 60, (i) => smsTo(sequential[i % 2000] ?? '', ipv4(i % 500), i));
    expect(outcome).toMatchObject({ sms: 10, limited: 9_990, sessions: 10, counterWrites: 20_020 });
  });

  it('S2: the same from 2,000 random GB mobiles stops at the country limit: exactly 20 SMS', async () => {
    const numbers = randomMobiles(2000, 'GB');
    const outcome = await attack(10_000, 60, (i) => smsTo(numbers[i % 2000] ?? '', ipv4(i % 500), i));
    expect(outcome).toMatchObject({ sms: 20, limited: 9_980 });
  });

  it('S3: 10,000 addresses in one IPv6 /64 count as one client: 10 SMS', async () => {
    const numbers = randomMobiles(2000, 'GB');
    const outcome = await attack(10_000, 60, (i) => smsTo(numbers[i % 2000] ?? '', ipv6(1), i));
    expect(outcome).toMatchObject({ sms: 10, counterWrites: 20_040 });
  });

  it('S4: spread over 256 /64s of one /48, the /48 limit then the country limit bind: 20 SMS', async () => {
    const numbers = randomMobiles(2000, 'GB');
    const outcome = await attack(10_000, 60, (i) => smsTo(numbers[i % 2000] ?? '', ipv6(i % 256), i));
    expect(outcome.sms).toBe(20);
  });

  it('S5: 10,000 requests to Uzbek numbers, a country not allowed, send nothing and write nothing', async () => {
    const outcome = await attack(10_000, 60, (i) => ({
      ...smsTo(`+99890${String(10_000_000 + i).slice(1)}`, ipv4(i % 500), i),
      country: 'UZ',
    }));
    expect(outcome).toMatchObject({ sms: 0, denied: 10_000, limited: 0, counterWrites: 0, sessions: 0 });
  });

  it('S6: 10,000 requests to GB premium, personal and pager ranges send nothing and write nothing', async () => {
    const ranges = ['+44909', '+44701', '+447640'];
    const outcome = await attack(10_000, 60, (i) => {
      const prefix = ranges[i % 3] ?? '';
      return smsTo(`${prefix}${String(10_000_000 + i).slice(-(13 - prefix.length))}`, ipv4(i % 500), i);
    });
    expect(outcome).toMatchObject({ sms: 0, denied: 10_000, counterWrites: 0, sessions: 0 });
  });

  it('S7: a slow pump from a new IPv4 every request, over 24 hours, stays within 100 SMS a day and 30 an hour', async () => {
    const numbers = [...randomMobiles(1000, 'GB', 11), ...randomMobiles(1000, 'US', 13)];
    const outcome = await attack(100_000, (24 * HOUR) / 100_000, (i) => {
      const number = numbers[i % 2000] ?? '';
      return { ...smsTo(number, ipv4(i), i), country: number.startsWith('+1') ? 'US' : 'GB' };
    });
    expect(Math.max(...outcome.byDay.values())).toBeLessThanOrEqual(100);
    expect(Math.max(...outcome.byHour.values())).toBeLessThanOrEqual(30);
  });

  it('S8: 1,000 requests over 24 hours to one email address send at most 3 an hour and 10 a day', async () => {
    const outcome = await attack(1000, (24 * HOUR) / 1000, (i) => ({
      purpose: 'registration',
      medium: 'email',
      email: 'victim@example.org',
      clientSecret: `bomb-${i}`,
      sendAttempt: 1,
      client: ipv4(i),
    }));
    // From noon to noon spans two UTC days: at most 10 in each, and 3 in any clock hour.
    expect([...outcome.byDay.values()]).toEqual([10, 10]);
    expect(Math.max(...outcome.byHour.values())).toBe(3);
  });

  it('S9: one session resent every 10 s for 10 minutes, each from a new IP, sends at 0 s, 60 s and 360 s', async () => {
    const outcome = await attack(60, 10_000, (i) => ({
      ...smsTo('+447400123456', ipv4(i), 0),
      sendAttempt: i + 1,
    }));
    expect(outcome).toMatchObject({ sms: 3, limited: 57 });
  });

  it('S9b: the same from one IPv4 gets 2 SMS, then waits for the next hour', async () => {
    const outcome = await attack(60, 10_000, (i) => ({
      ...smsTo('+447400123456', ipv4(1), 0),
      sendAttempt: i + 1,
    }));
    expect(outcome).toMatchObject({ sms: 2, limited: 58 });
  });

  it('S10: uniform answers under S1, half the numbers bound: the same 10 sessions, SMS only to the real ones', async () => {
    const bindings = sequential
      .filter((_, i) => i % 2 === 0)
      .map((address) => ({ medium: 'msisdn' as const, address, user_id: '@taken:example.org' }));
    const outcome = await attack(10_000, 60, (i) => smsTo(sequential[i % 2000] ?? '', ipv4(i % 500), i), {
      bindings,
      uniform: { floorMs: 0 },
    });
    expect(outcome).toMatchObject({ limited: 9_990, sessions: 10 });
    expect(outcome.sms).toBe(outcome.realSessions);
    expect(outcome.realSessions).toBe(4);
  });
});
