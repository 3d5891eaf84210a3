import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Charge,
  type ChargeOutcome,
  type CounterTotals,
  nextUtcMidnight,
  type RateLimiter,
  windowOf,
} from '../../core/rate-limits.js';
import { untilDeadline } from '../deadline.js';
import { isConditionFailure, itemOfRefusal } from './refusals.js';
import { PARTITION_KEY, TTL_ATTRIBUTE } from './table.js';

/** Every counter item's key starts with this; the IAM grant for counters is limited to it. */
export const COUNTER_KEY_PREFIX = 'rl#';

/**
 * Rate-limit counters in the sessions table: one item per key and UTC day
 * (`rl#<key>#<yyyy-mm-dd>`), holding per counter the day's total (`<name>_d`) and each hour's
 * (`<name>_h<HH>`), with a TTL an hour after the day ends. A charge is one UpdateItem whose
 * condition is core's `canCharge`: a refusal adds nothing, and brings the totals back with it
 * (or, where the store does not return them, as on dynalite, they are read once).
 */
export class DynamoDbRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async charge(charge: Charge, now: number): Promise<ChargeOutcome> {
    const { day, hour } = windowOf(now);
    const key = { [PARTITION_KEY]: `${COUNTER_KEY_PREFIX}${charge.key}#${day}` };
    const names: Record<string, string> = { '#ttl': TTL_ATTRIBUTE };
    const values: Record<string, number> = { ':ttl': Math.floor((nextUtcMidnight(now) + 3_600_000) / 1000) };
    const adds: string[] = [];
    const conditions: string[] = [];
    charge.counters.forEach((counter, i) => {
      if (counter.amount === 0) return;
      names[`#d${i}`] = `${counter.name}_d`;
      names[`#h${i}`] = `${counter.name}_h${hour}`;
      values[`:a${i}`] = counter.amount;
      adds.push(`#d${i} :a${i}`, `#h${i} :a${i}`);
      if (counter.limit.day !== undefined) {
        values[`:dmax${i}`] = counter.limit.day - counter.amount;
        conditions.push(`(attribute_not_exists(#d${i}) OR #d${i} <= :dmax${i})`);
      }
      if (counter.limit.hour !== undefined) {
        values[`:hmax${i}`] = counter.limit.hour - counter.amount;
        conditions.push(`(attribute_not_exists(#h${i}) OR #h${i} <= :hmax${i})`);
      }
    });
    if (adds.length === 0) return { charged: true };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `ADD ${adds.join(', ')} SET #ttl = if_not_exists(#ttl, :ttl)`,
          ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        untilDeadline(),
      );
      return { charged: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item =
        itemOfRefusal(error) ??
        (
          await this.client.send(
            new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
            untilDeadline(),
          )
        ).Item;
      return { charged: false, totals: totalsOf(item, charge, hour) };
    }
  }
}

function totalsOf(
  item: Record<string, unknown> | undefined,
  charge: Charge,
  hour: string,
): CounterTotals | undefined {
  if (!item) return undefined;
  const totals: Record<string, { day: number; hour: number }> = {};
  for (const counter of charge.counters) {
    totals[counter.name] = {
      day: Number(item[`${counter.name}_d`] ?? 0),
      hour: Number(item[`${counter.name}_h${hour}`] ?? 0),
    };
  }
  return totals;
}
