import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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
};

function synth(overrides: Partial<MatrixThreepidValidationProps> = {}) {
  const stack = new Stack(testApp(), 'Alarmed', { env: { account: '123456789012', region: 'eu-west-1' } });
  const construct = new MatrixThreepidValidation(stack, 'Validation', { ...PROPS, ...overrides });
  return { stack, construct, template: Template.fromStack(stack) };
}

const { stack, construct, template } = synth();
const idOf = (element: unknown, source = stack) => source.getLogicalId(element as never);
const NAMESPACE = 'Matrix3pid/Alarmed/Validation';

/** Every alarm, by the construct's own name for it (the logical ID's readable part). */
function alarmsOf(source = template, sourceConstruct = construct, sourceStack = stack) {
  const resources = source.findResources('AWS::CloudWatch::Alarm');
  return Object.fromEntries(
    Object.entries(sourceConstruct.alarms.alarms).map(([name, alarm]) => [
      name,
      resources[idOf(alarm.node.defaultChild, sourceStack)]?.Properties,
    ]),
  );
}

describe('the service metrics', () => {
  it('are published by the functions that count, into a namespace of each construct’s own, or the one given', () => {
    const variables = (source: Template) =>
      Object.values(source.findResources('AWS::Lambda::Function')).map(
        (fn) => fn.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE,
      );
    expect(variables(template).filter(Boolean)).toEqual(Array(4).fill(NAMESPACE));
    expect(construct.metricNamespace).toBe(NAMESPACE);
    const given = synth({ metricNamespace: 'Example/3pid' });
    expect(new Set(variables(given.template).filter(Boolean))).toEqual(new Set(['Example/3pid']));
    const stackOfTwo = new Stack(testApp(), 'Two');
    const first = new MatrixThreepidValidation(stackOfTwo, 'First', PROPS);
    const second = new MatrixThreepidValidation(stackOfTwo, 'Second', PROPS);
    expect([first.metricNamespace, second.metricNamespace]).toEqual([
      'Matrix3pid/Two/First',
      'Matrix3pid/Two/Second',
    ]);
  });

  it('are counted from the functions’ own lines, so no log metric filter counts them twice', () => {
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });
});

