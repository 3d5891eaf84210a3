import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionDocumentClient } from '../../functions/adapters/dynamodb/session-store.js';
import { LOCAL_TABLE_NAME } from '../../functions/local/server.js';
import { EMULATOR_CLIENT_CONFIG } from '../helpers/aws.js';
import { ManualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/local-server.js';

/**
 * The limits over real HTTP, on the local server and its embedded DynamoDB, with the default
 * limits and SMS to GB and US only, as an operator would run it. Clients are told apart by
 * X-Forwarded-For from a trusted proxy on loopback.
 */
const START = Date.UTC(2026, 2, 2, 12, 0, 0);

describe('the abuse limits over HTTP', () => {
  const clock = new ManualClock(START);
  const storage: string[] = [];
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      {
        RATE_LIMITS: '{}',
        SMS_ALLOWED_COUNTRIES: 'GB,US',
        CLIENT_IP_SOURCE: 'proxy',
        TRUSTED_PROXY_CIDRS: '127.0.0.1/32,::1/128',
      },
      { clock, onStorageRequest: (operation) => storage.push(operation) },
    );
  });
  afterAll(() => server.close());

  const requestSms = (phone: string, client: string, secret: string, sendAttempt = 1) =>
    server.post(
      '/_matrix/client/v3/register/msisdn/requestToken',
      { client_secret: secret, country: 'GB', phone_number: phone, send_attempt: sendAttempt },
      { 'X-Forwarded-For': client },
    );
  const smsCount = async () =>
    ((await server.get('/_local/outbox')).json.messages as { medium: string }[]).filter(
      (m) => m.medium === 'msisdn',
    ).length;

  it('answers 429 M_LIMIT_EXCEEDED with retry_after_ms, Retry-After and CORS, the same text for every scope (T5)', async () => {
    clock.advance(20 * 60_000);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await requestSms(`+447${400 + i * 10}123456`, '203.0.113.7', `t5-${i}`)).status);
    }
    const limited = await requestSms('+447510123456', '203.0.113.7', 't5-x');
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      errcode: 'M_LIMIT_EXCEEDED',
      error: 'Too many requests. Try again later.',
      retry_after_ms: 40 * 60_000,
    });
    expect(limited.headers.get('retry-after')).toBe('2400');
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited.headers.get('access-control-expose-headers')).toBe('Retry-After');

    // Another scope (the number's own limit) says exactly the same, but for the wait.
    for (let i = 0; i < 3; i++) await requestSms('+447400555001', `198.51.100.${i}`, `same-${i}`);
    const byAddress = await requestSms('+447400555001', '198.51.100.9', 'same-9');
    expect(byAddress.status).toBe(429);
    expect(Object.keys(byAddress.json)).toEqual(Object.keys(limited.json));
    expect(byAddress.json.error).toBe(limited.json.error);
  });

  it('refuses a number outside the allowed countries with 403 M_THREEPID_DENIED, writing nothing', async () => {
    storage.length = 0;
    const refused = await server.post(
      '/_matrix/client/v3/register/msisdn/requestToken',
      { client_secret: 'uz', country: 'UZ', phone_number: '90 123 45 67', send_attempt: 1 },
      { 'X-Forwarded-For': '192.0.2.200' },
    );
    expect([refused.status, refused.json.errcode]).toEqual([403, 'M_THREEPID_DENIED']);
    expect(storage.filter((operation) => operation !== 'GetItem')).toEqual([]);
  });

  it('S1 at a tenth: 1,000 requests from 50 IPs to 200 sequential numbers send exactly 10 SMS (T9)', {
    timeout: 60_000,
  }, async () => {
    clock.advance(2 * 3_600_000);
    const before = await smsCount();
    storage.length = 0;
    let limited = 0;
    for (let i = 0; i < 1000; i++) {
      const response = await requestSms(
        `+${447_400_129_900 + (i % 200)}`,
        `10.0.${Math.floor((i % 50) / 250)}.${i % 50}`,
        `s1-${i}`,
      );
      if (response.status === 429) limited += 1;
      else expect(response.status).toBe(200);
      clock.advance(60);
    }
    expect(await smsCount()).toBe(before + 10);
    expect(limited).toBe(990);
    const count = (operation: string) => storage.filter((candidate) => candidate === operation).length;
    // 1,000 client counters, 500 per address and per block, 10 per country and globally; and
    // one session write per request past the client limit, 490 of them taken back.
    expect(count('UpdateItem')).toBe(2_020 + 500);
    expect(count('DeleteItem')).toBe(490);
  });

  it('turns SMS off with one item in the table, within 30 seconds, and email keeps working', async () => {
    const table = sessionDocumentClient(
      new DynamoDBClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: server.storageEndpoint }),
    );
    clock.advance(3_600_000);
    await table.send(
      new PutCommand({
        TableName: LOCAL_TABLE_NAME,
        Item: { pk: 'cfg#switches', sms: 'off', reason: 'pumping from a new range' },
      }),
    );
    clock.advance(30_000);
    const before = await smsCount();
    const off = await requestSms('+447400555777', '192.0.2.77', 'switch-1');
    expect([off.status, off.json.errcode]).toEqual([429, 'M_LIMIT_EXCEEDED']);
    expect(await smsCount()).toBe(before);
    const email = await server.post(
      '/_matrix/client/v3/register/email/requestToken',
      { client_secret: 'switch-2', email: 'still@example.org', send_attempt: 1 },
      { 'X-Forwarded-For': '192.0.2.78' },
    );
    expect(email.status).toBe(200);
    await table.send(new DeleteCommand({ TableName: LOCAL_TABLE_NAME, Key: { pk: 'cfg#switches' } }));
    clock.advance(30_000);
    expect((await requestSms('+447400555777', '192.0.2.79', 'switch-3')).status).toBe(200);
  });
});
