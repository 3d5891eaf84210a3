import { fileURLToPath } from 'node:url';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SWITCHES_KEY } from '../../functions/adapters/dynamodb/sending-switches.js';
import { ensureSessionTable, PARTITION_KEY } from '../../functions/adapters/dynamodb/table.js';
import type { LambdaHttpHandler } from '../../functions/http/middleware.js';
import { FUNCTIONS, type FunctionName } from '../../infra/functions.js';
import { MatrixThreepidValidation } from '../../infra/three-pid-validation.js';
import { type RunningDynalite, startDynalite } from '../helpers/aws.js';
import { testApp } from '../helpers/cdk.js';
import { type EventInput, httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';
import { GENEROUS_RATE_LIMITS } from '../helpers/limits.js';

/**
 * The metrics the functions publish, as CloudWatch would read them: each Lambda entry is driven
 * through a flow, what it writes to stdout and stderr is captured line by line (as Lambda hands it
 * to CloudWatch Logs), and every line in the embedded metric format is read as CloudWatch reads it:
 * one datapoint under each of its dimension sets. Then every service metric the construct's alarms
 * read must have been published by some flow, so a renamed metric or a dropped dimension set fails
 * here rather than leaving an alarm silent in production.
 */
const NAMESPACE = 'Matrix3pid/EmfTest/Validation';
const ENV = {
  SERVER_NAME: 'example.org',
  PUBLIC_BASEURL: 'https://matrix.example.org/',
  EMAIL_FROM: 'Example <noreply@example.org>',
  TOKEN_HMAC_SECRET: 'emf-metrics-test-secret-of-32-characters',
  TABLE_NAME: 'emf-metrics',
  SMS_ALLOWED_COUNTRIES: 'GB',
  LOG_LEVEL: 'INFO',
  RATE_LIMITS: GENEROUS_RATE_LIMITS,
  POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
  // Off for the rest of the suite (vitest.config.ts): on here, as on Lambda.
  POWERTOOLS_METRICS_DISABLED: 'false',
};
const BINDINGS_FILE = fileURLToPath(new URL('../../examples/bindings.json', import.meta.url));

/** One datapoint: `Metric dimension=value …`, the dimensions in alphabetical order. */
type Datapoint = string;

/** The construct in a stack of its own; its alarms are what the flows must feed. */
const stack = new Stack(testApp(), 'EmfTest');
const construct = new MatrixThreepidValidation(stack, 'Validation', {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'Example <noreply@example.org>',
  smsAllowedCountries: ['GB'],
});
const template = Template.fromStack(stack);

describe('the metrics the functions publish, on the lines they print', () => {
  const ses = mockClient(SESClient);
  const sns = mockClient(SNSClient);
  let dynalite: RunningDynalite;
  const published = new Set<Datapoint>();
  /** The error each provider fails its next call with, if a test says so. */
  const failNext: { ses?: Error; sns?: Error } = {};
  const provide = <T>(provider: 'ses' | 'sns', answer: T): T => {
    const failure = failNext[provider];
    delete failNext[provider];
    if (failure) throw failure;
    return answer;
  };

  beforeAll(async () => {
    dynalite = await startDynalite();
    await ensureSessionTable(dynalite.client, ENV.TABLE_NAME);
    // A provider that takes a moment, so that a uniform answer with no floor is over it.
    ses.on(SendEmailCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return provide('ses', { MessageId: 'email' });
    });
    sns.on(PublishCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return provide('sns', { MessageId: 'sms' });
    });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    ses.restore();
    sns.restore();
    await dynalite?.close();
  });

  /** A container of each function, started with `env` over ENV. */
  async function containers(env: Record<string, string> = {}) {
    for (const [name, value] of Object.entries({
      ...ENV,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      ...env,
    })) {
      vi.stubEnv(name, value);
    }
    const handlers = new Map<FunctionName, LambdaHttpHandler>();
    // The functions of the deployment (no homeserver: no password reset).
    for (const name of Object.keys(construct.functions) as FunctionName[]) {
      vi.resetModules();
      const entry = (await import(/* @vite-ignore */ `../../${FUNCTIONS[name].entry}`)) as {
        handler: LambdaHttpHandler;
      };
      handlers.set(name, entry.handler);
    }
    vi.unstubAllEnvs();
    /**
     * Invokes `name` and answers with its response and the datapoints its EMF lines make, sorted;
     * every line must be JSON, one event per line, as CloudWatch Logs needs.
     */
    return async (name: FunctionName, input: EventInput) => {
      const handler = handlers.get(name);
      if (!handler) throw new Error(`no ${name}`);
      const { result, events } = await captured(() => handler(httpEvent(input), lambdaContext(name)));
      const points = events.flatMap((event) => datapointsOf(event));
      for (const point of points) published.add(point);
      return { json: () => parseJsonBody(result), points: points.sort() };
    };
  }

  const sms = (phoneNumber: string, sendAttempt = 1) => ({
    path: '/_matrix/client/v3/register/msisdn/requestToken',
    body: {
      client_secret: `s-${phoneNumber}`,
      country: 'GB',
      phone_number: phoneNumber,
      send_attempt: sendAttempt,
    },
  });
  const email = (address: string, sendAttempt = 1) => ({
    path: '/_matrix/client/v3/register/email/requestToken',
    body: { client_secret: `s-${address.replace(/\W/g, '')}`, email: address, send_attempt: sendAttempt },
  });

  it('counts an SMS sent by medium, purpose and country, a wrong code, and its validation, but not a repeat', async () => {
    const call = await containers();
    const requested = await call('requestMsisdnToken', sms('07400100001'));
    expect(requested.points).toEqual([
      'TokenSent country=GB medium=msisdn',
      'TokenSent medium=msisdn',
      'TokenSent medium=msisdn purpose=registration',
    ]);
    expect((await call('requestMsisdnToken', sms('07400100001'))).points).toEqual([]);

    const { sid } = requested.json() as { sid: string };
    const code = String(sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Message?.match(/\d{6}/)?.[0]);
    const submit = (token: string) =>
      call('submitToken', {
        path: '/_matrix/client/v3/validate/msisdn/submitToken',
        body: { sid, client_secret: 's-07400100001', token },
      });
    expect((await submit(code === '000000' ? '111111' : '000000')).points).toEqual([
      'TokenIncorrect medium=msisdn',
      'TokenIncorrect medium=msisdn purpose=registration',
    ]);
    expect((await submit(code)).points).toEqual([
      'SessionValidated medium=msisdn',
      'SessionValidated medium=msisdn purpose=registration',
    ]);
    expect((await submit(code)).points).toEqual([]);
  });

  it('counts an email sent and its validation through the link, but not the page alone', async () => {
    const call = await containers();
    expect((await call('requestEmailToken', email('alice@example.org'))).points).toEqual([
      'TokenSent medium=email',
      'TokenSent medium=email purpose=registration',
    ]);
    const text = ses.commandCalls(SendEmailCommand).at(-1)?.args[0].input.Message?.Body?.Text?.Data ?? '';
    const link = new URL(text.match(/https:\/\/\S+/)?.[0] ?? '');
    const form = Object.fromEntries(link.searchParams);
    expect((await call('emailLink', { path: link.pathname, query: form })).points).toEqual([]);
    expect((await call('emailLink', { path: link.pathname, form })).points).toEqual([
      'SessionValidated medium=email',
      'SessionValidated medium=email purpose=registration',
    ]);
  });

  it('counts refusals by a limit, in all and by scope', async () => {
    const onePerClient = JSON.stringify({ ...JSON.parse(GENEROUS_RATE_LIMITS), ip: { hour: 1, day: 1 } });
    const call = await containers({ RATE_LIMITS: onePerClient });
    const from = (input: EventInput) => ({ ...input, sourceIp: '198.51.100.7' });
    await call('requestMsisdnToken', from(sms('07400100002')));
    expect((await call('requestMsisdnToken', from(sms('07400100003')))).points).toEqual([
      'RateLimited',
      'RateLimited medium=msisdn scope=ip',
      'RateLimited scope=ip',
    ]);
    await call('requestEmailToken', from(email('limited@example.org')));
    expect((await call('requestEmailToken', from(email('limited-2@example.org')))).points).toEqual([
      'RateLimited',
      'RateLimited medium=email scope=ip',
      'RateLimited scope=ip',
    ]);
  });

  it('counts refusals by the kill switch as refusals of scope switch', async () => {
    const item = { [PARTITION_KEY]: { S: SWITCHES_KEY }, sms: { S: 'off' }, email: { S: 'off' } };
    await dynalite.client.send(new PutItemCommand({ TableName: ENV.TABLE_NAME, Item: item }));
    try {
      const call = await containers();
      for (const [name, input, medium] of [
        ['requestMsisdnToken', sms('07400100004'), 'msisdn'],
        ['requestEmailToken', email('switched@example.org'), 'email'],
      ] as const) {
        const refused = await call(name, input);
        expect(refused.json().errcode).toBe('M_LIMIT_EXCEEDED');
        expect(refused.points).toEqual([
          'RateLimited',
          `RateLimited medium=${medium} scope=switch`,
          'RateLimited scope=switch',
        ]);
      }
    } finally {
      await dynalite.client.send(
        new DeleteItemCommand({ TableName: ENV.TABLE_NAME, Key: { [PARTITION_KEY]: item[PARTITION_KEY] } }),
      );
    }
  });

  it('counts decoys, and uniform answers slower than the floor', async () => {
    const call = await containers({
      REQUEST_TOKEN_INHIBIT_3PID_ERRORS: 'true',
      THREEPID_BINDINGS_FILE: BINDINGS_FILE,
      DECOY_NOTICES: 'email-in-use,msisdn-in-use',
      // No floor, and a provider that takes 20 ms: every answer is over it.
      RESPONSE_FLOOR_MS: '0',
    });
    expect((await call('requestEmailToken', email('bob@example.org'))).points).toEqual([
      'DecoySessionAnswered medium=email',
      'DecoySessionAnswered medium=email purpose=registration',
      'ResponseFloorExceeded',
      'ResponseFloorExceeded medium=email',
    ]);
    expect((await call('requestMsisdnToken', sms('07400123456'))).points).toEqual([
      'DecoySessionAnswered medium=msisdn',
      'DecoySessionAnswered medium=msisdn purpose=registration',
      'ResponseFloorExceeded',
      'ResponseFloorExceeded medium=msisdn',
    ]);
  });

  it('counts a refusal by the SMS policy, and delivery failures by the provider’s error name', async () => {
    const call = await containers();
    const denied = await call('requestMsisdnToken', {
      ...sms('2025550123'),
      body: { ...sms('2025550123').body, country: 'US' },
    });
    expect(denied.json().errcode).toBe('M_THREEPID_DENIED');
    expect(denied.points).toEqual([
      'PolicyRefused medium=msisdn',
      'PolicyRefused medium=msisdn purpose=registration',
    ]);

    const rejected = Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
    failNext.ses = rejected;
    expect((await call('requestEmailToken', email('rejected@example.org'))).points).toEqual([
      'DeliveryFailed errorClass=MessageRejected medium=email',
      'DeliveryFailed medium=email',
    ]);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    failNext.sns = throttled;
    expect((await call('requestMsisdnToken', sms('07400100005'))).points).toEqual([
      'DeliveryFailed errorClass=Throttling medium=msisdn',
      'DeliveryFailed medium=msisdn',
    ]);
  });

  it('counts the wrong code that locks a session, as a wrong code and a lockout', async () => {
    const call = await containers();
    const { sid } = (await call('requestMsisdnToken', sms('07400100006'))).json() as { sid: string };
    const code = String(sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Message?.match(/\d{6}/)?.[0]);
    const wrong = code === '000000' ? '111111' : '000000';
    const submit = () =>
      call('submitToken', {
        path: '/_matrix/client/v3/validate/msisdn/submitToken',
        body: { sid, client_secret: 's-07400100006', token: wrong },
      });
    for (let i = 0; i < 4; i++) await submit();
    expect((await submit()).points).toEqual([
      'SessionLocked medium=msisdn',
      'SessionLocked medium=msisdn purpose=registration',
      'TokenIncorrect medium=msisdn',
      'TokenIncorrect medium=msisdn purpose=registration',
    ]);
  });

  it('has published every service metric an alarm reads, under the dimensions it reads', () => {
    const read = alarmedServiceMetrics();
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((metric) => !published.has(metric))).toEqual([]);
  });
});

