import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** Credentials and region for emulators; they accept anything. */
export const EMULATOR_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

export interface RunningDynalite {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

/** dynalite in this process, in memory, on a free port. */
export async function startDynalite(): Promise<RunningDynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ ...EMULATOR_CLIENT_CONFIG, endpoint });
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let tableCounter = 0;

/** A table name no other test uses, for a shared emulator. */
export function uniqueTableName(prefix: string): string {
  tableCounter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${tableCounter}`;
}

/** What moto recorded, from its inspection endpoint. */
export async function motoState(endpoint: string): Promise<{
  ses: {
    Message: { source: string; destinations: { ToAddresses: string[] }; subject: string; body: string }[];
  };
  sns: { SMS: { phone_number: string; message: string; message_id: string }[] };
}> {
  return (await fetch(`${endpoint}/moto-api/data.json`)).json() as never;
}
