import { canonicalEmail, type PhoneNumber, parsePhoneNumber } from './canonical.js';
import { DeliveryError, MatrixError } from './errors.js';
import {
  type Medium,
  type Purpose,
  parseSid,
  type Session,
  type SessionStatus,
  sessionStatus,
  sidOf,
  type Threepid,
} from './model.js';
import { appendSid, checkNextLink, isAllowedNextLink } from './next-link.js';
import type { ValidationPolicy } from './policy.js';
import type {
  Clock,
  EmailSender,
  Logger,
  Random,
  SecretHasher,
  SessionStore,
  SmsSender,
  ThreepidDirectory,
  ValidationLinks,
} from './ports.js';
import { assertClientSecret, assertSid, assertToken, sessionKey } from './secrets.js';
import {
  type LifecycleContext,
  markValidated,
  planSend,
  type SendPlan,
  tokenMatches,
} from './session-lifecycle.js';

export interface ValidationDeps {
  readonly store: SessionStore;
  readonly email: EmailSender;
  readonly sms: SmsSender;
  readonly directory: ThreepidDirectory;
  readonly links: ValidationLinks;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  readonly policy: ValidationPolicy;
}

interface TokenRequestBase {
  readonly purpose: Purpose;
  readonly clientSecret: string;
  readonly sendAttempt: number;
  readonly nextLink?: string | undefined;
}
export type TokenRequest =
  | (TokenRequestBase & { readonly medium: 'email'; readonly email: string })
  | (TokenRequestBase & {
      readonly medium: 'msisdn';
      readonly country: string;
      readonly phoneNumber: string;
    });

export interface TokenRequestResult {
  readonly sid: string;
  readonly threepid: Threepid;
  /** False when a repeated send_attempt was answered without sending. */
  readonly sent: boolean;
  /** For msisdn: the parsed number and where the client submits the code. */
  readonly phone?: PhoneNumber;
  readonly submitUrl?: string;
}

export interface TokenSubmission {
  readonly sid: string;
  readonly clientSecret: string;
  readonly token: string;
  /** The medium the route is for, when it names one. */
  readonly medium?: Medium;
}

export interface SubmissionResult {
  readonly purpose: Purpose;
  /** Where to send the user's browser: next_link with the sid appended, when it is still allowed. */
  readonly nextLink?: string;
  readonly alreadyValidated: boolean;
}

export interface ValidatedThreepid {
  readonly medium: Medium;
  readonly address: string;
  readonly validatedAt: number;
  readonly purpose: Purpose;
}

export interface SessionPreview {
  readonly purpose: Purpose;
  readonly validated: boolean;
}

/** requestToken for purposes whose address must already belong to an account. */
const MUST_BE_BOUND: Record<Purpose, boolean> = {
  registration: false,
  password_reset: true,
  add_threepid: false,
};

/** Bounds optimistic-concurrency retries; only a flood of writers to one record ever gets near it. */
const MAX_WRITE_ROUNDS = 8;

/** The use cases of 3PID validation. One instance per container; it holds no per-request state. */
export class ThreepidValidation {
  // Compared against when a session is missing, so a miss costs the same as a wrong secret.
  private readonly decoyDigest: string;

  constructor(private readonly deps: ValidationDeps) {
    this.decoyDigest = deps.hasher.digest('client-secret', 'decoy');
  }

