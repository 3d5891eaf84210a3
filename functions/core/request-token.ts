/**
 * requestToken: start or continue a session and send its token, honouring send_attempt. What is
 * the same for every medium lives here; request-email-token.ts and request-msisdn-token.ts say how
 * their addresses are read and their tokens delivered.
 */
import { DeliveryError, MatrixError } from './errors.js';
import { type Purpose, type Session, sidOf, type Threepid } from './model.js';
import { checkNextLink } from './next-link.js';
import type { ValidationPolicy } from './policy.js';
import type { Clock, Logger, Random, SecretHasher, SessionStore, ThreepidDirectory } from './ports.js';
import { assertClientSecret, sessionKey } from './secrets.js';
import { applySend, planSend, sendWrite } from './session-lifecycle.js';
import { describeError, sessionLogger } from './session-log.js';

interface TokenRequestBase {
  readonly purpose: Purpose;
  readonly clientSecret: string;
  readonly sendAttempt: number;
  readonly nextLink?: string | undefined;
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
  /** False when a repeated send_attempt was answered without sending. */
  readonly sent: boolean;
}

export type RequestToken<R extends TokenRequest, A extends TokenRequestResult = TokenRequestResult> = (
  request: R,
) => Promise<A>;

/** The ports every requestToken uses; each medium adds its own sender. */
export interface RequestTokenDeps {
  readonly store: Pick<SessionStore, 'load' | 'send' | 'save' | 'remove'>;
  readonly directory: ThreepidDirectory;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  readonly policy: ValidationPolicy;
}

/** How one medium reads its address, delivers a token and answers. */
export interface Channel<R extends TokenRequest, Parsed, A extends TokenRequestResult> {
  /** The canonical address (and anything else parsed from it), or M_INVALID_PARAM. */
  parse(request: R): { readonly threepid: Threepid; readonly parsed: Parsed };
  /** Sends `token` for the session just stored; throws DeliveryError when the provider fails. */
  deliver(session: Session, token: string, clientSecret: string): Promise<void>;
  answer(base: TokenRequestResult, parsed: Parsed): A;
}

/** requestToken for purposes whose address must already belong to an account. */
const MUST_BE_BOUND: Record<Purpose, boolean> = {
  registration: false,
  password_reset: true,
  add_threepid: false,
};

/** Bounds optimistic-concurrency retries; only a flood of writers to one record ever gets near it. */
const MAX_WRITE_ROUNDS = 8;

export function makeRequestToken<R extends TokenRequest, Parsed, A extends TokenRequestResult>(
  deps: RequestTokenDeps,
  channel: Channel<R, Parsed, A>,
): RequestToken<R, A> {
  const { store, hasher, policy, clock } = deps;
  const log = sessionLogger(deps.logger, hasher);

  /**
   * Sends the token just stored. If sending fails, the record goes back to what it was, so a retry
   * with the same send_attempt sends again and an earlier email's link keeps working.
   */
  const deliver = async (session: Session, token: string, clientSecret: string, previous?: Session) => {
    try {
      await channel.deliver(session, token, clientSecret);
    } catch (error) {
      await rollBack(session, previous);
      log('error', 'Sending the token failed; session restored', session, { error: describeError(error) });
      if (error instanceof DeliveryError) {
        throw MatrixError.deliveryFailed(session.threepid.medium, error.permanent, error);
      }
      throw error;
    }
    log('info', 'Token sent', session, {
      sendAttempt: session.lastSendAttempt,
      sendCount: session.sendCount,
    });
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

  return async (request) => {
    assertClientSecret(request.clientSecret);
    const { threepid, parsed } = channel.parse(request);
    const nextLink =
      request.nextLink === undefined
        ? undefined
        : checkNextLink(request.nextLink, policy.nextLinkAllowedHosts);
    const bound = (await deps.directory.findUserId(threepid)) !== undefined;
    if (MUST_BE_BOUND[request.purpose] && !bound) throw MatrixError.threepidNotFound();
    if (!MUST_BE_BOUND[request.purpose] && bound) throw MatrixError.threepidInUse();

    const sendRequest = {
      key: sessionKey(hasher, request.purpose, threepid, request.clientSecret),
      purpose: request.purpose,
      threepid,
      clientSecretDigest: hasher.digest('client-secret', request.clientSecret),
      sendAttempt: request.sendAttempt,
      nextLink,
    };
    const context = () => ({ now: clock.now(), policy, random: deps.random, hasher });
    // Most requests start a session or resend in one nobody has answered yet: one conditional
    // write, no read. The write's refusal carries the record, for the full path below.
    const { write, token } = sendWrite(sendRequest, context());
    const outcome = await store.send(write);
    if (outcome.written) {
      const session = applySend(outcome.before, write);
      await deliver(session, token, request.clientSecret, outcome.before);
      return channel.answer({ sid: sidOf(session), threepid, sent: true }, parsed);
    }
    let current = outcome.current;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      if (round > 0) current = await store.load(sendRequest.key);
      const plan = planSend(current, sendRequest, context());
      if (plan.kind === 'repeat') {
        log('info', 'Repeated send_attempt; nothing sent', plan.session);
        return channel.answer({ sid: sidOf(plan.session), threepid, sent: false }, parsed);
      }
      if (!(await store.save(plan.session, current?.version))) continue;
      await deliver(plan.session, plan.token, request.clientSecret, current);
      return channel.answer({ sid: sidOf(plan.session), threepid, sent: true }, parsed);
    }
    throw new Error('Gave up writing a validation session: too many concurrent writers.');
  };
}
