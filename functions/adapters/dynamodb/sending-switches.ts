import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Medium } from '../../core/model.js';
import type { Clock, SendingSwitches, SwitchState } from '../../core/ports.js';
import { untilDeadline } from '../deadline.js';
import { PARTITION_KEY } from './table.js';

/** The item that turns sending off, and how long a container trusts what it read. */
export const SWITCHES_KEY = 'cfg#switches';
export const SWITCHES_CACHE_MS = 30_000;
/** How long sending stays off when the item gives no `until`. */
const DEFAULT_OFF_MS = 60 * 60_000;

interface SwitchesItem {
  readonly sms?: string;
  readonly email?: string;
  /** Epoch seconds until which the switch holds; past it, sending is on again. */
  readonly until?: number;
  readonly reason?: string;
}

/**
 * The kill switch: an item `cfg#switches` in the table, `{"sms": "off", "email": "on", "until":
 * <epoch seconds>, "reason": "…"}`, turned with one `aws dynamodb put-item`, no deploy. Read
 * eventually consistently and cached per container for at most 30 seconds, so a flood costs one
 * read per container per half minute. A read that fails keeps sending off: no unmetered send.
 */
export class DynamoDbSendingSwitches implements SendingSwitches {
  private cached: { item: SwitchesItem | undefined; readAt: number } | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async check(medium: Medium, now: number): Promise<SwitchState> {
    if (!this.cached || now - this.cached.readAt >= SWITCHES_CACHE_MS) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: SWITCHES_KEY } }),
        untilDeadline(),
      );
      this.cached = { item: Item as SwitchesItem | undefined, readAt: this.clock.now() };
    }
    const item = this.cached.item;
    const state = medium === 'msisdn' ? item?.sms : item?.email;
    if (state !== 'off') return { off: false };
    const until = item?.until === undefined ? this.cached.readAt + DEFAULT_OFF_MS : item.until * 1000;
    if (until <= now) return { off: false };
    return { off: true, until, ...(item?.reason ? { reason: item.reason } : {}) };
  }
}
