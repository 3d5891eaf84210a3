/**
 * The writes that change a session, as pure functions. Each state change is one conditional write:
 * a use case describes it (`SendWrite`, `GuessWrite`), the store applies it in one request if its
 * condition holds (`canSendInPlace`, `canRecordGuess`), and both the store and core compute the
 * record that results with the same function (`applySend`, `applyGuess`). When a condition does
 * not hold, the use case reads the record once and decides by the rules of session-state.ts.
 */
import type { Guess, IssuedToken, Medium, Purpose, Session, Threepid } from './model.js';
import type { ValidationPolicy } from './policy.js';
import type { Random, SecretHasher } from './ports.js';
import { newEmailToken, newGeneration, newSmsCode, normaliseToken, sameDigest } from './secrets.js';
import { rulesFor, sessionStatus } from './session-state.js';

export interface SendRequest {
  readonly key: string;
  readonly purpose: Purpose;
  readonly threepid: Threepid;
  readonly clientSecretDigest: string;
  readonly sendAttempt: number;
  readonly nextLink: string | undefined;
  /** The language its messages and pages are in; undefined: the default. */
  readonly locale: string | undefined;
  /** A decoy session: its token is never sent (see Session.decoy). */
  readonly decoy: boolean;
  /**
   * How long a session must wait before sending again: after its first message, and after later
   * ones. Undefined when resend spacing is off.
   */
  readonly spacing: readonly [first: number, later: number] | undefined;
}

export interface LifecycleContext {
  readonly now: number;
  readonly policy: ValidationPolicy;
  readonly random: Random;
  readonly hasher: SecretHasher;
}

/** One send as a single conditional write: create the record, or add a token to it in place. */
export interface SendWrite extends SendRequest {
  /** The generation a new record gets; an existing one keeps its own. */
  readonly generation: string;
  readonly token: IssuedToken;
  /** Whether the token replaces the earlier ones (SMS: a new code voids the old) or joins them. */
  readonly tokens: 'replace' | 'append';
  /** In place, a record may hold at most this many tokens; beyond, the full path trims them. */
  readonly maxTokens: number;
  /**
   * In place only while the record's newest token expires after this (now, less the grace period):
   * an older record is gone, and a new session must start in it.
   */
  readonly newestTokenAfter: number;
  readonly now: number;
  /** The record's TTL after this write. */
  readonly expiresAt: number;
}

/** One submission as a single conditional write: count it and keep its digest. */
export interface GuessWrite {
  readonly key: string;
  readonly generation: string;
  /** Undefined for the emailed link, whose token alone is the credential. */
  readonly clientSecretDigest: string | undefined;
  readonly medium: Medium;
  readonly guess: Guess;
  readonly maxGuesses: number;
}

/** A new token for `request`, and the write that stores it in one request where it can. */
export function sendWrite(request: SendRequest, ctx: LifecycleContext): { write: SendWrite; token: string } {
  const { token, issued } = issueToken(request.key, request.threepid.medium, ctx);
  return {
    token,
    write: {
      ...request,
      generation: newGeneration(ctx.random),
      token: issued,
      tokens: request.threepid.medium === 'msisdn' ? 'replace' : 'append',
      maxTokens: ctx.policy.maxLiveEmailTokens,
      newestTokenAfter: ctx.now - ctx.policy.recordGraceMs,
      now: ctx.now,
      expiresAt: recordTtl(ctx.now, ctx.policy),
    },
  };
}

/**
 * Whether `write` may be applied to `current` without reading it first: the record is new, or it
 * is a newer send_attempt of a session nobody has submitted a token to yet, still in its lifetime,
 * with room for another token. Everything else (a repeat, a restart, trimming tokens) takes the
 * full path: read once, plan by the rules, write conditionally on the version read.
 */
