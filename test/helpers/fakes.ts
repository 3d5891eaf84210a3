import { DeliveryError, MatrixError } from '../../functions/core/errors.js';
import type { Medium } from '../../functions/core/model.js';
import type {
  AccountAdmin,
  DomainEvent,
  DomainEvents,
  EmailSender,
  HomeserverSession,
  HomeserverSessions,
  Logger,
  Notice,
  SendingSwitches,
  Sleeper,
  SmsSender,
  SwitchState,
  ValidationEmail,
  ValidationSms,
} from '../../functions/core/ports.js';

/** Keeps what would have been sent; can be told to fail the next sends. */
export class RecordingSenders implements EmailSender, SmsSender {
  readonly emails: ValidationEmail[] = [];
  readonly sms: ValidationSms[] = [];
  /** Notices a decoy session sent, by medium. */
  readonly notices: { medium: 'email' | 'msisdn'; notice: Notice }[] = [];
  private failures: Error[] = [];

  failNext(error: Error = new DeliveryError(false, 'provider unavailable'), times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(error);
  }

  async sendValidationEmail(email: ValidationEmail): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.emails.push(email);
  }

  async sendValidationSms(sms: ValidationSms): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sms.push(sms);
  }

  async sendNoticeEmail(notice: Notice): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.notices.push({ medium: 'email', notice });
  }

  async sendNoticeSms(notice: Notice): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.notices.push({ medium: 'msisdn', notice });
  }

  /** The token in the newest emailed link. */
  lastEmailToken(): string {
    const link = this.emails.at(-1)?.link;
    if (!link) throw new Error('no email was sent');
    return new URL(link).searchParams.get('token') ?? '';
  }

  lastSmsCode(): string {
    const code = this.sms.at(-1)?.code;
    if (!code) throw new Error('no SMS was sent');
    return code;
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly attributes: Record<string, unknown>[];
}

/** Keeps every log line, to check what is (and is never) logged. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];

  debug(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'debug', message, attributes });
  }

  info(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'info', message, attributes });
  }

  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'warn', message, attributes });
  }

  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.lines.push({ level: 'error', message, attributes });
  }

  text(): string {
    return JSON.stringify(this.lines);
  }
}

/** The kill switch, turned by the test. */
export class FakeSendingSwitches implements SendingSwitches {
  private readonly offUntil = new Map<Medium, number>();

  turnOff(medium: Medium, until: number): void {
    this.offUntil.set(medium, until);
  }

  async check(medium: Medium, now: number): Promise<SwitchState> {
    const until = this.offUntil.get(medium);
    return until !== undefined && until > now ? { off: true, until } : { off: false };
  }
}

/** A sleeper that moves a manual clock instead of waiting, and remembers when it was asked to wake. */
export class FakeSleeper implements Sleeper {
  readonly wakes: number[] = [];

  constructor(private readonly clock: { now(): number; advance(ms: number): void }) {}

  async sleepUntil(epochMs: number): Promise<void> {
    this.wakes.push(epochMs);
    if (epochMs > this.clock.now()) this.clock.advance(epochMs - this.clock.now());
  }
}

/** The homeserver's admin API as core sees it: keeps every reset; can be told to fail the next. */
export class RecordingAccountAdmin implements AccountAdmin {
  readonly resets: { userId: string; newPassword: string; logoutDevices: boolean }[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures += times;
  }

  async resetPassword(userId: string, newPassword: string, logoutDevices: boolean): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw MatrixError.unavailable('The homeserver');
    }
    this.resets.push({ userId, newPassword, logoutDevices });
  }
}

/** The homeserver's copy of email sessions (Synapse's module), kept here; can be told to fail. */
export class RecordingHomeserverSessions implements HomeserverSessions {
  readonly calls: (
    | { action: 'started'; session: HomeserverSession & { clientSecret: string; sendAttempt: number } }
    | { action: 'validated'; session: { sid: string; validatedAt: number; usableUntil: number } }
  )[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures += times;
  }

  async started(session: HomeserverSession & { clientSecret: string; sendAttempt: number }): Promise<void> {
    this.fail();
    this.calls.push({ action: 'started', session });
  }

  async validated(session: { sid: string; validatedAt: number; usableUntil: number }): Promise<void> {
    this.fail();
    this.calls.push({ action: 'validated', session });
  }

  private fail(): void {
    if (this.failures > 0) {
      this.failures--;
      throw MatrixError.unavailable('The homeserver');
    }
  }
}

/** Keeps every domain event, in order, as the metrics adapters would have received them. */
export class RecordingEvents implements DomainEvents {
  readonly events: DomainEvent[] = [];

  record(event: DomainEvent): void {
    this.events.push(event);
  }

  /** The events of one kind. */
  of<K extends DomainEvent['kind']>(kind: K): Extract<DomainEvent, { kind: K }>[] {
    return this.events.filter((event): event is Extract<DomainEvent, { kind: K }> => event.kind === kind);
  }
}
