import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Medium, Purpose, Session } from '../../core/model.js';
import type { GuessOutcome, SendOutcome, SessionStore } from '../../core/ports.js';
import type { GuessWrite, SendWrite } from '../../core/session-lifecycle.js';
import { newestTokenExpiry } from '../../core/session-lifecycle.js';
import { untilDeadline } from '../deadline.js';
import { isConditionFailure, itemOfRefusal } from './refusals.js';
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
  last_sent_at_ms: number;
  tokens: { digest: string; expires_at_ms: number }[];
  /** When the newest token expires: what a condition expression can see of `tokens`. */
  newest_token_expires_at_ms: number;
  guesses: { digest: string; at_ms: number }[];
  next_link?: string;
  locale?: string;
  decoy?: true;
  consumed_at_ms?: number;
  created_at_ms: number;
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
 * Sessions in one DynamoDB table, one item each. Every state change is a single conditional
 * request (no transactions, which dynalite lacks, and no read before a write): the conditions
 * below are core's `canSendInPlace` and `canRecordGuess`, the updates its `applySend` and
 * `applyGuess`, written as expressions. A refused write returns the item through
 * ReturnValuesOnConditionCheckFailure where the store supports it, and is read once otherwise.
 */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(key: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.keyOf(key), ConsistentRead: true }),
      untilDeadline(),
    );
    return Item ? fromItem(Item as SessionItem) : undefined;
  }

  async send(write: SendWrite): Promise<SendOutcome> {
    const appending = write.tokens === 'append';
    const token = [{ digest: write.token.digest, expires_at_ms: write.token.expiresAt }];
    const sets = [
      'generation = if_not_exists(generation, :generation)',
      'purpose = :purpose',
      'medium = :medium',
      'address = :address',
      'client_secret_digest = :csd',
      'last_send_attempt = :attempt',
      'send_count = if_not_exists(send_count, :zero) + :one',
      'last_sent_at_ms = :now',
      appending ? 'tokens = list_append(if_not_exists(tokens, :empty), :token)' : 'tokens = :token',
      'newest_token_expires_at_ms = :tokenExpiry',
      'guesses = if_not_exists(guesses, :empty)',
      'created_at_ms = if_not_exists(created_at_ms, :now)',
      `${TTL_ATTRIBUTE} = :ttl`,
      'version = if_not_exists(version, :zero) + :one',
      ...(write.nextLink === undefined ? [] : ['next_link = :nextLink']),
      ...(write.locale === undefined ? [] : ['locale = :locale']),
      ...(write.decoy ? ['decoy = :true'] : []),
    ];
    const removes = [
      ...(write.nextLink === undefined ? ['next_link'] : []),
      ...(write.locale === undefined ? ['locale'] : []),
      ...(write.decoy ? [] : ['decoy']),
    ];
    const inPlace = [
      'last_send_attempt < :attempt',
      'size(guesses) = :zero',
      'newest_token_expires_at_ms > :newestTokenAfter',
      `${TTL_ATTRIBUTE} > :nowSeconds`,
      ...(appending ? ['size(tokens) < :maxTokens'] : []),
    ];
    // A new record, or one that may be written in place: with resend spacing, one spaced as its
    // first message asks, or one spaced as a later one. Written without parentheses, as AND binds
    // tighter than OR: dynalite's parser backtracks through nested ones, and took 4.4 ms to parse
    // this condition with them (0.6 ms without spacing) against 0.1 ms without, on the thread that
    // serves every request of `npm start`.
    const writable = [
      `attribute_not_exists(${PARTITION_KEY})`,
      ...(write.spacing === undefined
        ? [inPlace]
        : [
            [...inPlace, 'send_count <= :one', 'last_sent_at_ms <= :firstSpacedAt'],
            [...inPlace, 'send_count > :one', 'last_sent_at_ms <= :laterSpacedAt'],
          ]
      ).map((conditions) => conditions.join(' AND ')),
    ];
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.keyOf(write.key),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: writable.join(' OR '),
          ExpressionAttributeValues: {
            ':generation': write.generation,
            ':purpose': write.purpose,
            ':medium': write.threepid.medium,
            ':address': write.threepid.address,
            ':csd': write.clientSecretDigest,
            ':attempt': write.sendAttempt,
            ':zero': 0,
            ':one': 1,
            ':now': write.now,
            ':nowSeconds': Math.floor(write.now / 1000),
            ':empty': [],
            ':token': token,
            ':tokenExpiry': write.token.expiresAt,
            ':newestTokenAfter': write.newestTokenAfter,
            ':ttl': Math.ceil(write.expiresAt / 1000),
            ...(appending ? { ':maxTokens': write.maxTokens } : {}),
            ...(write.nextLink === undefined ? {} : { ':nextLink': write.nextLink }),
            ...(write.locale === undefined ? {} : { ':locale': write.locale }),
            ...(write.decoy ? { ':true': true } : {}),
            ...(write.spacing === undefined
              ? {}
              : {
                  ':firstSpacedAt': write.now - write.spacing[0],
                  ':laterSpacedAt': write.now - write.spacing[1],
                }),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        untilDeadline(),
      );
      return { written: true, before: Attributes ? fromItem(Attributes as SessionItem) : undefined };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { written: false, current: await this.refusedItem(error, write.key) };
    }
  }

  async recordGuess(write: GuessWrite): Promise<GuessOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.keyOf(write.key),
          UpdateExpression: 'SET guesses = list_append(guesses, :guess), version = version + :one',
          ConditionExpression:
            `generation = :generation AND medium = :medium AND size(guesses) < :maxGuesses AND ${TTL_ATTRIBUTE} > :nowSeconds` +
            (write.clientSecretDigest === undefined ? '' : ' AND client_secret_digest = :csd'),
          ExpressionAttributeValues: {
            ':guess': [{ digest: write.guess.digest, at_ms: write.guess.at }],
            ':one': 1,
            ':generation': write.generation,
            ...(write.clientSecretDigest === undefined ? {} : { ':csd': write.clientSecretDigest }),
            ':medium': write.medium,
            ':maxGuesses': write.maxGuesses,
            ':nowSeconds': Math.floor(write.guess.at / 1000),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        untilDeadline(),
      );
      return { recorded: true, after: fromItem(Attributes as SessionItem) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { recorded: false, current: await this.refusedItem(error, write.key) };
    }
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
        Key: this.keyOf(key),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
      }),
    );
  }

  async consume(key: string, expectedVersion: number, at: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.keyOf(key),
          UpdateExpression: 'SET consumed_at_ms = :at, version = version + :one',
          ConditionExpression: 'version = :expected AND attribute_not_exists(consumed_at_ms)',
          ExpressionAttributeValues: { ':at': at, ':one': 1, ':expected': expectedVersion },
        }),
        untilDeadline(),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The item a refused write saw: returned with the refusal where the store does that, else read once. */
  private async refusedItem(error: unknown, key: string): Promise<Session | undefined> {
    const item = itemOfRefusal(error);
    // Emulators may return a partial item under concurrent writes; read it properly then.
    return item && Array.isArray(item.tokens) && Array.isArray(item.guesses)
      ? fromItem(item as unknown as SessionItem)
      : this.load(key);
  }

  private keyOf(key: string) {
    return { [PARTITION_KEY]: KEY_PREFIX + key };
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
    last_sent_at_ms: session.lastSentAt,
    tokens: session.tokens.map((token) => ({ digest: token.digest, expires_at_ms: token.expiresAt })),
    newest_token_expires_at_ms: newestTokenExpiry(session),
    guesses: session.guesses.map((guess) => ({ digest: guess.digest, at_ms: guess.at })),
    ...(session.nextLink === undefined ? {} : { next_link: session.nextLink }),
    ...(session.locale === undefined ? {} : { locale: session.locale }),
    ...(session.decoy ? { decoy: true as const } : {}),
    ...(session.consumedAt === undefined ? {} : { consumed_at_ms: session.consumedAt }),
    created_at_ms: session.createdAt,
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
    lastSentAt: item.last_sent_at_ms,
    tokens: item.tokens.map((token) => ({ digest: token.digest, expiresAt: token.expires_at_ms })),
    guesses: item.guesses.map((guess) => ({ digest: guess.digest, at: guess.at_ms })),
    ...(item.next_link === undefined ? {} : { nextLink: item.next_link }),
    ...(item.locale === undefined ? {} : { locale: item.locale }),
    ...(item.decoy ? { decoy: true as const } : {}),
    ...(item.consumed_at_ms === undefined ? {} : { consumedAt: item.consumed_at_ms }),
    createdAt: item.created_at_ms,
    expiresAt: item[TTL_ATTRIBUTE] * 1000,
    version: item.version,
  };
}
