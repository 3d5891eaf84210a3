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
 * The metric filters the construct deploys, run over the log lines the functions really print:
 * each Lambda entry is driven through a flow with LOG_LEVEL=INFO, what its logger writes to
 * stdout and stderr is captured line by line (as Lambda hands it to CloudWatch Logs), and every
 * filter on that function's log group is evaluated against every line, as CloudWatch would. So
 * a message reworded in core, a field renamed, or a filter that matches too much fails here,
 * rather than leaving an alarm silent in production.
 */
const ENV = {
  SERVER_NAME: 'example.org',
  PUBLIC_BASEURL: 'https://matrix.example.org/',
  EMAIL_FROM: 'Example <noreply@example.org>',
  TOKEN_HMAC_SECRET: 'log-metrics-test-secret-of-32-characters',
  TABLE_NAME: 'log-metrics',
  SMS_ALLOWED_COUNTRIES: 'GB',
  LOG_LEVEL: 'INFO',
  RATE_LIMITS: GENEROUS_RATE_LIMITS,
};
const BINDINGS_FILE = fileURLToPath(new URL('../../examples/bindings.json', import.meta.url));

interface Filter {
  readonly pattern: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}
/** One value a filter would publish: the metric, with its dimensions resolved from the line. */
type Datapoint = string;

