/**
 * requestToken: start or continue a session and send its token, honouring send_attempt, within
 * the operator's policy and rate limits. What is the same for every medium lives here;
 * request-email-token.ts and request-msisdn-token.ts say how their addresses are read and judged
 * and their tokens delivered.
 *
 * The order of checks: the request and its address (400s); the operator's policy and kill switch
 * (403, 429), which write nothing; the client's request budget; the directory (which, in uniform
 * mode, only decides between a real session and a decoy); the session's one conditional write,
 * which also settles repeats and resend spacing; the message budgets, narrowest first, charged only
 * now that a message is about to go out (a refusal undoes the session write); then the message.
 */
import { DeliveryError, MatrixError } from './errors.js';
import { type Purpose, type Session, sidOf, type Threepid } from './model.js';
import { checkNextLink } from './next-link.js';
import type { ValidationPolicy } from './policy.js';
import type {
  Clock,
  DomainEvents,
  Logger,
  Random,
  SecretHasher,
  SendingSwitches,
  SessionStore,
  Sleeper,
  ThreepidDirectory,
} from './ports.js';
import {
  type Charge,
  chargeAll,
  chargeInOrder,
  type LimitScope,
  type RateLimiter,
  type RateLimits,
  requestCharge,
  sendCharges,
} from './rate-limits.js';
import { assertClientSecret, sessionKey } from './secrets.js';
import { applySend, planSend, type SendRequest, sendWrite } from './session-lifecycle.js';
import { describeError, sessionLogger } from './session-log.js';

/** The client's networks, as the rate limits key them (functions/http/client-ip.ts). */
export interface ClientNetworks {
  readonly keys: readonly { readonly scope: 'ip' | 'ip48'; readonly value: string }[];
}

interface TokenRequestBase {
  readonly purpose: Purpose;
  readonly clientSecret: string;
  readonly sendAttempt: number;
  readonly nextLink?: string | undefined;
  /**
   * The language the messages and pages should be in: a locale the service has, negotiated from
   * the request's `Accept-Language` by the HTTP layer; undefined for the default.
   */
  readonly locale?: string | undefined;
  readonly client: ClientNetworks;
}
export interface EmailTokenRequest extends TokenRequestBase {
  readonly medium: 'email';
  readonly email: string;
}
export interface MsisdnTokenRequest extends TokenRequestBase {
  readonly medium: 'msisdn';
  readonly country: string;
  readonly phoneNumber: string;
}
export type TokenRequest = EmailTokenRequest | MsisdnTokenRequest;

export interface TokenRequestResult {
  readonly sid: string;
  readonly threepid: Threepid;
  /** False when nothing was sent: a repeated send_attempt, a validated session, or a decoy. */
  readonly sent: boolean;
}

export type RequestToken<R extends TokenRequest, A extends TokenRequestResult = TokenRequestResult> = (
  request: R,
) => Promise<A>;

/** Rate limits, or `off` (local mode only: the configuration refuses it on Lambda). */
export type Limiting = { readonly limiter: RateLimiter; readonly limits: RateLimits } | 'off';

/**
 * Uniform responses: when on, an address whose account state would refuse the request (bound on
 * registration or adding it, unbound on password reset) gets a decoy session that answers exactly
 * like a real one, and every success is answered no earlier than `floorMs` after the request came.
 */
export type UniformResponses =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly floorMs: number;
      readonly sleeper: Sleeper;
      /** Whether a decoy tells the address's owner, by medium and reason. */
      readonly notices: ReadonlySet<`${'email' | 'msisdn'}-${'in-use' | 'no-account'}`>;
    };

/** The ports every requestToken uses; each medium adds its own sender. */
export interface RequestTokenDeps {
  readonly store: Pick<SessionStore, 'load' | 'send' | 'save' | 'remove'>;
  readonly directory: ThreepidDirectory;
  readonly switches: SendingSwitches;
  readonly limiting: Limiting;
  readonly uniform: UniformResponses;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  /** Where sends, refusals, decoys and failures are counted. */
  readonly events: DomainEvents;
  readonly policy: ValidationPolicy;
}

/** What one medium parsed from a request: the canonical address, and what its budgets key on. */
export interface ParsedAddress<Parsed> {
  readonly threepid: Threepid;
  readonly parsed: Parsed;
  /** For SMS: the number's block (E.164 without its last four digits) and region. */
  readonly block?: string;
  readonly region?: string | undefined;
}

/** How one medium reads and judges its address, delivers a token and answers. */
export interface Channel<R extends TokenRequest, Parsed, A extends TokenRequestResult> {
  /** The canonical address, or M_INVALID_PARAM; then the operator's policy, or M_THREEPID_DENIED. */
  parse(request: R): ParsedAddress<Parsed>;
  /** Sends `token` for the session just stored; throws DeliveryError when the provider fails. */
  deliver(session: Session, token: string, clientSecret: string): Promise<void>;
  /** Tells a decoy session's address why no token came, when the operator wants that. */
  notify(session: Session, reason: 'address-in-use' | 'no-account'): Promise<void>;
  answer(base: TokenRequestResult, parsed: Parsed): A;
}

