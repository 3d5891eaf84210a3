import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Medium, Purpose, Session } from '../../core/model.js';
import type { SessionStore } from '../../core/ports.js';
import { PARTITION_KEY, TTL_ATTRIBUTE } from './table.js';

/** The stored shape. Attribute names are snake_case and stable: changing one is a data migration. */
interface SessionItem {
  [PARTITION_KEY]: string;
  generation: string;
  purpose: Purpose;
  medium: Medium;
  address: string;
  client_secret_digest: string;
  last_send_attempt: number;
  send_count: number;
  tokens: { digest: string; expires_at_ms: number }[];
  submissions: number;
  next_link?: string;
  created_at_ms: number;
  validated_at_ms?: number;
  /** Epoch seconds; DynamoDB TTL deletes the item some time after this. */
  [TTL_ATTRIBUTE]: number;
  version: number;
}

const KEY_PREFIX = 'session#';

/** The document client the store expects: optional attributes are simply left out. */
export function sessionDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Sessions in one DynamoDB table, one item each. Every write is a single conditional request
 * (no transactions, which dynalite lacks); concurrency is settled by the `version` attribute and
 * by condition expressions, never by reading first and writing blindly.
 */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(key: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: KEY_PREFIX + key },
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item as SessionItem) : undefined;
  }

  async save(session: Session, expectedVersion: number | undefined): Promise<boolean> {
    return this.conditionally(
      new PutCommand({
        TableName: this.tableName,
        Item: toItem(session),
        ...(expectedVersion === undefined
          ? {
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PARTITION_KEY },
            }
          : {
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': expectedVersion },
            }),
      }),
    );
  }

  async remove(key: string, expectedVersion: number): Promise<boolean> {
    return this.conditionally(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: KEY_PREFIX + key },
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
      }),
    );
  }

  async countSubmission(key: string, generation: string, limit: number): Promise<Session | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: KEY_PREFIX + key },
          UpdateExpression: 'SET submissions = submissions + :one, version = version + :one',
          ConditionExpression:
            'generation = :generation AND submissions < :limit AND attribute_not_exists(validated_at_ms)',
          ExpressionAttributeValues: { ':one': 1, ':generation': generation, ':limit': limit },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes as SessionItem);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  private async conditionally(command: PutCommand | DeleteCommand): Promise<boolean> {
    try {
      await this.client.send(command as PutCommand);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function toItem(session: Session): SessionItem {
  return {
    [PARTITION_KEY]: KEY_PREFIX + session.key,
    generation: session.generation,
    purpose: session.purpose,
    medium: session.threepid.medium,
    address: session.threepid.address,
    client_secret_digest: session.clientSecretDigest,
    last_send_attempt: session.lastSendAttempt,
    send_count: session.sendCount,
    tokens: session.tokens.map((token) => ({ digest: token.digest, expires_at_ms: token.expiresAt })),
    submissions: session.submissions,
    ...(session.nextLink === undefined ? {} : { next_link: session.nextLink }),
    created_at_ms: session.createdAt,
    ...(session.validatedAt === undefined ? {} : { validated_at_ms: session.validatedAt }),
    [TTL_ATTRIBUTE]: Math.ceil(session.expiresAt / 1000),
    version: session.version,
  };
}

function fromItem(item: SessionItem): Session {
  return {
    key: item[PARTITION_KEY].slice(KEY_PREFIX.length),
    generation: item.generation,
    purpose: item.purpose,
    threepid: { medium: item.medium, address: item.address },
    clientSecretDigest: item.client_secret_digest,
    lastSendAttempt: item.last_send_attempt,
    sendCount: item.send_count,
    tokens: item.tokens.map((token) => ({ digest: token.digest, expiresAt: token.expires_at_ms })),
    submissions: item.submissions,
    ...(item.next_link === undefined ? {} : { nextLink: item.next_link }),
    createdAt: item.created_at_ms,
    ...(item.validated_at_ms === undefined ? {} : { validatedAt: item.validated_at_ms }),
    expiresAt: item[TTL_ATTRIBUTE] * 1000,
    version: item.version,
  };
}
