import { MatrixError } from '../../core/errors.js';
import type { Threepid } from '../../core/model.js';
import type { AccountAdmin, ThreepidDirectory } from '../../core/ports.js';
import { untilDeadline } from '../deadline.js';

export interface SynapseAdminOptions {
  /** Where Synapse's admin API is (`/_synapse/admin/…` below it), e.g. `http://synapse:8008/`. */
  readonly baseUrl: string;
  /** An access token of a server admin; on Lambda read from Secrets Manager at cold start. */
  readonly accessToken: string;
  /** How long one call may take: short, since a request waits on it. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * The homeserver's own answers, from Synapse's admin API: which account an address belongs to
 * (`GET /_synapse/admin/v1/threepid/{medium}/users/{address}`, Synapse 1.72+, also served by
 * tuwunel for email), and a password reset (`POST /_synapse/admin/v1/reset_password/{user_id}`).
 * Anything but a clear answer fails closed with 503: "not bound" is never assumed, nor cached.
 */
export class SynapseAdmin implements ThreepidDirectory, AccountAdmin {
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SynapseAdminOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async findUserId(threepid: Threepid): Promise<string | undefined> {
    // The address is already canonical: email case-folded, msisdn E.164 digits without `+`.
    const path = `_synapse/admin/v1/threepid/${threepid.medium}/users/${encodeURIComponent(threepid.address)}`;
    const response = await this.call('GET', path);
    if (response.status === 404) {
      const body = await response.json().catch(() => ({}));
      if ((body as { errcode?: unknown }).errcode === 'M_NOT_FOUND') return undefined;
    }
    if (response.status === 200) {
      const userId = ((await response.json().catch(() => ({}))) as { user_id?: unknown }).user_id;
      if (typeof userId === 'string' && userId.startsWith('@')) return userId;
    }
    throw MatrixError.unavailable('The homeserver');
  }

  async resetPassword(userId: string, newPassword: string, logoutDevices: boolean): Promise<void> {
    const response = await this.call(
      'POST',
      `_synapse/admin/v1/reset_password/${encodeURIComponent(userId)}`,
      {
        new_password: newPassword,
        logout_devices: logoutDevices,
      },
    );
    if (response.status !== 200) throw MatrixError.unavailable('The homeserver');
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const deadline = untilDeadline().abortSignal;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: {
          Authorization: `Bearer ${this.options.accessToken}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: deadline ? AbortSignal.any([timeout, deadline]) : timeout,
      });
    } catch {
      // Unreachable, refused, timed out: the homeserver cannot answer, so nothing goes ahead.
      throw MatrixError.unavailable('The homeserver');
    }
  }
}
