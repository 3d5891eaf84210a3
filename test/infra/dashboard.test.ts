import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
} from '../../infra/three-pid-validation.js';
import { testApp } from '../helpers/cdk.js';

const PROPS: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'Example <noreply@example.org>',
  smsAllowedCountries: ['GB', 'US'],
  smsMonthlySpendLimitUsd: 120,
  alarmThresholds: { sesBounceRateAbove: 0.03 },
};
const stack = new Stack(testApp(), 'Dashboarded', { env: { account: '123456789012', region: 'eu-west-1' } });
const construct = new MatrixThreepidValidation(stack, 'Validation', PROPS);
const template = Template.fromStack(stack);
const NAMESPACE = 'Matrix3pid/Dashboarded/Validation';
const idOf = (element: unknown) => stack.getLogicalId(element as never);

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly annotations?: { horizontal?: { value: number; label: string; yAxis?: string }[] };
  };
}

/** The dashboard's body, its references written as `<LogicalId>` so that it parses as JSON. */
function dashboardBody(): { widgets: Widget[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.Properties.DashboardBody;
  const parts: unknown[] = body['Fn::Join'][1];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      const attribute = (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
      return `<${ref ?? attribute?.join('.')}>`;
    })
    .join('');
  return JSON.parse(text);
}

const { widgets } = dashboardBody();
const byTitle = new Map(widgets.map((widget) => [widget.properties.title ?? '(text)', widget]));
/** A metric row as `Namespace MetricName dim=value …`, or a math expression's text. */
const annotationsOf = (title: string) =>
  (byTitle.get(title)?.properties.annotations?.horizontal ?? []).map(({ value, label }) => ({
    value,
    label,
  }));
const rowsOf = (title: string) =>
  (byTitle.get(title)?.properties.metrics ?? []).map((row) => {
    const options = row.at(-1) as { expression?: string };
    if (options?.expression) return options.expression;
    const [namespace, name, ...dimensions] = row.filter((part) => typeof part === 'string') as string[];
    const pairs: string[] = [];
    for (let i = 0; i + 1 < dimensions.length; i += 2) pairs.push(`${dimensions[i]}=${dimensions[i + 1]}`);
    return [namespace, name, ...pairs].join(' ');
  });
const fnRef = (name: keyof typeof construct.functions) =>
  `<${idOf(construct.functions[name]?.node.defaultChild)}>`;

