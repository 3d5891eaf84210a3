import {
  StaticThreepidDirectory,
  type ThreepidBinding,
} from '../../functions/adapters/directory/static-directory.js';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../functions/core/policy.js';
import { makePreviewSession } from '../../functions/core/preview.js';
import { makeRequestEmailToken } from '../../functions/core/request-email-token.js';
import { type MsisdnTokenResult, makeRequestMsisdnToken } from '../../functions/core/request-msisdn-token.js';
import type { TokenRequest, TokenRequestResult } from '../../functions/core/request-token.js';
import { makeSubmitToken } from '../../functions/core/submit-token.js';
import { makeGetValidatedThreepid } from '../../functions/core/validated-threepid.js';
import { validationLinks } from '../../functions/http/links.js';
import { ManualClock } from './clock.js';
import { RecordingLogger, RecordingSenders } from './fakes.js';
import { MemorySessionStore } from './memory-session-store.js';
import { SeededRandom } from './random.js';

export const TEST_HMAC_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const PUBLIC_BASEURL = 'https://matrix.example.org/';

export interface ServiceOptions {
  readonly policy?: Partial<ValidationPolicy>;
  readonly bindings?: readonly ThreepidBinding[];
}

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
  const base = { clock, random: new SeededRandom(), hasher, logger, policy };
  const directory = new StaticThreepidDirectory(options.bindings ?? []);
  const links = validationLinks(PUBLIC_BASEURL);
  const requestEmailToken = makeRequestEmailToken({ ...base, store, directory, links, email: senders });
  const requestMsisdnToken = makeRequestMsisdnToken({ ...base, store, directory, links, sms: senders });
  const validation = {
    requestToken: (request: TokenRequest): Promise<TokenRequestResult & Partial<MsisdnTokenResult>> =>
      request.medium === 'email' ? requestEmailToken(request) : requestMsisdnToken(request),
    submitToken: makeSubmitToken({ ...base, store }),
    previewSession: makePreviewSession({ ...base, store }),
    getValidatedThreepid: makeGetValidatedThreepid({ ...base, store }),
  };
  return { validation, store, senders, clock, logger, hasher, policy };
}