/** requestToken for purposes whose address must already belong to an account. */
const MUST_BE_BOUND: Record<Purpose, boolean> = {
  registration: false,
  password_reset: true,
  add_threepid: false,
  // The homeserver has checked the number is free before it delegates; checking again is safe.
  delegated: false,
};

/** Bounds optimistic-concurrency retries; only a flood of writers to one record ever gets near it. */
const MAX_WRITE_ROUNDS = 8;

type Written =
  | { readonly kind: 'repeat'; readonly session: Session }
  | {
      readonly kind: 'send';
      readonly session: Session;
      readonly token: string;
      readonly previous: Session | undefined;
      readonly newGeneration: boolean;
    };

export function makeRequestToken<R extends TokenRequest, Parsed, A extends TokenRequestResult>(
  deps: RequestTokenDeps,
  channel: Channel<R, Parsed, A>,
): RequestToken<R, A> {
  const { store, hasher, policy, clock, limiting, uniform, events } = deps;
  const log = sessionLogger(deps.logger, hasher);
  const rateKey = (...parts: string[]) => hasher.digest('rate-key', parts.join('\n')).slice(0, 32);

  const limited = (
    scope: LimitScope,
    retryAfterMs: number,
    medium: Threepid['medium'],
    attributes: Record<string, unknown> = {},
  ) => {
    deps.logger.warn('Rate limited', { scope, retryAfterMs, medium, ...attributes });
    events.record({ kind: 'rate-limited', medium, scope });
    return MatrixError.limitExceeded(retryAfterMs);
  };

  /** The address as the medium reads it; a refusal by the operator's policy is counted. */
  const parse = (request: R): ParsedAddress<Parsed> => {
    try {
      return channel.parse(request);
    } catch (error) {
      if (error instanceof MatrixError && error.errcode === 'M_THREEPID_DENIED') {
        events.record({ kind: 'policy-refused', medium: request.medium, purpose: request.purpose });
      }
      throw error;
    }
  };

  const rollBack = async (written: Session, previous: Session | undefined) => {
    try {
      const restored = previous
        ? await store.save({ ...previous, version: written.version + 1 }, written.version)
        : await store.remove(written.key, written.version);
      if (!restored) log('warn', 'Session changed before it could be restored', written);
    } catch (error) {
      log('error', 'Restoring the session failed', written, { error: describeError(error) });
    }
  };

  /**
   * The session's one conditional write: in place where it can (no read), else from the record as
   * read, by the rules of session-state.ts. Resend spacing is part of it.
   */
  const writeSession = async (request: SendRequest): Promise<Written> => {
    const context = () => ({ now: clock.now(), policy, random: deps.random, hasher });
    const { write, token } = sendWrite(request, context());
    const outcome = await store.send(write);
    if (outcome.written) {
      const session = applySend(outcome.before, write);
      return {
        kind: 'send',
        session,
        token,
        previous: outcome.before,
        newGeneration: outcome.before === undefined,
      };
    }
    let current = outcome.current;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      if (round > 0) current = await store.load(request.key);
      const plan = planSend(current, request, context());
      if (plan.kind === 'repeat') return plan;
      if (plan.kind === 'too-soon') {
        throw limited('session', plan.retryAfterMs, request.threepid.medium);
      }
      if (!(await store.save(plan.session, current?.version))) continue;
      const newGeneration = current === undefined || current.generation !== plan.session.generation;
      return { kind: 'send', session: plan.session, token: plan.token, previous: current, newGeneration };
    }
    throw new Error('Gave up writing a validation session: too many concurrent writers.');
  };

  /** Sends the token (or, for a decoy, the notice, if any); a failure restores the record. */
  const deliver = async (
    written: Written & { kind: 'send' },
    request: R,
    reason: 'address-in-use' | 'no-account',
    region: string | undefined,
  ) => {
    const { session } = written;
    try {
      if (!session.decoy) await channel.deliver(session, written.token, request.clientSecret);
      else if (
        uniform.enabled &&
        uniform.notices.has(
          `${session.threepid.medium}-${reason === 'address-in-use' ? 'in-use' : 'no-account'}`,
        )
      ) {
        await channel.notify(session, reason);
      }
    } catch (error) {
      await rollBack(session, written.previous);
      log('error', 'Sending the token failed; session restored', session, { error: describeError(error) });
      events.record({
        kind: 'delivery-failed',
        medium: session.threepid.medium,
        purpose: session.purpose,
        errorClass: error instanceof DeliveryError ? error.errorClass : 'Unexpected',
      });
      if (error instanceof DeliveryError) {
        throw MatrixError.deliveryFailed(session.threepid.medium, error.permanent, error);
      }
      throw error;
    }
    log('info', session.decoy ? 'Decoy session answered' : 'Token sent', session, {
      sendAttempt: session.lastSendAttempt,
      sendCount: session.sendCount,
      // The country is not personal data, and SMS costs and abuse are counted by it.
      ...(region ? { country: region } : {}),
    });
    const { medium } = session.threepid;
    events.record(
      session.decoy
        ? { kind: 'decoy-answered', medium, purpose: session.purpose }
        : { kind: 'token-sent', medium, purpose: session.purpose, ...(region ? { country: region } : {}) },
    );
  };

  return async (request) => {
    const started = clock.now();
    assertClientSecret(request.clientSecret);
    const address = parse(request);
    const { threepid } = address;
    const nextLink =
      request.nextLink === undefined
        ? undefined
        : checkNextLink(request.nextLink, policy.nextLinkAllowedHosts);

    const switched = await deps.switches.check(threepid.medium, clock.now());
    if (switched.off) {
      throw limited('switch', switched.until - clock.now(), threepid.medium);
    }
    if (limiting !== 'off') {
      const charges = request.client.keys.map((key) =>
        requestCharge(key.scope, rateKey('client', threepid.medium, key.value), limiting.limits),
      );
      const refusal = await chargeAll(limiting.limiter, charges, clock.now());
      if (refusal) throw limited(refusal.scope, refusal.retryAfterMs, threepid.medium);
    }

    const bound = (await deps.directory.findUserId(threepid)) !== undefined;
    const refused = MUST_BE_BOUND[request.purpose] !== bound;
    if (refused && !uniform.enabled) {
      throw bound ? MatrixError.threepidInUse() : MatrixError.threepidNotFound();
    }
    const reason = bound ? 'address-in-use' : 'no-account';

    const written = await writeSession({
      key: sessionKey(hasher, request.purpose, threepid, request.clientSecret),
      purpose: request.purpose,
      threepid,
      clientSecretDigest: hasher.digest('client-secret', request.clientSecret),
      sendAttempt: request.sendAttempt,
      nextLink,
      locale: request.locale,
      decoy: refused,
      spacing: limiting === 'off' ? undefined : limiting.limits.resendSpacingMs,
    });
    if (written.kind === 'repeat') {
      log('info', 'Repeated send_attempt; nothing sent', written.session);
    } else {
      const refusal = await chargeForSend(address, threepid, written);
      if (refusal) {
        throw limited(
          refusal.scope,
          refusal.retryAfterMs,
          threepid.medium,
          address.region ? { country: address.region } : {},
        );
      }
      await deliver(written, request, reason, address.region);
    }
    const answer = channel.answer(
      { sid: sidOf(written.session), threepid, sent: written.kind === 'send' && !written.session.decoy },
      address.parsed,
    );
    if (uniform.enabled) await holdUntilFloor(started, threepid.medium);
    return answer;
  };

  /**
   * Charges the message budgets for the session just written. A refusal, or a failure to charge
   * (the store did not answer: never send unmetered), takes the session write back, so a retry with
   * the same send_attempt is not mistaken for a repeat.
   */
  async function chargeForSend(
    address: ParsedAddress<Parsed>,
    threepid: Threepid,
    written: Written & { kind: 'send' },
  ) {
    if (limiting === 'off') return undefined;
    try {
      const refusal = await chargeInOrder(
        limiting.limiter,
        sendChargesFor(address, threepid, written.newGeneration),
        clock.now(),
      );
      if (refusal) await rollBack(written.session, written.previous);
      return refusal;
    } catch (error) {
      await rollBack(written.session, written.previous);
      throw error;
    }
  }

  function sendChargesFor(
    address: ParsedAddress<Parsed>,
    threepid: Threepid,
    newGeneration: boolean,
  ): Charge[] {
    if (limiting === 'off') return [];
    return sendCharges(
      {
        medium: threepid.medium,
        addressKey: rateKey('address', threepid.medium, threepid.address),
        blockKey: address.block === undefined ? undefined : rateKey('block', address.block),
        region: address.region,
        reservedGuesses: newGeneration ? policy.maxTokenSubmissions : 0,
      },
      limiting.limits,
    );
  }

  /** Answers no earlier than the floor, so the time taken says nothing about the account state. */
  async function holdUntilFloor(started: number, medium: Threepid['medium']): Promise<void> {
    if (!uniform.enabled) return;
    const floor = started + uniform.floorMs;
    if (clock.now() > floor) {
      deps.logger.warn('ResponseFloorExceeded', { overByMs: clock.now() - floor, floorMs: uniform.floorMs });
      events.record({ kind: 'response-floor-exceeded', medium });
      return;
    }
    await uniform.sleeper.sleepUntil(floor);
  }
}