/**
 * What CloudWatch makes of one log line: nothing, unless it is in the embedded metric format; then
 * one datapoint per dimension set. Every such line must be in the deployment's namespace, count
 * 1, and carry nothing but its metric and its dimensions: no address, no sid, no token.
 */
function datapointsOf(event: Record<string, unknown>): Datapoint[] {
  const directive = (event._aws as { CloudWatchMetrics?: unknown[] } | undefined)?.CloudWatchMetrics;
  if (directive === undefined) return [];
  expect(directive).toHaveLength(1);
  const { Namespace, Dimensions, Metrics } = directive[0] as {
    Namespace: string;
    Dimensions: string[][];
    Metrics: { Name: string; Unit: string }[];
  };
  expect(Namespace).toBe(NAMESPACE);
  expect(Metrics).toHaveLength(1);
  const [{ Name, Unit }] = Metrics as [{ Name: string; Unit: string }];
  expect([Unit, event[Name]]).toEqual(['Count', 1]);
  const dimensionNames = [...new Set(Dimensions.flat())];
  expect(Object.keys(event).sort()).toEqual(['_aws', Name, ...dimensionNames].sort());
  return Dimensions.map((set) =>
    [Name, ...[...set].sort().map((dimension) => `${dimension}=${String(event[dimension])}`)].join(' '),
  );
}