export function canSendInPlace(current: Session | undefined, write: SendWrite): boolean {
  if (current === undefined) return true;
  return (
    current.lastSendAttempt < write.sendAttempt &&
    current.guesses.length === 0 &&
    newestTokenExpiry(current) > write.newestTokenAfter &&
    write.now < current.expiresAt &&
    spacedEnough(current, write.spacing, write.now) &&
    (write.tokens === 'replace' || current.tokens.length < write.maxTokens)
  );
}

/** The record after `write`, applied to `current` (undefined: no record yet). */
export function applySend(current: Session | undefined, write: SendWrite): Session {
  const common = {
    key: write.key,
    purpose: write.purpose,
    threepid: write.threepid,
    clientSecretDigest: write.clientSecretDigest,
    lastSendAttempt: write.sendAttempt,
    lastSentAt: write.now,
    ...(write.nextLink === undefined ? {} : { nextLink: write.nextLink }),
    ...(write.locale === undefined ? {} : { locale: write.locale }),
    ...(write.decoy ? { decoy: true as const } : {}),
    expiresAt: write.expiresAt,
  };
  if (current === undefined) {
    return {
      ...common,
      generation: write.generation,
      sendCount: 1,
      tokens: [write.token],
      guesses: [],
      createdAt: write.now,
      version: 1,
    };
  }
  return {
    ...common,
    generation: current.generation,
    sendCount: current.sendCount + 1,
    tokens: write.tokens === 'replace' ? [write.token] : [...current.tokens, write.token],
    guesses: current.guesses,
    createdAt: current.createdAt,
    version: current.version + 1,
  };
}

export type SendPlan =
  /** send_attempt is not newer than the last one seen: answer with the sid, send nothing. */
  | { readonly kind: 'repeat'; readonly session: Session }
  /** The session sent a message too recently: wait this long before asking again. */
  | { readonly kind: 'too-soon'; readonly session: Session; readonly retryAfterMs: number }
  /** Write `session` (conditional on the version read), then send `token`. */
  | { readonly kind: 'send'; readonly session: Session; readonly token: string };

/**
 * The full path of requestToken, from the record as read, by the session's state (see
 * `rulesFor`): answer a send_attempt that is not newer with the same sid and send nothing; send a
 * new token in the same session, keeping a few live email tokens; or start a new generation, so a
 * new sid, because the old one is finished (validated, locked, expired) or gone.
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
  if (current && rules?.onNewerAttempt === 'answer-same-sid') return { kind: 'repeat', session: current };
  const continuing = current !== undefined && rules?.onNewerAttempt === 'send-new-token';
  if (continuing && !spacedEnough(current, request.spacing, ctx.now)) {
    const wait = current.lastSentAt + spacingFor(current, request.spacing) - ctx.now;
    return { kind: 'too-soon', session: current, retryAfterMs: wait };
  }
  const { token, issued } = issueToken(request.key, request.threepid.medium, ctx);
  const session: Session = {
    key: request.key,
    generation: continuing ? current.generation : newGeneration(ctx.random),
    purpose: request.purpose,
    threepid: request.threepid,
    clientSecretDigest: request.clientSecretDigest,
    lastSendAttempt: request.sendAttempt,
    sendCount: continuing ? current.sendCount + 1 : 1,
    lastSentAt: ctx.now,
    tokens: [...(continuing ? keptTokens(current, request.threepid.medium, ctx) : []), issued],
    guesses: continuing ? current.guesses : [],
    ...(request.nextLink === undefined ? {} : { nextLink: request.nextLink }),
    ...(request.locale === undefined ? {} : { locale: request.locale }),
    ...(request.decoy ? { decoy: true as const } : {}),
    createdAt: continuing ? current.createdAt : ctx.now,
    expiresAt: recordTtl(ctx.now, ctx.policy),
    version: (current?.version ?? 0) + 1,
  };
  return { kind: 'send', session, token };
}

/** The write that records `token` as a guess at the session a sid names. */
export function guessWrite(
  target: { key: string; generation: string; clientSecretDigest: string | undefined; medium: Medium },
  token: string,
  ctx: Pick<LifecycleContext, 'now' | 'policy' | 'hasher'>,
): GuessWrite {
  return {
    ...target,
    guess: { digest: tokenDigest(ctx.hasher, target.key, normaliseToken(target.medium, token)), at: ctx.now },
    maxGuesses: ctx.policy.maxTokenSubmissions,
  };
}

