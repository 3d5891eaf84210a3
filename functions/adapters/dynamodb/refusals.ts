import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PARTITION_KEY } from './table.js';

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * The item a refused conditional write returns with ReturnValuesOnConditionCheckFailure, as plain
 * values; undefined when the store sent none (dynalite never does; DynamoDB does not for a
 * missing item), so the caller reads it instead. The document client leaves that item in wire
 * format (aws-sdk-js-v3#6723); both forms are accepted in case it ever stops doing so.
 */
export function itemOfRefusal(error: unknown): Record<string, unknown> | undefined {
  const item = (error as { Item?: Record<string, unknown> }).Item;
  if (item === undefined || Object.keys(item).length === 0) return undefined;
  const key = item[PARTITION_KEY];
  const wire = typeof key === 'object' && key !== null && 'S' in key;
  return wire ? unmarshall(item as Parameters<typeof unmarshall>[0]) : item;
}