describe('the metric filters, on the log lines the code prints', () => {
  const ses = mockClient(SESClient);
  const sns = mockClient(SNSClient);
  let dynalite: RunningDynalite;
  let filters: Record<FunctionName, Filter[]>;
  const matched = new Set<string>();

  beforeAll(async () => {
    filters = deployedFilters();
    dynalite = await startDynalite();
    await ensureSessionTable(dynalite.client, ENV.TABLE_NAME);
    // A provider that takes a moment, so that a uniform answer with no floor is over it.
    ses.on(SendEmailCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { MessageId: 'email' };
    });
    sns.on(PublishCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { MessageId: 'sms' };
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
    // The functions of the deployment the filters come from (no homeserver: no password reset).
    for (const name of Object.keys(filters) as FunctionName[]) {
      vi.resetModules();
      const entry = (await import(/* @vite-ignore */ `../../${FUNCTIONS[name].entry}`)) as {
        handler: LambdaHttpHandler;
      };
      handlers.set(name, entry.handler);
    }
    vi.unstubAllEnvs();
    /**
     * Invokes `name` and answers with its response and the datapoints its log lines make, sorted;
     * every line must be JSON, one event per line, as the metric filters need.
     */
    return async (name: FunctionName, input: EventInput) => {
      const handler = handlers.get(name);
      if (!handler) throw new Error(`no ${name}`);
      const { result, events } = await captured(() => handler(httpEvent(input), lambdaContext(name)));
      const points: Datapoint[] = [];
      for (const event of events) {
        for (const filter of filters[name]) {
          if (!matches(filter.pattern, event)) continue;
          matched.add(`${name} ${filter.pattern} ${filter.metricName}`);
          points.push(datapointOf(filter, event));
        }
      }
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

  it('counts an SMS sent by medium and by country, and its validation, but not a repeat or a wrong code', async () => {
    const call = await containers();
    const requested = await call('requestMsisdnToken', sms('07400100001'));
    expect(requested.points).toEqual(['SmsSent country=GB', 'TokenSent medium=msisdn']);
    expect((await call('requestMsisdnToken', sms('07400100001'))).points).toEqual([]);

    const { sid } = requested.json() as { sid: string };
    const code = String(sns.commandCalls(PublishCommand).at(-1)?.args[0].input.Message?.match(/\d{6}/)?.[0]);
    const submit = (token: string) =>
      call('submitToken', {
        path: '/_matrix/client/v3/validate/msisdn/submitToken',
        body: { sid, client_secret: 's-07400100001', token },
      });
    expect((await submit(code === '000000' ? '111111' : '000000')).points).toEqual([]);
    expect((await submit(code)).points).toEqual(['SessionValidated medium=msisdn']);
  });

  it('counts an email sent and its validation through the link, but not the page alone', async () => {
    const call = await containers();
    expect((await call('requestEmailToken', email('alice@example.org'))).points).toEqual([
      'TokenSent medium=email',
    ]);
    const text = ses.commandCalls(SendEmailCommand).at(-1)?.args[0].input.Message?.Body?.Text?.Data ?? '';
    const link = new URL(text.match(/https:\/\/\S+/)?.[0] ?? '');
    const form = Object.fromEntries(link.searchParams);
    expect((await call('emailLink', { path: link.pathname, query: form })).points).toEqual([]);
    expect((await call('emailLink', { path: link.pathname, form })).points).toEqual([
      'SessionValidated medium=email',
    ]);
  });

  it('counts refusals by a limit, in all and by scope', async () => {
    const onePerClient = JSON.stringify({ ...JSON.parse(GENEROUS_RATE_LIMITS), ip: { hour: 1, day: 1 } });
    const call = await containers({ RATE_LIMITS: onePerClient });
    const from = (input: EventInput) => ({ ...input, sourceIp: '198.51.100.7' });
    await call('requestMsisdnToken', from(sms('07400100002')));
    expect((await call('requestMsisdnToken', from(sms('07400100003')))).points).toEqual([
      'RateLimited',
      'RateLimited scope=ip',
    ]);
    await call('requestEmailToken', from(email('limited@example.org')));
    expect((await call('requestEmailToken', from(email('limited-2@example.org')))).points).toEqual([
      'RateLimited',
      'RateLimited scope=ip',
    ]);
  });

  it('counts refusals by the kill switch as refusals of scope switch', async () => {
    const item = { [PARTITION_KEY]: { S: SWITCHES_KEY }, sms: { S: 'off' }, email: { S: 'off' } };
    await dynalite.client.send(new PutItemCommand({ TableName: ENV.TABLE_NAME, Item: item }));
    try {
      const call = await containers();
      for (const [name, input] of [
        ['requestMsisdnToken', sms('07400100004')],
        ['requestEmailToken', email('switched@example.org')],
      ] as const) {
        const refused = await call(name, input);
        expect(refused.json().errcode).toBe('M_LIMIT_EXCEEDED');
        expect(refused.points).toEqual(['RateLimited', 'RateLimited scope=switch']);
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
      'ResponseFloorExceeded',
    ]);
    expect((await call('requestMsisdnToken', sms('07400123456'))).points).toEqual([
      'DecoySessionAnswered medium=msisdn',
      'ResponseFloorExceeded',
    ]);
  });

  it('has matched every filter the construct deploys at least once', () => {
    const deployed = Object.entries(filters).flatMap(([name, list]) =>
      list.map((filter) => `${name} ${filter.pattern} ${filter.metricName}`),
    );
    expect(deployed.filter((filter) => !matched.has(filter))).toEqual([]);
  });
});

describe('the filter pattern evaluator', () => {
  it.each([
    ['{ $.message = "Token sent" }', { message: 'Token sent', medium: 'email' }, true],
    ['{ $.message = "Token sent" }', { message: 'Token sent again' }, false],
    [
      '{ $.message = "Token sent" && $.medium = "msisdn" }',
      { message: 'Token sent', medium: 'msisdn' },
      true,
    ],
    [
      '{ $.message = "Token sent" && $.medium = "msisdn" }',
      { message: 'Token sent', medium: 'email' },
      false,
    ],
    ['{ $.message = "Token sent" && $.medium = "msisdn" }', { message: 'Token sent' }, false],
  ])('reads %s on %j as %s', (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });

  it.each([
    '{ $.message = Token }',
    '{ $.message != "x" }',
    '{ $.count > 1 }',
    '"Token sent"',
    '{ $.a = "x" || $.b = "y" }',
  ])('refuses %s, which it does not implement', (pattern) => {
    expect(() => matches(pattern, {})).toThrow('not the simple form');
  });
});

/** The metric filters of the construct's template, by the function whose log group they read. */
function deployedFilters(): Record<FunctionName, Filter[]> {
  const stack = new Stack(testApp(), 'LogMetrics');
  const construct = new MatrixThreepidValidation(stack, 'Validation', {
    serverName: 'example.org',
    publicBaseUrl: 'https://matrix.example.org/',
    emailFrom: 'Example <noreply@example.org>',
    smsAllowedCountries: ['GB'],
  });
  const resources = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter'));
  return Object.fromEntries(
    (Object.keys(FUNCTIONS) as FunctionName[]).flatMap((name) => {
      const logGroup = construct.functions[name]?.logGroup.node.defaultChild;
      if (logGroup === undefined) return [];
      const ref = stack.getLogicalId(logGroup as never);
      return [
        [
          name,
          resources
            .filter((resource) => resource.Properties.LogGroupName.Ref === ref)
            .map((resource): Filter => {
              const [transformation] = resource.Properties.MetricTransformations;
              return {
                pattern: resource.Properties.FilterPattern,
                metricName: transformation.MetricName,
                dimensions: Object.fromEntries(
                  (transformation.Dimensions ?? []).map((dimension: { Key: string; Value: string }) => [
                    dimension.Key,
                    dimension.Value,
                  ]),
                ),
              };
            }),
        ],
      ];
    }),
  ) as Record<FunctionName, Filter[]>;
}

/**
 * CloudWatch Logs' JSON filter syntax, in the one form the construct uses: equality of top-level
 * fields to quoted strings, joined by `&&`. Anything else is refused, so a pattern written in
 * another form cannot pass here untested.
 */
function matches(pattern: string, event: Record<string, unknown>): boolean {
  const body = /^\{\s*(.+?)\s*\}$/.exec(pattern)?.[1];
  const terms = body?.split('&&').map((term) => /^\s*\$\.([A-Za-z_]\w*)\s*=\s*"([^"*\\]*)"\s*$/.exec(term));
  if (!terms || terms.some((term) => term === null)) {
    throw new Error(`${pattern} is not the simple form { $.field = "value" && … }`);
  }
  return terms.every((term) => term !== null && event[term[1] as string] === term[2]);
}

/** What a filter publishes for a line it matches: `Metric dimension=value …`. */
function datapointOf(filter: Filter, event: Record<string, unknown>): Datapoint {
  const dimensions = Object.entries(filter.dimensions).map(([key, path]) => {
    const field = /^\$\.([A-Za-z_]\w*)$/.exec(path)?.[1];
    const value = field === undefined ? undefined : event[field];
    if (typeof value !== 'string' || value === '') {
      throw new Error(
        `${filter.metricName}: the line has no ${path} for dimension ${key}: ${JSON.stringify(event)}`,
      );
    }
    return `${key}=${value}`;
  });
  return [filter.metricName, ...dimensions].join(' ');
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