/**
 * Whether a guess may be recorded: the sid's generation, client_secret and medium match, attempts
 * remain, and the record is within its lifetime. A guess on a validated session is recorded too
 * (a second click), while attempts remain; it changes nothing.
 */
export function canRecordGuess(current: Session | undefined, write: GuessWrite): boolean {
  return (
    current !== undefined &&
    current.generation === write.generation &&
    (write.clientSecretDigest === undefined ||
      sameDigest(current.clientSecretDigest, write.clientSecretDigest)) &&
    current.threepid.medium === write.medium &&
    current.guesses.length < write.maxGuesses &&
    write.guess.at < current.expiresAt
  );
}

export function applyGuess(current: Session, write: GuessWrite): Session {
  return { ...current, guesses: [...current.guesses, write.guess], version: current.version + 1 };
}

/**
 * Whether `token` is one this session sent, live or not: a validated session accepts any of its
 * own tokens again. Every candidate is compared in constant time, whichever matches.
 */
export function sentToken(session: Session, token: string, hasher: SecretHasher): boolean {
  const digest = tokenDigest(hasher, session.key, normaliseToken(session.threepid.medium, token));
  let matched = false;
  for (const issued of session.tokens) matched = sameDigest(issued.digest, digest) || matched;
  return matched;
}

/** The wait a session must keep before sending again, by how many messages it has sent. */
export function spacingFor(session: Session, spacing: SendRequest['spacing']): number {
  if (spacing === undefined) return 0;
  return session.sendCount <= 1 ? spacing[0] : spacing[1];
}

/** Whether a session last sent long enough ago to send again. */
function spacedEnough(session: Session, spacing: SendRequest['spacing'], now: number): boolean {
  return session.lastSentAt + spacingFor(session, spacing) <= now;
}

/** When the record's newest token expires (0 when it has none). */
export function newestTokenExpiry(session: Session): number {
  return Math.max(0, ...session.tokens.map((token) => token.expiresAt));
}

/**
 * The record's TTL: past it, no token, validation or grace period of the record can still matter.
 * It is only for cleaning up; the code decides expiry itself (session-state.ts).
 */
export function recordTtl(now: number, policy: ValidationPolicy): number {
  const longestToken = Math.max(policy.emailTokenLifetimeMs, policy.smsTokenLifetimeMs);
  const last = now + longestToken + policy.validatedSessionLifetimeMs + policy.recordGraceMs;
  return Math.ceil(last / 1000) * 1000;
}

function issueToken(
  key: string,
  medium: Medium,
  ctx: LifecycleContext,
): { token: string; issued: IssuedToken } {
  const token = medium === 'email' ? newEmailToken(ctx.random) : newSmsCode(ctx.random);
  const lifetime = medium === 'email' ? ctx.policy.emailTokenLifetimeMs : ctx.policy.smsTokenLifetimeMs;
  return { token, issued: { digest: tokenDigest(ctx.hasher, key, token), expiresAt: ctx.now + lifetime } };
}

/** Earlier live tokens that survive a resend: a few for email, none for SMS (a new code voids the old). */
function keptTokens(session: Session, medium: Medium, ctx: LifecycleContext): IssuedToken[] {
  if (medium === 'msisdn') return [];
  const live = session.tokens.filter((token) => ctx.now < token.expiresAt);
  return live.slice(Math.max(0, live.length - (ctx.policy.maxLiveEmailTokens - 1)));
}

/**
 * Digests are bound to the record's key, so a digest copied into another record never validates
 * it; a new generation starts with new tokens, so none carries over.
 */
function tokenDigest(hasher: SecretHasher, key: string, token: string): string {
  return hasher.digest('token', `${key}\n${token}`);
}