  /** Starts or continues a session and sends the token, honouring send_attempt. */
  async requestToken(request: TokenRequest): Promise<TokenRequestResult> {
    const { store, hasher, policy } = this.deps;
    assertClientSecret(request.clientSecret);
    const { threepid, phone } = this.resolveAddress(request);
    const nextLink =
      request.nextLink === undefined
        ? undefined
        : checkNextLink(request.nextLink, policy.nextLinkAllowedHosts);
    await this.checkDirectory(request.purpose, threepid);

    const sendRequest = {
      key: sessionKey(hasher, request.purpose, threepid, request.clientSecret),
      purpose: request.purpose,
      threepid,
      clientSecretDigest: hasher.digest('client-secret', request.clientSecret),
      sendAttempt: request.sendAttempt,
      nextLink,
    };
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await store.load(sendRequest.key);
      const plan = planSend(current, sendRequest, this.context());
      if (plan.kind === 'repeat') {
        this.log('info', 'Repeated send_attempt; nothing sent', plan.session);
        return this.tokenResult(plan.session, false, phone);
      }
      if (!(await store.save(plan.session, current?.version))) continue;
      await this.deliver(plan, request.clientSecret, current);
      return this.tokenResult(plan.session, true, phone);
    }
    throw new Error('Gave up writing a validation session: too many concurrent writers.');
  }

  /** Checks a submitted token; on success the session is validated (at most once). */
  async submitToken(submission: TokenSubmission): Promise<SubmissionResult> {
    const { store, policy, hasher } = this.deps;
    assertToken(submission.token);
    let counted = false;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      let session = await this.findSession(submission);
      const status = sessionStatus(session, this.deps.clock.now(), policy);
      if (status === 'validated') return this.confirmAgain(session, submission.token);
      // Once this attempt is counted, later guesses filling the limit must not void it.
      if (!(status === 'awaiting' || (counted && status === 'locked'))) throw expiredError(status);
      if (!counted) {
        // Count the attempt before looking at the token, so concurrent guesses cannot outrun the limit.
        const updated = await store.countSubmission(
          session.key,
          session.generation,
          policy.maxTokenSubmissions,
        );
        if (!updated) continue; // validated, locked out or restarted meanwhile: look again
        counted = true;
        session = updated;
      }
      const now = this.deps.clock.now();
      if (!tokenMatches(session, submission.token, { now, hasher }, false)) {
        this.log('warn', 'Incorrect token submitted', session, { submissions: session.submissions });
        throw MatrixError.tokenIncorrect(policy.maxTokenSubmissions - session.submissions);
      }
      if (await store.save(markValidated(session, now, policy), session.version)) {
        this.log('info', 'Session validated', session);
        return this.submissionResult(session, false);
      }
      // Another write landed between counting and validating: look again, without counting twice.
    }
    throw new Error('Gave up validating a session: too many concurrent writers.');
  }

  /** What the emailed link's page should say. Reads only; never validates and never checks the token. */
  async previewSession(sid: string, clientSecret: string): Promise<SessionPreview> {
    const session = this.ensureUsable(await this.findSession({ sid, clientSecret, medium: 'email' }));
    return { purpose: session.purpose, validated: session.validatedAt !== undefined };
  }

  /** The homeserver's question: has this session been validated, and for which address? */
  async getValidatedThreepid(sid: string, clientSecret: string): Promise<ValidatedThreepid> {
    const session = await this.findSession({ sid, clientSecret });
    const status = sessionStatus(session, this.deps.clock.now(), this.deps.policy);
    if (status === 'awaiting') throw MatrixError.sessionNotValidated();
    if (status !== 'validated' || session.validatedAt === undefined) throw expiredError(status);
    return {
      medium: session.threepid.medium,
      address: session.threepid.address,
      validatedAt: session.validatedAt,
      purpose: session.purpose,
    };
  }

  private resolveAddress(request: TokenRequest): { threepid: Threepid; phone?: PhoneNumber } {
    if (request.medium === 'email') {
      return { threepid: { medium: 'email', address: canonicalEmail(request.email) } };
    }
    const phone = parsePhoneNumber(request.country, request.phoneNumber);
    return { threepid: { medium: 'msisdn', address: phone.msisdn }, phone };
  }

  private async checkDirectory(purpose: Purpose, threepid: Threepid): Promise<void> {
    const bound = (await this.deps.directory.findUserId(threepid)) !== undefined;
    if (MUST_BE_BOUND[purpose] && !bound) throw MatrixError.threepidNotFound();
    if (!MUST_BE_BOUND[purpose] && bound) throw MatrixError.threepidInUse();
  }

  /**
   * Sends the token just stored. If sending fails, the record goes back to what it was, so a retry
   * with the same send_attempt sends again and an earlier email's link keeps working.
   */
  private async deliver(
    plan: SendPlan & { kind: 'send' },
    clientSecret: string,
    previous: Session | undefined,
  ) {
    const { session, token } = plan;
    const { policy } = this.deps;
    const sid = sidOf(session);
    try {
      if (session.threepid.medium === 'email') {
        await this.deps.email.sendValidationEmail({
          to: session.threepid.address,
          purpose: session.purpose,
          link: this.deps.links.emailConfirmation({ sid, clientSecret, token }),
          validForMs: policy.emailTokenLifetimeMs,
        });
      } else {
        await this.deps.sms.sendValidationSms({
          to: `+${session.threepid.address}`,
          purpose: session.purpose,
          code: token,
          validForMs: policy.smsTokenLifetimeMs,
        });
      }
    } catch (error) {
      await this.rollBack(session, previous);
      this.log('error', 'Sending the token failed; session restored', session, { error: describe(error) });
      if (error instanceof DeliveryError)
        throw MatrixError.deliveryFailed(session.threepid.medium, error.permanent, error);
      throw error;
    }
    this.log('info', 'Token sent', session, {
      sendAttempt: session.lastSendAttempt,
      sendCount: session.sendCount,
    });
  }

  private async rollBack(written: Session, previous: Session | undefined): Promise<void> {
    const { store } = this.deps;
    try {
      const restored = previous
        ? await store.save({ ...previous, version: written.version + 1 }, written.version)
        : await store.remove(written.key, written.version);
      if (!restored) this.log('warn', 'Session changed before it could be restored', written);
    } catch (error) {
      this.log('error', 'Restoring the session failed', written, { error: describe(error) });
    }
  }

  /** Loads the session a sid names and checks the client_secret; every miss looks the same. */
  private async findSession(query: {
    sid: string;
    clientSecret: string;
    medium?: Medium | undefined;
  }): Promise<Session> {
    assertSid(query.sid);
    assertClientSecret(query.clientSecret);
    const parsed = parseSid(query.sid);
    const session = parsed ? await this.deps.store.load(parsed.key) : undefined;
    const secretMatches = this.deps.hasher.matches(
      'client-secret',
      query.clientSecret,
      session?.clientSecretDigest ?? this.decoyDigest,
    );
    const usable =
      session !== undefined &&
      secretMatches &&
      session.generation === parsed?.generation &&
      (query.medium === undefined || query.medium === session.threepid.medium) &&
      sessionStatus(session, this.deps.clock.now(), this.deps.policy) !== 'gone';
    if (!usable) throw MatrixError.noValidSession();
    return session;
  }

  /** Passes sessions that are awaiting validation or validated; explains every other state. */
  private ensureUsable(session: Session): Session {
    const status = sessionStatus(session, this.deps.clock.now(), this.deps.policy);
    if (status === 'awaiting' || status === 'validated') return session;
    throw expiredError(status);
  }

  /** A validated session accepts its own token again (a second click), without another write. */
  private confirmAgain(session: Session, token: string): SubmissionResult {
    if (!tokenMatches(session, token, { now: this.deps.clock.now(), hasher: this.deps.hasher }, true)) {
      throw MatrixError.tokenIncorrect();
    }
    return this.submissionResult(session, true);
  }

  private submissionResult(session: Session, alreadyValidated: boolean): SubmissionResult {
    const { nextLink } = session;
    const usable =
      nextLink !== undefined && isAllowedNextLink(nextLink, this.deps.policy.nextLinkAllowedHosts);
    return {
      purpose: session.purpose,
      alreadyValidated,
      ...(usable ? { nextLink: appendSid(nextLink, sidOf(session)) } : {}),
    };
  }

  private tokenResult(session: Session, sent: boolean, phone: PhoneNumber | undefined): TokenRequestResult {
    const base = { sid: sidOf(session), threepid: session.threepid, sent };
    return phone ? { ...base, phone, submitUrl: this.deps.links.submitUrl('msisdn') } : base;
  }

  private context(): LifecycleContext {
    const { clock, policy, random, hasher } = this.deps;
    return { now: clock.now(), policy, random, hasher };
  }

  /** Logs with a keyed fingerprint of the address, never the address, token or secret. */
  private log(
    level: 'info' | 'warn' | 'error',
    message: string,
    session: Session,
    extra: Record<string, unknown> = {},
  ): void {
    this.deps.logger[level](message, {
      purpose: session.purpose,
      medium: session.threepid.medium,
      threepid: this.deps.hasher.digest('log-fingerprint', session.threepid.address).slice(0, 12),
      ...extra,
    });
  }
}

function expiredError(status: SessionStatus): MatrixError {
  if (status === 'locked' || status === 'validation_expired') return MatrixError.sessionExpired(status);
  return MatrixError.sessionExpired('token_expired');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
