import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';

/** The table's only key: a string partition key. The CDK construct must use the same names. */
export const PARTITION_KEY = 'pk';
/** Epoch seconds; the table's TTL attribute. The code checks expiry itself, since TTL lags. */
export const TTL_ATTRIBUTE = 'expires_at';

/**
 * Creates the sessions table if it is missing. For the embedded local store and tests only: on
 * AWS the table belongs to the CloudFormation stack.
 */
export async function ensureSessionTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (
      !(error instanceof ResourceNotFoundException) &&
      (error as Error).name !== 'ResourceNotFoundException'
    ) {
      throw error;
    }
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
