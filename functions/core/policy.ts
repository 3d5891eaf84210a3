/** The rules of validation that an operator may tune. Built from config by the composition root. */
export interface ValidationPolicy {
  /** How long an emailed link works. */
  readonly emailTokenLifetimeMs: number;
  /** How long an SMS code works. */
  readonly smsTokenLifetimeMs: number;
  /** How long a validated session can be used by the homeserver. */
  readonly validatedSessionLifetimeMs: number;
  /** Token submissions allowed per session; after that even the right token fails. */
  readonly maxTokenSubmissions: number;
  /** Emailed links that stay usable at once, so an older email still works after a resend. */
  readonly maxLiveEmailTokens: number;
  /** How long an unusable record is remembered, to answer "expired" instead of "unknown". */
  readonly recordGraceMs: number;
  /** Hosts a next_link may point to. Empty means any http(s) host. */
  readonly nextLinkAllowedHosts: readonly string[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_POLICY: ValidationPolicy = {
  emailTokenLifetimeMs: HOUR,
  smsTokenLifetimeMs: 10 * MINUTE,
  validatedSessionLifetimeMs: 24 * HOUR,
  maxTokenSubmissions: 5,
  maxLiveEmailTokens: 3,
  recordGraceMs: 24 * HOUR,
  nextLinkAllowedHosts: [],
};
