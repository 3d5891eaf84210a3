import {
  StaticThreepidDirectory,
  type ThreepidBinding,
} from '../../functions/adapters/directory/static-directory.js';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import type { EmailPolicy } from '../../functions/core/email-policy.js';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../functions/core/policy.js';
import type { ThreepidDirectory } from '../../functions/core/ports.js';
import { makePreviewSession } from '../../functions/core/preview.js';
import type { RateLimits } from '../../functions/core/rate-limits.js';
import { makeRequestEmailToken } from '../../functions/core/request-email-token.js';
import { type MsisdnTokenResult, makeRequestMsisdnToken } from '../../functions/core/request-msisdn-token.js';
import type { ClientNetworks, TokenRequest, TokenRequestResult } from '../../functions/core/request-token.js';
import { makeResetPassword } from '../../functions/core/reset-password.js';
import { DEFAULT_SMS_NUMBER_TYPES, type SmsPolicy } from '../../functions/core/sms-policy.js';
import { makeSubmitToken } from '../../functions/core/submit-token.js';
import { makeGetValidatedThreepid } from '../../functions/core/validated-threepid.js';
import { validationLinks } from '../../functions/http/links.js';
import type { DecoyNoticeKind } from '../../functions/settings.js';
import { ManualClock } from './clock.js';
import {
  FakeSendingSwitches,
  FakeSleeper,
  RecordingAccountAdmin,
  RecordingEvents,
  RecordingHomeserverSessions,
  RecordingLogger,
  RecordingSenders,
} from './fakes.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { MemorySessionStore } from './memory-session-store.js';
import { SeededRandom } from './random.js';

export const TEST_HMAC_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const PUBLIC_BASEURL = 'https://matrix.example.org/';

export interface ServiceOptions {
  readonly policy?: Partial<ValidationPolicy>;
  readonly bindings?: readonly ThreepidBinding[];
  /** Who addresses belong to, when a test changes it on the way; else the bindings. */
  readonly directory?: ThreepidDirectory;
  /** Rate limits over an in-memory limiter; off unless a test is about them. */
  readonly limits?: RateLimits;
  /** Uniform answers, with this floor in milliseconds; off unless a test is about them. */
  readonly uniform?: { readonly floorMs: number; readonly notices?: readonly DecoyNoticeKind[] };
  /** The operator's SMS and email policy; everything is allowed unless a test says otherwise. */
  readonly smsPolicy?: SmsPolicy;
  readonly emailPolicy?: EmailPolicy;
  /** The shortest new password a reset accepts; 10 unless a test says otherwise. */
  readonly passwordMinLength?: number;
}

/** Where requests come from unless a test says otherwise. */
export const TEST_CLIENT: ClientNetworks = { keys: [{ scope: 'ip', value: 'ip4:192.0.2.1' }] };

/** A request as the use cases take it, from a client unless one is given. */
export type TestTokenRequest = TokenRequest extends infer R
  ? R extends TokenRequest
    ? Omit<R, 'client'> & { readonly client?: ClientNetworks }
    : never
  : never;

/**
 * Every use case over fakes (memory store, recording senders, manual clock, seeded randomness),
 * each built with only the ports it takes, as the composition root builds them.
 */
export function serviceWithFakes(options: ServiceOptions = {}) {
  const store = new MemorySessionStore();
  const senders = new RecordingSenders();
  const clock = new ManualClock();
  const logger = new RecordingLogger();
  const hasher = new HmacSecretHasher(TEST_HMAC_SECRET);
  const policy = { ...DEFAULT_POLICY, ...options.policy };
  const events = new RecordingEvents();
  const base = { clock, random: new SeededRandom(), hasher, logger, events, policy };
  const directory = options.directory ?? new StaticThreepidDirectory(options.bindings ?? []);
  const accounts = new RecordingAccountAdmin();
  const homeserverSessions = new RecordingHomeserverSessions();
  const links = validationLinks(PUBLIC_BASEURL);
  const limiter = new MemoryRateLimiter();
  const switches = new FakeSendingSwitches();
  const sleeper = new FakeSleeper(clock);
  const controls = {
    switches,
    limiting: options.limits ? { limiter, limits: options.limits } : ('off' as const),
    uniform: options.uniform
      ? {
          enabled: true as const,
          floorMs: options.uniform.floorMs,
          sleeper,
          notices: new Set<DecoyNoticeKind>(options.uniform.notices ?? ['email-in-use']),
        }
      : { enabled: false as const },
    smsPolicy: options.smsPolicy ?? { countries: '*' as const, numberTypes: DEFAULT_SMS_NUMBER_TYPES },
    emailPolicy: options.emailPolicy ?? { allow: [], deny: [] },
  };
  const requestEmailToken = makeRequestEmailToken({
    ...base,
    ...controls,
    store,
    directory,
    links,
    email: senders,
    homeserverSessions,
  });
  const requestMsisdnToken = makeRequestMsisdnToken({
    ...base,
    ...controls,
    store,
    directory,
    links,
    sms: senders,
  });
  const validation = {
    requestToken: (request: TestTokenRequest): Promise<TokenRequestResult & Partial<MsisdnTokenResult>> => {
      const withClient = { client: TEST_CLIENT, ...request } as TokenRequest;
      return withClient.medium === 'email' ? requestEmailToken(withClient) : requestMsisdnToken(withClient);
    },
    submitToken: makeSubmitToken({ ...base, store, homeserverSessions }),
    previewSession: makePreviewSession({ ...base, store }),
    getValidatedThreepid: makeGetValidatedThreepid({ ...base, store }),
    resetPassword: makeResetPassword({
      ...base,
      store,
      directory,
      accounts,
      passwordMinLength: options.passwordMinLength ?? 10,
    }),
  };
  return {
    validation,
    store,
    senders,
    clock,
    logger,
    events,
    hasher,
    policy,
    limiter,
    switches,
    sleeper,
    accounts,
    directory,
    homeserverSessions,
  };
}
