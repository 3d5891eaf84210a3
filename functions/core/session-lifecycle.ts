/**
 * Pure transitions of a validation session: the use cases load a record, ask these functions what
 * the next record should be (following the rules of session-state.ts), and write it conditionally.
 */
import {
  formatSid,
  type IssuedToken,
  type Medium,
  type Purpose,
  type Session,
  sidOf,
  type Threepid,
} from './model.js';
import type { ValidationPolicy } from './policy.js';
import type { Random, SecretHasher } from './ports.js';
import { newEmailToken, newGeneration, newSmsCode, normaliseToken } from './secrets.js';
import { rulesFor, sessionStatus } from './session-state.js';

export interface SendRequest {
  readonly key: string;
  readonly purpose: Purpose;
  readonly threepid: Threepid;
  readonly clientSecretDigest: string;
  readonly sendAttempt: number;
  readonly nextLink: string | undefined;
}

export interface LifecycleContext {
  readonly now: number;
  readonly policy: ValidationPolicy;
  readonly random: Random;
  readonly hasher: SecretHasher;
}

export type SendPlan =
  /** send_attempt is not newer than the last one seen: answer with the sid, send nothing. */
  | { readonly kind: 'repeat'; readonly session: Session }
  /** Write `session`, then send `token`. */
  | { readonly kind: 'send'; readonly session: Session; readonly token: string };

/**
 * Decides what a requestToken does to the record it found, by the session's state (see
 * `rulesFor`): answer a send_attempt that is not newer with the same sid and send nothing; send a
 * new token in the same session; or start a new generation, so a new sid, because the old one is
 * finished (validated, locked, expired) or gone.
 */
export function planSend(
  current: Session | undefined,
  request: SendRequest,
  ctx: LifecycleContext,
): SendPlan {
  const rules = current && rulesFor(sessionStatus(current, ctx.now, ctx.policy));
  if (current && request.sendAttempt <= current.lastSendAttempt) {
    if (rules?.onRepeatedAttempt === 'answer-same-sid') return { kind: 'repeat', session: current };
  }
  const continuing = current !== undefined && rules?.onNewerAttempt === 'send-new-token';
  const generation = continuing ? current.generation : newGeneration(ctx.random);
  const { token, issued } = issueToken(request.threepid.medium, formatSid(request.key, generation), ctx);
  const kept = continuing ? keptTokens(current, request.threepid.medium, ctx) : [];
  const tokens = [...kept, issued];
  const session: Session = {
    key: request.key,
    generation,
    purpose: request.purpose,
    threepid: request.threepid,
    clientSecretDigest: request.clientSecretDigest,
    lastSendAttempt: request.sendAttempt,
    sendCount: continuing ? current.sendCount + 1 : 1,
    tokens,
    submissions: continuing ? current.submissions : 0,
    ...(request.nextLink === undefined ? {} : { nextLink: request.nextLink }),
    createdAt: continuing ? current.createdAt : ctx.now,
    expiresAt: recordExpiry(tokens, undefined, ctx.policy),
    version: (current?.version ?? 0) + 1,
  };
  return { kind: 'send', session, token };
}

/** The same session, validated now. */
export function markValidated(session: Session, now: number, policy: ValidationPolicy): Session {
  return {
    ...session,
    validatedAt: now,
    expiresAt: recordExpiry(session.tokens, now, policy),
    version: session.version + 1,
  };
}

/**
 * Whether `token` is one this session sent. Every candidate is compared (in constant time, by
 * the hasher), so the time taken does not depend on which one matched. Before validation only
 * live tokens count; afterwards any token the session sent re-confirms it.
 */
export function tokenMatches(
  session: Session,
  token: string,
  ctx: Pick<LifecycleContext, 'now' | 'hasher'>,
  includeExpired: boolean,
): boolean {
  const candidate = tokenInput(sidOf(session), normaliseToken(session.threepid.medium, token));
  let matched = false;
  for (const issued of session.tokens) {
    const usable = includeExpired || ctx.now < issued.expiresAt;
    const same = ctx.hasher.matches('token', candidate, issued.digest);
    matched = (same && usable) || matched;
  }
  return matched;
}

function issueToken(
  medium: Medium,
  sid: string,
  ctx: LifecycleContext,
): { token: string; issued: IssuedToken } {
  const token = medium === 'email' ? newEmailToken(ctx.random) : newSmsCode(ctx.random);
  const lifetime = medium === 'email' ? ctx.policy.emailTokenLifetimeMs : ctx.policy.smsTokenLifetimeMs;
  return {
    token,
    issued: { digest: ctx.hasher.digest('token', tokenInput(sid, token)), expiresAt: ctx.now + lifetime },
  };
}

/** Earlier live tokens that survive a resend: a few for email, none for SMS (a new code voids the old). */
function keptTokens(session: Session, medium: Medium, ctx: LifecycleContext): IssuedToken[] {
  if (medium === 'msisdn') return [];
  const live = session.tokens.filter((token) => ctx.now < token.expiresAt);
  return live.slice(Math.max(0, live.length - (ctx.policy.maxLiveEmailTokens - 1)));
}

/** Digests are bound to the sid, so a digest copied into another record never validates it. */
function tokenInput(sid: string, token: string): string {
  return `${sid}\n${token}`;
}

/**
 * When a record may be forgotten: a grace period after the last moment it can be used, so a late
 * click or query gets "expired" rather than "unknown". Rounded up to whole seconds because the
 * DynamoDB TTL attribute is in seconds.
 */
export function recordExpiry(
  tokens: readonly IssuedToken[],
  validatedAt: number | undefined,
  policy: ValidationPolicy,
): number {
  const usableUntil = Math.max(
    ...tokens.map((token) => token.expiresAt),
    validatedAt === undefined ? 0 : validatedAt + policy.validatedSessionLifetimeMs,
  );
  return Math.ceil((usableUntil + policy.recordGraceMs) / 1000) * 1000;
}