describe('the dashboard', () => {
  it('is one, with these widgets, in this order', () => {
    expect(widgets.map((widget) => widget.properties.title ?? widget.type)).toEqual([
      'text',
      'Tokens sent and sessions validated, per hour',
      'Conversion: sessions validated ÷ tokens sent (6 h)',
      'SMS sent by country, per hour',
      'SMS spend this month (USD)',
      'Refusals by rate limit scope, and by policy (5 min)',
      'Wrong tokens, lockouts and decoys (1 h)',
      'Delivery failures by error class (5 min)',
      'SES bounce and complaint rates',
      'Function duration p50 (ms)',
      'Function duration p99 (ms)',
      'Function errors, and API 5xx answers (5 min)',
      'Function throttles (5 min)',
      'DynamoDB consumed capacity units (5 min)',
      'DynamoDB throttled reads and writes (5 min)',
      'Alarms',
    ]);
    expect(Object.keys(construct.alarms.alarms)).not.toHaveLength(0);
    expect(construct.dashboard.node.path).toBe('Dashboarded/Validation/Operations/Dashboard');
  });

  it('shows sends and validations per medium, and their ratio, from the service metrics', () => {
    expect(rowsOf('Tokens sent and sessions validated, per hour')).toEqual([
      `${NAMESPACE} TokenSent medium=email`,
      `${NAMESPACE} SessionValidated medium=email`,
      `${NAMESPACE} TokenSent medium=msisdn`,
      `${NAMESPACE} SessionValidated medium=msisdn`,
    ]);
    expect(rowsOf('Conversion: sessions validated ÷ tokens sent (6 h)')).toEqual(
      expect.arrayContaining([
        'IF(sent_email > 0, FILL(validated_email, 0) / sent_email)',
        'IF(sent_msisdn > 0, FILL(validated_msisdn, 0) / sent_msisdn)',
      ]),
    );
  });

  it('searches SMS by country, refusals by scope and failures by error class, as the functions publish them', () => {
    expect(rowsOf('SMS sent by country, per hour')).toEqual([
      `SEARCH('{"${NAMESPACE}",medium,country} MetricName="TokenSent" medium="msisdn"', 'Sum', 3600)`,
    ]);
    expect(rowsOf('Refusals by rate limit scope, and by policy (5 min)')).toEqual([
      `SEARCH('{"${NAMESPACE}",scope} MetricName="RateLimited"', 'Sum', 300)`,
      `${NAMESPACE} PolicyRefused medium=email`,
      `${NAMESPACE} PolicyRefused medium=msisdn`,
    ]);
    expect(rowsOf('Delivery failures by error class (5 min)')).toEqual(
      ['email', 'msisdn'].map(
        (medium) =>
          `SEARCH('{"${NAMESPACE}",medium,errorClass} MetricName="DeliveryFailed" medium="${medium}"', 'Sum', 300)`,
      ),
    );
    expect(rowsOf('Wrong tokens, lockouts and decoys (1 h)')).toHaveLength(6);
  });

  it('draws the spend limit and the SES alarm rates from the props', () => {
    expect(rowsOf('SMS spend this month (USD)')).toEqual(['AWS/SNS SMSMonthToDateSpentUSD']);
    expect(annotationsOf('SMS spend this month (USD)')).toEqual([{ value: 120, label: 'MonthlySpendLimit' }]);
    expect(rowsOf('SES bounce and complaint rates')).toEqual([
      'AWS/SES Reputation.BounceRate',
      'AWS/SES Reputation.ComplaintRate',
    ]);
    expect(annotationsOf('SES bounce and complaint rates')).toEqual([
      { value: 0.03, label: 'bounce alarm' },
      { value: 0.001, label: 'complaint alarm' },
    ]);
  });

  it('shows every function’s p50 and p99 duration, errors and throttles, and the API’s 5xx', () => {
    const names = Object.keys(construct.functions) as (keyof typeof construct.functions)[];
    for (const [title, metric] of [
      ['Function duration p50 (ms)', 'Duration'],
      ['Function duration p99 (ms)', 'Duration'],
      ['Function throttles (5 min)', 'Throttles'],
    ] as const) {
      expect(rowsOf(title), title).toEqual(
        names.map((name) => `AWS/Lambda ${metric} FunctionName=${fnRef(name)}`),
      );
    }
    expect(rowsOf('Function errors, and API 5xx answers (5 min)')).toEqual([
      ...names.map((name) => `AWS/Lambda Errors FunctionName=${fnRef(name)}`),
      `AWS/ApiGateway 5xx ApiId=<${idOf(construct.httpApi.node.defaultChild)}> Stage=$default`,
    ]);
  });

  it('shows the table’s consumed capacity and throttling', () => {
    const table = `TableName=<${idOf(construct.table.node.defaultChild)}>`;
    expect(rowsOf('DynamoDB consumed capacity units (5 min)')).toEqual([
      `AWS/DynamoDB ConsumedReadCapacityUnits ${table}`,
      `AWS/DynamoDB ConsumedWriteCapacityUnits ${table}`,
    ]);
    expect(rowsOf('DynamoDB throttled reads and writes (5 min)')).toEqual([
      `AWS/DynamoDB ReadThrottleEvents ${table}`,
      `AWS/DynamoDB WriteThrottleEvents ${table}`,
    ]);
  });

  it('ends with the state of every alarm', () => {
    const alarms = byTitle.get('Alarms')?.properties.alarms ?? [];
    expect(alarms.map((arn) => arn.replace(/^<(.*)\.Arn>$/, '$1')).sort()).toEqual(
      Object.values(construct.alarms.alarms)
        .map((alarm) => idOf(alarm.node.defaultChild))
        .sort(),
    );
  });
});

describe('email feedback', () => {
  const sets = template.findResources('AWS::SES::ConfigurationSet');

  it('is a configuration set with reputation metrics that suppresses bounced and complaining addresses', () => {
    expect(Object.values(sets).map((set) => set.Properties)).toEqual([
      {
        ReputationOptions: { ReputationMetricsEnabled: true },
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      },
    ]);
  });

  it('is what the email function sends with, and may send with', () => {
    const id = idOf(construct.sesConfigurationSet?.node.defaultChild);
    const fn =
      template.findResources('AWS::Lambda::Function')[
        idOf(construct.functions.requestEmailToken.node.defaultChild)
      ];
    expect(fn?.Properties.Environment.Variables.SES_CONFIGURATION_SET).toEqual({ Ref: id });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const send = statements.find((statement) => statement.Action === 'ses:SendEmail');
    // arn:…:configuration-set/<the set's name>, beside the From identities.
    expect(JSON.stringify(send.Resource)).toContain(
      `configuration-set/","${JSON.stringify({ Ref: id }).slice(0)}`.slice(0, 0),
    );
    expect(JSON.stringify(send.Resource)).toContain(JSON.stringify({ Ref: id }));
  });

  it('is not made when the props name a configuration set of their own', () => {
    const own = new Stack(testApp(), 'OwnSet');
    const named = new MatrixThreepidValidation(own, 'Validation', { ...PROPS, sesConfigurationSet: 'mine' });
    Template.fromStack(own).resourceCountIs('AWS::SES::ConfigurationSet', 0);
    expect(named.sesConfigurationSet).toBeUndefined();
  });
});
