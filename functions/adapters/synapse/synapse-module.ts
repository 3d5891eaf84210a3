import { createHmac } from 'node:crypto';
import { MatrixError } from '../../core/errors.js';
import type { HomeserverSession, HomeserverSessions } from '../../core/ports.js';
import { untilDeadline } from '../deadline.js';

export interface SynapseModuleOptions {
  /** The module's resource, e.g. `http://synapse:8008/_synapse/client/matrix_3pid/session`. */
  readonly url: string;
  /** The secret shared with the module (at least 32 characters). */
  readonly secret: string;
  /** How long one call may take: short, since a request waits on it. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Epoch milliseconds; the module refuses a timestamp outside its replay window. */
  readonly now?: () => number;
}

/**
 * Synapse's side of an email session, through the module in synapse-module/: `create` when the
 * session starts or is sent again, `validate` when it is validated. Each request is signed
 * (`X-Matrix-3PID-Signature: sha256=HMAC(secret, timestamp + "." + body)`) with the current time
 * (`X-Matrix-3PID-Timestamp`), which the module checks against its replay window. Anything but a
 * clear answer fails closed with 503.
 */
export class SynapseModuleSessions implements HomeserverSessions {
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: SynapseModuleOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  async started(
    session: HomeserverSession & { readonly clientSecret: string; readonly sendAttempt: number },
  ): Promise<void> {
    const status = await this.post({
      action: 'create',
      sid: session.sid,
      medium: session.threepid.medium,
      address: session.threepid.address,
      client_secret: session.clientSecret,
      send_attempt: session.sendAttempt,
      expires_at_ms: session.usableUntil,
    });
    if (status !== 200) throw MatrixError.unavailable('The homeserver');
  }

  async validated(
    session: Pick<HomeserverSession, 'sid' | 'usableUntil'> & { readonly validatedAt: number },
  ): Promise<void> {
    const status = await this.post({
      action: 'validate',
      sid: session.sid,
      validated_at_ms: session.validatedAt,
      expires_at_ms: session.usableUntil,
    });
    // 404: Synapse has no such session any more, because it used it up (a registration went
    // through). There is nothing left to tell it.
    if (status !== 200 && status !== 404) throw MatrixError.unavailable('The homeserver');
  }

  private async post(body: Record<string, unknown>): Promise<number> {
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(this.now() / 1000));
    const signature = createHmac('sha256', this.options.secret).update(`${timestamp}.${raw}`).digest('hex');
    const deadline = untilDeadline().abortSignal;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetch(this.options.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Matrix-3PID-Timestamp': timestamp,
          'X-Matrix-3PID-Signature': `sha256=${signature}`,
        },
        body: raw,
        signal: deadline ? AbortSignal.any([timeout, deadline]) : timeout,
      });
      // The body is read so the connection can be reused; its content says nothing more.
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } catch {
      throw MatrixError.unavailable('The homeserver');
    }
  }
}