/** The service metrics the deployed alarms read, as datapoints, from the template. */
function alarmedServiceMetrics(): Datapoint[] {
  const asPoint = (metric: {
    Namespace: string;
    MetricName: string;
    Dimensions?: { Name: string; Value: string }[];
  }) =>
    [
      metric.MetricName,
      ...(metric.Dimensions ?? []).map((dimension) => `${dimension.Name}=${dimension.Value}`).sort(),
    ].join(' ');
  const points = Object.values(template.findResources('AWS::CloudWatch::Alarm')).flatMap(({ Properties }) => {
    const metrics = Properties.Metrics
      ? Properties.Metrics.flatMap((query: { MetricStat?: { Metric: never } }) =>
          query.MetricStat ? [query.MetricStat.Metric] : [],
        )
      : [Properties];
    return metrics.filter((metric: { Namespace: string }) => metric.Namespace === NAMESPACE).map(asPoint);
  });
  return [...new Set<string>(points)].sort();
}

/**
 * Runs `invoke`, capturing what is written to stdout and stderr meanwhile (where Powertools'
 * logger writes, through a Console of its own), as log events of one JSON object per line.
 */
async function captured<T>(
  invoke: () => Promise<T>,
): Promise<{ result: T; events: Record<string, unknown>[] }> {
  let written = '';
  const capture = (chunk: unknown) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  let result: T;
  try {
    result = await invoke();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  const events = written
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        throw new Error(`a log line that is not one JSON object: ${line}`);
      }
      if (typeof event !== 'object' || event === null) throw new Error(`not a JSON object: ${line}`);
      return event as Record<string, unknown>;
    });
  return { result, events };
}