describe('the alarms', () => {
  const topicRef = () => ({ Ref: idOf(construct.alarmTopic.node.defaultChild) });
  const common = () => ({
    AlarmActions: [topicRef()],
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
  });
  const serviceMetric = (
    MetricName: string,
    Period: number,
    Dimensions?: { Name: string; Value: string }[],
  ) => ({
    Namespace: NAMESPACE,
    MetricName,
    Statistic: 'Sum',
    Period,
    ...(Dimensions ? { Dimensions } : {}),
  });

  it('are these, each notifying the topic, none on the way back to OK', () => {
    const alarms = alarmsOf();
    const perFunction = Object.keys(construct.functions).flatMap((name) => [
      `${name}Errors`,
      `${name}Throttles`,
    ]);
    expect(Object.keys(alarms).sort()).toEqual(
      [
        'Api5xxRate',
        'DynamoDbThrottles',
        'EmailDeliveryFailures',
        'MsisdnConversion',
        'RateLimitBurst',
        'ResponseFloorExceeded',
        'SesBounceRate',
        'SesComplaintRate',
        'SmsDeliveryFailures',
        'SmsSentPerHour',
        'SmsSentPerHourGB',
        'SmsSentPerHourUS',
        'SmsSpend50Percent',
        'SmsSpend80Percent',
        'SmsSuccessRate',
        ...perFunction,
      ].sort(),
    );
    // Six functions here: no homeserver admin, so no password reset; no homeserver, so the fallback.
    expect(perFunction).toHaveLength(12);
    for (const alarm of Object.values(alarms)) {
      expect(alarm).toMatchObject(common());
      expect(alarm?.OKActions).toBeUndefined();
      expect(alarm?.AlarmDescription).toEqual(expect.any(String));
    }
  });

  it('watch SMS spend at 50% and 80% of the monthly limit, keeping their state through gaps', () => {
    const alarms = alarmsOf();
    for (const [name, threshold] of [
      ['SmsSpend50Percent', 25],
      ['SmsSpend80Percent', 40],
    ] as const) {
      expect(alarms[name]).toMatchObject({
        Namespace: 'AWS/SNS',
        MetricName: 'SMSMonthToDateSpentUSD',
        Statistic: 'Maximum',
        Period: 3600,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      });
      expect(alarms[name]?.Dimensions).toBeUndefined();
    }
  });

  it('watch SMS sent an hour, at half the global hourly SMS limit', () => {
    expect(alarmsOf().SmsSentPerHour).toMatchObject({
      ...serviceMetric('TokenSent', 3600, [{ Name: 'medium', Value: 'msisdn' }]),
      Threshold: 15,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('watch the share of SMS codes entered over 6 hours, judged only from 20 sends', () => {
    const alarm = alarmsOf().MsisdnConversion;
    expect(alarm).toMatchObject({
      Threshold: 0.2,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const stat = (MetricName: string) => ({
      Metric: { Namespace: NAMESPACE, MetricName, Dimensions: [{ Name: 'medium', Value: 'msisdn' }] },
      Period: 21600,
      Stat: 'Sum',
    });
    expect(alarm?.Metrics).toEqual([
      {
        Id: expect.any(String),
        Expression: 'IF(sent >= 20, FILL(validated, 0) / sent, 1)',
        Label: expect.any(String),
        ReturnData: true,
      },
      { Id: 'sent', MetricStat: stat('TokenSent'), ReturnData: false },
      { Id: 'validated', MetricStat: stat('SessionValidated'), ReturnData: false },
    ]);
  });

  it('watch refusals by any limit, 100 in 5 minutes', () => {
    expect(alarmsOf().RateLimitBurst).toMatchObject({
      ...serviceMetric('RateLimited', 300),
      Threshold: 100,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarmsOf().RateLimitBurst?.Dimensions).toBeUndefined();
  });

  it('watch the SES account’s bounce rate over 2% and complaint rate over 0.1%', () => {
    const alarms = alarmsOf();
    for (const [name, metricName, threshold] of [
      ['SesBounceRate', 'Reputation.BounceRate', 0.02],
      ['SesComplaintRate', 'Reputation.ComplaintRate', 0.001],
    ] as const) {
      expect(alarms[name]).toMatchObject({
        Namespace: 'AWS/SES',
        MetricName: metricName,
        Statistic: 'Maximum',
        Period: 3600,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'ignore',
      });
    }
  });

  it('watch uniform answers slower than the floor, one in 15 minutes', () => {
    expect(alarmsOf().ResponseFloorExceeded).toMatchObject({
      ...serviceMetric('ResponseFloorExceeded', 900),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('watch SMS to each allowed country an hour, at half its own hourly limit', () => {
    const alarms = alarmsOf();
    for (const country of ['GB', 'US']) {
      expect(alarms[`SmsSentPerHour${country}`]).toMatchObject({
        ...serviceMetric('TokenSent', 3600, [
          { Name: 'country', Value: country },
          { Name: 'medium', Value: 'msisdn' },
        ]),
        Threshold: 10,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    const custom = synth({ rateLimits: { smsCountries: { US: { hour: 50 } } } });
    const customAlarms = alarmsOf(custom.template, custom.construct, custom.stack);
    expect([customAlarms.SmsSentPerHourGB?.Threshold, customAlarms.SmsSentPerHourUS?.Threshold]).toEqual([
      10, 25,
    ]);
    const everywhere = synth({ smsAllowedCountries: '*' });
    expect(
      Object.keys(everywhere.construct.alarms.alarms).filter((name) => /^SmsSentPerHour../.test(name)),
    ).toEqual([]);
  });

  it('watch SNS’s share of SMS delivered, below 80% over an hour, keeping its state through gaps', () => {
    expect(alarmsOf().SmsSuccessRate).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'SMSSuccessRate',
      Statistic: 'Average',
      Period: 3600,
      Threshold: 0.8,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it('watch tokens the provider did not take, 3 in 15 minutes, for each medium', () => {
    const alarms = alarmsOf();
    for (const [name, medium] of [
      ['EmailDeliveryFailures', 'email'],
      ['SmsDeliveryFailures', 'msisdn'],
    ] as const) {
      expect(alarms[name]).toMatchObject({
        ...serviceMetric('DeliveryFailed', 900, [{ Name: 'medium', Value: medium }]),
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('watch each function’s failed and throttled invocations, one in 5 minutes', () => {
    const alarms = alarmsOf();
    for (const [name, fn] of Object.entries(construct.functions)) {
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: idOf(fn.node.defaultChild) } }];
      for (const metricName of ['Errors', 'Throttles']) {
        expect(alarms[`${name}${metricName}`], name).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: dimensions,
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    }
  });

  it('watch the API’s share of 5xx answers, over 5% of at least 20 requests in 5 minutes', () => {
    const alarm = alarmsOf().Api5xxRate;
    expect(alarm).toMatchObject({ Threshold: 0.05, ComparisonOperator: 'GreaterThanThreshold' });
    const stat = (MetricName: string) => ({
      Metric: {
        Namespace: 'AWS/ApiGateway',
        MetricName,
        Dimensions: [
          { Name: 'ApiId', Value: { Ref: idOf(construct.httpApi.node.defaultChild) } },
          { Name: 'Stage', Value: '$default' },
        ],
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(alarm?.Metrics).toEqual([
      {
        Id: expect.any(String),
        Expression: 'IF(requests >= 20, FILL(errors, 0) / requests, 0)',
        Label: expect.any(String),
        ReturnData: true,
      },
      { Id: 'errors', MetricStat: stat('5xx'), ReturnData: false },
      { Id: 'requests', MetricStat: stat('Count'), ReturnData: false },
    ]);
  });

  it('watch the table’s throttled reads and writes, one in 5 minutes', () => {
    const alarm = alarmsOf().DynamoDbThrottles;
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const stat = (MetricName: string) => ({
      Metric: {
        Namespace: 'AWS/DynamoDB',
        MetricName,
        Dimensions: [{ Name: 'TableName', Value: { Ref: idOf(construct.table.node.defaultChild) } }],
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(alarm?.Metrics).toEqual([
      {
        Id: expect.any(String),
        Expression: 'FILL(reads, 0) + FILL(writes, 0)',
        Label: expect.any(String),
        ReturnData: true,
      },
      { Id: 'reads', MetricStat: stat('ReadThrottleEvents'), ReturnData: false },
      { Id: 'writes', MetricStat: stat('WriteThrottleEvents'), ReturnData: false },
    ]);
  });

  it('take every threshold from the props', () => {
    const custom = synth({
      smsMonthlySpendLimitUsd: 300,
      alarmThresholds: {
        smsSpendFractions: [0.25, 0.5, 0.9],
        smsSentPerHour: 40,
        msisdnConversionBelow: 0.35,
        msisdnConversionMinSends: 50,
        rateLimitedPer5Minutes: 500,
        sesBounceRateAbove: 0.03,
        sesComplaintRateAbove: 0.0005,
        responseFloorExceededPer15Minutes: 5,
        smsSentPerCountryHour: 7,
        smsSuccessRateBelow: 0.9,
        deliveryFailuresPer15Minutes: 10,
        lambdaErrorsPer5Minutes: 2,
        lambdaThrottlesPer5Minutes: 4,
        api5xxRateAbove: 0.1,
        api5xxMinRequests: 50,
        dynamoDbThrottlesPer5Minutes: 6,
      },
    });
    const alarms = alarmsOf(custom.template, custom.construct, custom.stack);
    expect(
      Object.fromEntries(Object.entries(alarms).map(([name, alarm]) => [name, alarm?.Threshold])),
    ).toEqual({
      SmsSpend25Percent: 75,
      SmsSpend50Percent: 150,
      SmsSpend90Percent: 270,
      SmsSentPerHour: 40,
      SmsSentPerHourGB: 7,
      SmsSentPerHourUS: 7,
      MsisdnConversion: 0.35,
      SmsSuccessRate: 0.9,
      RateLimitBurst: 500,
      SesBounceRate: 0.03,
      SesComplaintRate: 0.0005,
      ResponseFloorExceeded: 5,
      EmailDeliveryFailures: 10,
      SmsDeliveryFailures: 10,
      ...Object.fromEntries(
        Object.keys(custom.construct.functions).flatMap((name) => [
          [`${name}Errors`, 2],
          [`${name}Throttles`, 4],
        ]),
      ),
      Api5xxRate: 0.1,
      DynamoDbThrottles: 6,
    });
    expect(alarms.MsisdnConversion?.Metrics[0].Expression).toBe(
      'IF(sent >= 50, FILL(validated, 0) / sent, 1)',
    );
    expect(alarms.Api5xxRate?.Metrics[0].Expression).toBe(
      'IF(requests >= 50, FILL(errors, 0) / requests, 0)',
    );
  });

  it('follow the global SMS limit the functions run with', () => {
    const custom = synth({ rateLimits: { smsGlobal: { hour: 9 } } });
    expect(alarmsOf(custom.template, custom.construct, custom.stack).SmsSentPerHour?.Threshold).toBe(5);
    const closed = synth({ rateLimits: { smsGlobal: { hour: 0, day: 0 } } });
    expect(alarmsOf(closed.template, closed.construct, closed.stack).SmsSentPerHour?.Threshold).toBe(1);
  });

  it.each([
    [{ smsSpendFractions: [] }, 'alarmThresholds.smsSpendFractions must be at least one fraction'],
    [
      { smsSpendFractions: [0.5, 1.5] },
      'alarmThresholds.smsSpendFractions must be more than 0 and at most 1',
    ],
    [
      { msisdnConversionBelow: 20 },
      'alarmThresholds.msisdnConversionBelow must be more than 0 and at most 1',
    ],
    [{ sesBounceRateAbove: 0 }, 'alarmThresholds.sesBounceRateAbove must be more than 0 and at most 1'],
    [{ smsSentPerHour: 0 }, 'alarmThresholds.smsSentPerHour must be a whole number, at least 1'],
    [{ rateLimitedPer5Minutes: 2.5 }, 'alarmThresholds.rateLimitedPer5Minutes must be a whole number'],
    [{ api5xxRateAbove: 5 }, 'alarmThresholds.api5xxRateAbove must be more than 0 and at most 1'],
    [{ smsSentPerCountryHour: 0 }, 'alarmThresholds.smsSentPerCountryHour must be a whole number'],
    [{ lambdaErrorsPer5Minutes: -1 }, 'alarmThresholds.lambdaErrorsPer5Minutes must be a whole number'],
  ])('refuses thresholds %j at synth', (alarmThresholds, message) => {
    expect(() => synth({ alarmThresholds })).toThrow(message);
  });
});

describe('the alarm topic', () => {
  const topicId = idOf(construct.alarmTopic.node.defaultChild);
  const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0] ?? '';
  const fromAlarmsOfThisAccount = {
    StringEquals: { 'aws:SourceAccount': '123456789012' },
    ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*' },
  };

  it('is encrypted with a rotated key of its own, which CloudWatch alarms of this account may use', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
    expect(template.findResources('AWS::SNS::Topic')[topicId]?.Properties).toEqual({
      DisplayName: 'Matrix 3PID validation alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const statements = template.findResources('AWS::KMS::Key')[keyId]?.Properties.KeyPolicy.Statement;
    expect(statements).toContainEqual({
      Sid: 'CloudWatchAlarmsPublishToTheTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: fromAlarmsOfThisAccount,
    });
  });

  it('takes messages over TLS only, from CloudWatch alarms of this account', () => {
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policy?.Properties.Topics).toEqual([{ Ref: topicId }]);
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: fromAlarmsOfThisAccount,
      },
    ]);
  });

  it('has no subscription unless an alarm email is given, then that one', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const subscribed = synth({ alarmEmail: 'ops@example.org' });
    subscribed.template.resourceCountIs('AWS::SNS::Subscription', 1);
    subscribed.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: idOf(subscribed.construct.alarmTopic.node.defaultChild, subscribed.stack) },
    });
  });

  it('is the alarms construct’s topic, exposed on the main construct', () => {
    expect(construct.alarmTopic).toBe(construct.alarms.topic);
  });
});
