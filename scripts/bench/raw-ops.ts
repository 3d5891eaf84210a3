/**
 * The raw storage calls the floors make, shared by the load generator (over the wire from its own
 * process) and the service child (from inside the process that hosts dynalite): PutItem and
 * UpdateItem write a new item, the template under a unique key, on condition that it does not
 * exist; GetItem reads one consistently.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

export type StorageOperation = 'PutItem' | 'GetItem' | 'UpdateItem';

export type RawCommand = PutItemCommand | GetItemCommand | UpdateItemCommand;

/** Makes the command for one key, for one operation on one table with one item template. */
export function rawCommands(
  operation: StorageOperation,
  table: string,
  item: Record<string, AttributeValue>,
): (key: string) => RawCommand {
  const attributes = Object.keys(item).filter((name) => name !== 'pk');
  const update = {
    UpdateExpression: `SET ${attributes.map((_, n) => `#a${n} = :a${n}`).join(', ')}`,
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: {
      '#pk': 'pk',
      ...Object.fromEntries(attributes.map((name, n) => [`#a${n}`, name])),
    },
    ExpressionAttributeValues: Object.fromEntries(
      attributes.map((name, n) => [`:a${n}`, item[name] as AttributeValue]),
    ) as Record<string, AttributeValue>,
    // As the service's session write asks for (the old item, for the answer).
    ReturnValues: 'ALL_OLD' as const,
  };
  switch (operation) {
    case 'PutItem':
      return (key) =>
        new PutItemCommand({
          TableName: table,
          Item: { ...item, pk: { S: key } },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
    case 'GetItem':
      return (key) => new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true });
    case 'UpdateItem':
      return (key) => new UpdateItemCommand({ TableName: table, Key: { pk: { S: key } }, ...update });
  }
}

/** Sends one raw command (the client's overloads want each command type on its own). */
export function sendRaw(client: DynamoDBClient, command: RawCommand): Promise<unknown> {
  if (command instanceof PutItemCommand) return client.send(command);
  if (command instanceof GetItemCommand) return client.send(command);
  return client.send(command);
}
