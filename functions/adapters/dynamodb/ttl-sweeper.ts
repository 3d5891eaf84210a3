import { DeleteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, TTL_ATTRIBUTE } from './table.js';

/**
 * What DynamoDB's TTL does on AWS, for the local store: dynalite never deletes expired items, so a
 * long-running `npm start` would otherwise grow without bound. Deletes every item whose TTL has
 * passed, each conditionally, so an item rewritten meanwhile stays. Returns how many it deleted.
 */
export async function sweepExpiredItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  now: number,
): Promise<number> {
  const expired = {
    ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
  };
  let removed = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ProjectionExpression: PARTITION_KEY,
        ExclusiveStartKey: start,
        ...expired,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { [PARTITION_KEY]: item[PARTITION_KEY] },
            ConditionExpression: '#ttl < :now',
            ...expired,
          }),
        );
        removed += 1;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return removed;
}
