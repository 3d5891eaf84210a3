import {
  StaticThreepidDirectory,
  type ThreepidBinding,
} from '../../functions/adapters/directory/static-directory.js';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../functions/core/policy.js';
import { ThreepidValidation } from '../../functions/core/validation.js';
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

/** The domain service over fakes: memory store, recording senders, manual clock, seeded randomness. */
export function serviceWithFakes(options: ServiceOptions = {}) {
  const store = new MemorySessionStore();
  const senders = new RecordingSenders();
  const clock = new ManualClock();
  const logger = new RecordingLogger();
  const hasher = new HmacSecretHasher(TEST_HMAC_SECRET);
  const policy = { ...DEFAULT_POLICY, ...options.policy };
  const validation = new ThreepidValidation({
    store,
    email: senders,
    sms: senders,
    directory: new StaticThreepidDirectory(options.bindings ?? []),
    links: validationLinks(PUBLIC_BASEURL),
    clock,
    random: new SeededRandom(),
    hasher,
    logger,
    policy,
  });
  return { validation, store, senders, clock, logger, hasher, policy };
}
