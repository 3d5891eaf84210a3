import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbRateLimiter } from '../../functions/adapters/dynamodb/rate-limiter.js';
import { sessionDocumentClient } from '../../functions/adapters/dynamodb/session-store.js';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import {
  EMULATOR_CLIENT_CONFIG,
  type RunningDynalite,
  startDynalite,
  uniqueTableName,
} from '../helpers/aws.js';
import { MemoryRateLimiter } from '../helpers/memory-rate-limiter.js';
import { describeRateLimiterContract } from './rate-limiter-contract.js';

async function limiterOn(client: DynamoDBClient) {
  const tableName = uniqueTableName('limits');
  await ensureSessionTable(client, tableName);
  return { limiter: new DynamoDbRateLimiter(sessionDocumentClient(client), tableName), tableName };
}

describeRateLimiterContract('in memory', async () => ({ limiter: new MemoryRateLimiter() }));

describeRateLimiterContract('DynamoDB adapter on dynalite', async () => {
  const dynalite = await startDynalite();
  const { limiter } = await limiterOn(dynalite.client);
  return { limiter, close: () => dynalite.close() };
});

const moto = inject('motoEndpoint');
describe.runIf(moto)('on moto', () => {
  describeRateLimiterContract(
    'DynamoDB adapter on moto',
    async () => {
      const client = new DynamoDBClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
      const { limiter } = await limiterOn(client);
      return { limiter, close: async () => client.destroy() };
    },
    { atomic: false },
  );
});

describe('DynamoDbRateLimiter item layout', () => {
  let dynalite: RunningDynalite;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.close());

  it('keeps one item per key and UTC day, under rl#, with a TTL an hour after the day ends', async () => {
    const { limiter, tableName } = await limiterOn(dynalite.client);
    const now = Date.UTC(2026, 2, 2, 12, 30, 0);
    await limiter.charge(
      { scope: 'country', key: 'country|GB', counters: [{ name: 'sends', amount: 1, limit: { hour: 5 } }] },
      now,
    );
    const { Item } = await dynalite.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'rl#country|GB#2026-03-02' } } }),
    );
    expect(Item).toEqual({
      pk: { S: 'rl#country|GB#2026-03-02' },
      sends_d: { N: '1' },
      sends_h12: { N: '1' },
      expires_at: { N: String(Date.UTC(2026, 2, 3, 1, 0, 0) / 1000) },
    });
  });
});
