import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DynamoDbSessionStore,
  sessionDocumentClient,
} from '../../functions/adapters/dynamodb/session-store.js';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import {
  EMULATOR_CLIENT_CONFIG,
  type RunningDynalite,
  startDynalite,
  uniqueTableName,
} from '../helpers/aws.js';
import { describeSessionStoreContract, sampleSession } from './session-store-contract.js';

async function storeOn(client: DynamoDBClient) {
  const tableName = uniqueTableName('sessions');
  await ensureSessionTable(client, tableName);
  return { store: new DynamoDbSessionStore(sessionDocumentClient(client), tableName), tableName };
}

describeSessionStoreContract('DynamoDB adapter on dynalite', async () => {
  const dynalite = await startDynalite();
  const { store } = await storeOn(dynalite.client);
  return { store, close: () => dynalite.close() };
});

const moto = inject('motoEndpoint');
describe.runIf(moto)('on moto', () => {
  describeSessionStoreContract(
    'DynamoDB adapter on moto',
    async () => {
      const client = new DynamoDBClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
      const { store } = await storeOn(client);
      return { store, close: async () => client.destroy() };
    },
    { atomic: false },
  );
});

describe('DynamoDbSessionStore item layout', () => {
  let dynalite: RunningDynalite;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.close());

  it('writes the TTL attribute in epoch seconds and keeps no secret in the clear', async () => {
    const { store, tableName } = await storeOn(dynalite.client);
    const session = sampleSession({ expiresAt: 1_795_100_000_000 });
    await store.save(session, undefined);
    const { Item } = await dynalite.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: `session#${session.key}` } } }),
    );
    expect(Item?.expires_at).toEqual({ N: '1795100000' });
    expect(Object.keys(Item ?? {}).sort()).toEqual(
      [
        'address',
        'client_secret_digest',
        'created_at_ms',
        'expires_at',
        'generation',
        'guesses',
        'last_send_attempt',
        'last_sent_at_ms',
        'medium',
        'newest_token_expires_at_ms',
        'next_link',
        'pk',
        'purpose',
        'send_count',
        'tokens',
        'version',
      ].sort(),
    );
  });

  it('creates the table once and leaves an existing one alone', async () => {
    const tableName = uniqueTableName('twice');
    await ensureSessionTable(dynalite.client, tableName);
    await expect(ensureSessionTable(dynalite.client, tableName)).resolves.toBeUndefined();
  });
});
