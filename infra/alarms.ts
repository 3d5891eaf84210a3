/**
 * What pages the operator: alarms on the service's own metrics (published by the functions in
 * the embedded metric format, infra/service-metrics.ts), on Lambda, API Gateway and DynamoDB, and
 * on SNS's and SES's account metrics, with the encrypted topic they all notify. The abuse design's
 * D12 alarms are here, and the operational ones (errors, throttles, 5xx, delivery failures).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Medium } from '../functions/core/model.js';
import {
  type RateLimitOverrides,
  type RateLimits,
  resolveRateLimits,
} from '../functions/core/rate-limits.js';
import { SettingsError } from '../functions/settings.js';
import type { FunctionName } from './functions.js';
import { serviceMetric } from './service-metrics.js';

/**
 * Alarm thresholds. Each alarm notifies the topic when it goes off; missing data (no event, no
 * invocation) is not breaching, except for the spend, reputation and success-rate gauges, which
 * keep their state.
 */
export interface AlarmThresholds {
  /**
   * Fractions of `smsMonthlySpendLimitUsd` at which `SMSMonthToDateSpentUSD` sets off an alarm,
   * one alarm each.
   * @default [0.5, 0.8]
   */
  readonly smsSpendFractions?: readonly number[];
  /**
   * SMS codes sent in an hour that set off an alarm: attack, or growth that will soon hit the cap.
   * @default half the global hourly SMS limit (`rateLimits.smsGlobal.hour`, 30 by default): 15
   */
  readonly smsSentPerHour?: number;
  /**
   * SMS codes sent to one allowed country in an hour that set off that country's alarm (one per
   * country of `smsAllowedCountries`; none when it is `'*'`).
   * @default half that country's hourly SMS limit (`rateLimits.smsCountries`, else `smsCountry`): 10
   */
  readonly smsSentPerCountryHour?: number;
  /**
   * Below this share of SMS codes validated (over 6 hours), the alarm goes off: SMS pumping sends
   * codes nobody enters.
   * @default 0.2
   */
  readonly msisdnConversionBelow?: number;
  /**
   * The conversion alarm judges only 6-hour windows with at least this many SMS codes sent.
   * @default 20
   */
  readonly msisdnConversionMinSends?: number;
  /**
   * requestToken refusals (every limit and the kill switch) in 5 minutes that set off an alarm.
   * @default 100
   */
  readonly rateLimitedPer5Minutes?: number;
  /**
   * SES account bounce rate (a fraction) above which the alarm goes off; SES reviews accounts at 5%.
   * @default 0.02
   */
  readonly sesBounceRateAbove?: number;
  /**
   * SES account complaint rate (a fraction) above which the alarm goes off; SES reviews at 0.1%.
   * @default 0.001
   */
  readonly sesComplaintRateAbove?: number;
  /**
   * SNS's share of SMS delivered (a fraction, over an hour) below which the alarm goes off: invalid
   * or fake number ranges, or a carrier refusing the sender.
   * @default 0.8
   */
  readonly smsSuccessRateBelow?: number;
  /**
   * Uniform answers slower than the response floor, in 15 minutes, that set off an alarm.
   * @default 1
   */
  readonly responseFloorExceededPer15Minutes?: number;
  /**
   * Tokens SES or SNS did not take, per medium in 15 minutes, that set off that medium's alarm.
   * @default 3
   */
  readonly deliveryFailuresPer15Minutes?: number;
  /**
   * Failed invocations of one function in 5 minutes (a crash, a timeout, a failed cold start; a
   * handled error is a 5xx answer, counted by the API's alarm) that set off its alarm.
   * @default 1
   */
  readonly lambdaErrorsPer5Minutes?: number;
  /**
   * Invocations of one function refused by Lambda's concurrency limits in 5 minutes that set off
   * its alarm (for the SMS function: its reserved concurrency is full).
   * @default 1
   */
  readonly lambdaThrottlesPer5Minutes?: number;
  /**
   * Share of the API's answers that are 5xx, over 5 minutes, above which the alarm goes off.
   * @default 0.05
   */
  readonly api5xxRateAbove?: number;
  /**
   * The 5xx alarm judges only 5-minute windows with at least this many requests.
   * @default 20
   */
  readonly api5xxMinRequests?: number;
  /**
   * Reads and writes DynamoDB throttled on the table in 5 minutes that set off an alarm: a hot
   * key (the global SMS counter under a flood) or an account limit.
   * @default 1
   */
  readonly dynamoDbThrottlesPer5Minutes?: number;
}

export const DEFAULT_SMS_SPEND_FRACTIONS: readonly number[] = [0.5, 0.8];
export const DEFAULT_SES_BOUNCE_RATE_ABOVE = 0.02;
export const DEFAULT_SES_COMPLAINT_RATE_ABOVE = 0.001;

export interface ThreepidAlarmsProps {
  /** Namespace of the metrics the functions publish. */
  readonly namespace: string;
  /** The functions, by name; the fallback and the password reset may be missing. */
  readonly functions: Readonly<Partial<Record<FunctionName, IFunction>>>;
  /** The API's stage, whose 5xx share is watched. */
  readonly stage: HttpStage;
  /** The sessions table, whose throttling is watched. */
  readonly table: ITableV2;
  /** The account's SNS `MonthlySpendLimit`, in US dollars. */
  readonly smsMonthlySpendLimitUsd: number;
  /** The countries SMS may go to: each gets an hourly alarm of its own. */
  readonly smsAllowedCountries: '*' | readonly string[];
  /** The rate limit overrides the functions run with, for the hourly SMS thresholds. */
  readonly rateLimits?: RateLimitOverrides;
  readonly thresholds?: AlarmThresholds;
  /** An address subscribed to the topic by email. */
  readonly email?: string;
}

/**
 * The alarms and alarm topic of one MatrixThreepidValidation. The topic is encrypted with a key of
 * its own (with rotation), because CloudWatch cannot publish to a topic under the AWS managed SNS
 * key; the key and the topic let CloudWatch alarms of this account and region, and nothing else
 * outside the account, use them.
 */
export class ThreepidAlarms extends Construct {
  /** Where every alarm is sent. Subscribe to it (email, chat, paging). */
  readonly topic: Topic;
  /** Every alarm, by what it watches. */
  readonly alarms: Readonly<Record<string, Alarm>>;

  constructor(scope: Construct, id: string, props: ThreepidAlarmsProps) {
    super(scope, id);
    const problems = alarmThresholdProblems(props.thresholds);
    if (problems.length > 0) throw new SettingsError('ThreepidAlarms: invalid props', problems);
    const limits = resolveRateLimits(props.rateLimits ?? {});
    const thresholds = withDefaults(props.thresholds ?? {}, limits);
    const { namespace } = props;
    this.topic = alarmTopic(this);
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    const alarms: Record<string, Alarm> = {};
    const alarm = (
      id: string,
      metric: IMetric,
      threshold: number,
      comparisonOperator: ComparisonOperator,
      alarmDescription: string,
      treatMissingData = TreatMissingData.NOT_BREACHING,
    ) => {
      alarms[id] = new Alarm(this, id, {
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData,
        alarmDescription,
      });
      alarms[id].addAlarmAction(new SnsAction(this.topic));
    };
    const AT_LEAST = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const ABOVE = ComparisonOperator.GREATER_THAN_THRESHOLD;
    const BELOW = ComparisonOperator.LESS_THAN_THRESHOLD;

    // SMS money: spend, volume, volume by country, and whether the codes are ever entered.
    const spent = new Metric({
      namespace: 'AWS/SNS',
      metricName: 'SMSMonthToDateSpentUSD',
      statistic: 'Maximum',
      period: Duration.hours(1),
    });
    for (const fraction of thresholds.smsSpendFractions) {
      const percent = Math.round(fraction * 100);
      alarm(
        `SmsSpend${percent}Percent`,
        spent,
        round(props.smsMonthlySpendLimitUsd * fraction),
        AT_LEAST,
        `SMS spend this month has reached ${percent}% of the SNS MonthlySpendLimit (${props.smsMonthlySpendLimitUsd} USD); at the limit SNS stops sending SMS. Look at SMS sent by country on the dashboard; if it is an attack, turn SMS off with the cfg#switches item (docs/runbook.md).`,
        // A running total: a gap in it does not mean the spend went down.
        TreatMissingData.IGNORE,
      );
    }
    alarm(
      'SmsSentPerHour',
      serviceMetric(namespace, 'token-sent', { medium: 'msisdn' }, Duration.hours(1)),
      thresholds.smsSentPerHour,
      AT_LEAST,
      `At least ${thresholds.smsSentPerHour} SMS codes were sent in an hour: an attack, or growth nearing the global SMS limit. Look at SMS sent by country and at the conversion on the dashboard.`,
    );
    for (const country of props.smsAllowedCountries === '*' ? [] : props.smsAllowedCountries) {
      const threshold = thresholds.smsSentPerCountryHour ?? countryHourAlarm(limits, country);
      alarm(
        `SmsSentPerHour${country}`,
        serviceMetric(namespace, 'token-sent', { medium: 'msisdn', country }, Duration.hours(1)),
        threshold,
        AT_LEAST,
        `At least ${threshold} SMS codes went to numbers of ${country} in an hour: traffic pumping aims at one destination. If ${country} is not where your users are, take it out of smsAllowedCountries.`,
      );
    }
    const minSends = thresholds.msisdnConversionMinSends;
    alarm(
      'MsisdnConversion',
      new MathExpression({
        expression: `IF(sent >= ${minSends}, FILL(validated, 0) / sent, 1)`,
        usingMetrics: {
          sent: serviceMetric(namespace, 'token-sent', { medium: 'msisdn' }, Duration.hours(6)),
          validated: serviceMetric(namespace, 'session-validated', { medium: 'msisdn' }, Duration.hours(6)),
        },
        period: Duration.hours(6),
        label: 'SMS codes validated per SMS code sent',
      }),
      thresholds.msisdnConversionBelow,
      BELOW,
      `Fewer than ${percentOf(thresholds.msisdnConversionBelow)} of the SMS codes sent in 6 hours (at least ${minSends}) were entered: the mark of SMS pumping. Narrow smsAllowedCountries to where your users are, or turn SMS off with the cfg#switches item.`,
    );
    alarm(
      'SmsSuccessRate',
      new Metric({
        namespace: 'AWS/SNS',
        metricName: 'SMSSuccessRate',
        statistic: 'Average',
        period: Duration.hours(1),
      }),
      thresholds.smsSuccessRateBelow,
      BELOW,
      `Fewer than ${percentOf(thresholds.smsSuccessRateBelow)} of the SMS SNS sent in an hour were delivered: numbers that do not exist (pumping uses made-up ranges), or a carrier refusing the sender ID. Look at SMS sent by country and at the SNS delivery status logs.`,
      TreatMissingData.IGNORE,
    );

    // Abuse: refusals, and uniform answers whose timing may tell something.
    alarm(
      'RateLimitBurst',
      serviceMetric(namespace, 'rate-limited', {}, Duration.minutes(5)),
      thresholds.rateLimitedPer5Minutes,
      AT_LEAST,
      `At least ${thresholds.rateLimitedPer5Minutes} requestToken calls were refused by a rate limit in 5 minutes: an attack in progress. Refusals by scope on the dashboard say which limit.`,
    );
    alarm(
      'ResponseFloorExceeded',
      serviceMetric(namespace, 'response-floor-exceeded', {}, Duration.minutes(15)),
      thresholds.responseFloorExceededPer15Minutes,
      AT_LEAST,
      'A uniform requestToken answer took longer than the response floor, so its timing may tell whether the address has an account. Raise responseFloorMs above the slowest send.',
    );

    // Email reputation: SES reviews an account, and may pause it, on these two.
    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    alarm(
      'SesBounceRate',
      reputation('Reputation.BounceRate'),
      thresholds.sesBounceRateAbove,
      ABOVE,
      `The SES account's bounce rate is above ${percentOf(thresholds.sesBounceRateAbove)}; SES puts an account under review at 5% and may pause its sending at 10%. Someone may be requesting tokens for made-up addresses: look at refusals and at the email domain lists.`,
      TreatMissingData.IGNORE,
    );
    alarm(
      'SesComplaintRate',
      reputation('Reputation.ComplaintRate'),
      thresholds.sesComplaintRateAbove,
      ABOVE,
      `The SES account's complaint rate is above ${percentOf(thresholds.sesComplaintRateAbove)}; SES puts an account under review at 0.1% and may pause its sending at 0.5%. Validation emails are reaching people who did not ask for them.`,
      TreatMissingData.IGNORE,
    );

    // Sending broken: the provider did not take tokens.
    for (const medium of ['email', 'msisdn'] as const satisfies readonly Medium[]) {
      const provider = medium === 'email' ? 'SES' : 'SNS';
      alarm(
        `${medium === 'email' ? 'Email' : 'Sms'}DeliveryFailures`,
        serviceMetric(namespace, 'delivery-failed', { medium }, Duration.minutes(15)),
        thresholds.deliveryFailuresPer15Minutes,
        AT_LEAST,
        `${provider} refused or failed at least ${thresholds.deliveryFailuresPer15Minutes} ${medium === 'email' ? 'emails' : 'SMS'} in 15 minutes, so users got errors instead of tokens. Delivery failures by error class on the dashboard say why (MessageRejected: an unverified identity or the SES sandbox; Throttling: a sending quota; AccessDenied: permissions).`,
      );
    }

    // The platform: each function's crashes and throttles, the API's 5xx share, the table's throttling.
    for (const [name, fn] of Object.entries(props.functions) as [FunctionName, IFunction][]) {
      alarm(
        `${name}Errors`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        thresholds.lambdaErrorsPer5Minutes,
        AT_LEAST,
        `The ${name} function failed at least ${thresholds.lambdaErrorsPer5Minutes} invocation(s) in 5 minutes: a crash, a timeout or a cold start that could not read its configuration or secrets. Its log group has the error.`,
      );
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        thresholds.lambdaThrottlesPer5Minutes,
        AT_LEAST,
        `Lambda refused at least ${thresholds.lambdaThrottlesPer5Minutes} invocation(s) of ${name} in 5 minutes for want of concurrency; clients saw 500s.${name === 'requestMsisdnToken' ? ' Its reserved concurrency (smsReservedConcurrency) is full: a flood of SMS requests.' : ''}`,
      );
    }
    const minRequests = thresholds.api5xxMinRequests;
    alarm(
      'Api5xxRate',
      new MathExpression({
        expression: `IF(requests >= ${minRequests}, FILL(errors, 0) / requests, 0)`,
        usingMetrics: {
          errors: props.stage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
          requests: props.stage.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
        label: 'Share of answers that are 5xx',
      }),
      thresholds.api5xxRateAbove,
      ABOVE,
      `More than ${percentOf(thresholds.api5xxRateAbove)} of the API's answers in 5 minutes (of at least ${minRequests}) were 5xx: a function failing, DynamoDB or the homeserver not answering, or a provider failing. The function error alarms and the logs ("Request failed") say which.`,
    );
    const throttled = (metricName: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    alarm(
      'DynamoDbThrottles',
      new MathExpression({
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        usingMetrics: { reads: throttled('ReadThrottleEvents'), writes: throttled('WriteThrottleEvents') },
        period: Duration.minutes(5),
        label: 'Throttled reads and writes',
      }),
      thresholds.dynamoDbThrottlesPer5Minutes,
      AT_LEAST,
      `DynamoDB throttled at least ${thresholds.dynamoDbThrottlesPer5Minutes} read(s) or write(s) on the sessions table in 5 minutes: a hot key (the global SMS or email counter under a flood) or the account's on-demand limits. Requests failed with 500s.`,
    );
    this.alarms = alarms;
  }
}

/** The encrypted topic the alarms publish to, which only this account's CloudWatch alarms may use. */
function alarmTopic(scope: Construct): Topic {
  const { partition, region, account } = Stack.of(scope);
  const fromAlarms = {
    StringEquals: { 'aws:SourceAccount': account },
    ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
  };
  // Deleted with the stack, whatever the table's policy: it protects nothing at rest, only
  // notifications in flight.
  const key = new Key(scope, 'TopicKey', {
    description: 'Encrypts the Matrix 3PID validation alarm topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsPublishToTheTopic',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: fromAlarms,
    }),
  );
  const topic = new Topic(scope, 'Topic', {
    displayName: 'Matrix 3PID validation alarms',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromAlarms,
    }),
  );
  return topic;
}

type Thresholds = Required<Omit<AlarmThresholds, 'smsSentPerCountryHour'>> &
  Pick<AlarmThresholds, 'smsSentPerCountryHour'>;

/** Half an hourly limit, and at least 1: the point where an hour looks like an attack. */
const halfOf = (hourly: number) => Math.max(1, Math.ceil(hourly / 2));

/** The hourly alarm of one country: half its own limit, or half the default country limit. */
function countryHourAlarm(limits: RateLimits, country: string): number {
  return halfOf((limits.smsCountries[country] ?? limits.smsCountry).hour);
}

/** The thresholds with their defaults; the hourly SMS ones follow the SMS limits. */
function withDefaults(given: AlarmThresholds, limits: RateLimits): Thresholds {
  return {
    smsSpendFractions: given.smsSpendFractions ?? DEFAULT_SMS_SPEND_FRACTIONS,
    smsSentPerHour: given.smsSentPerHour ?? halfOf(limits.smsGlobal.hour),
    smsSentPerCountryHour: given.smsSentPerCountryHour,
    msisdnConversionBelow: given.msisdnConversionBelow ?? 0.2,
    msisdnConversionMinSends: given.msisdnConversionMinSends ?? 20,
    rateLimitedPer5Minutes: given.rateLimitedPer5Minutes ?? 100,
    sesBounceRateAbove: given.sesBounceRateAbove ?? DEFAULT_SES_BOUNCE_RATE_ABOVE,
    sesComplaintRateAbove: given.sesComplaintRateAbove ?? DEFAULT_SES_COMPLAINT_RATE_ABOVE,
    smsSuccessRateBelow: given.smsSuccessRateBelow ?? 0.8,
    responseFloorExceededPer15Minutes: given.responseFloorExceededPer15Minutes ?? 1,
    deliveryFailuresPer15Minutes: given.deliveryFailuresPer15Minutes ?? 3,
    lambdaErrorsPer5Minutes: given.lambdaErrorsPer5Minutes ?? 1,
    lambdaThrottlesPer5Minutes: given.lambdaThrottlesPer5Minutes ?? 1,
    api5xxRateAbove: given.api5xxRateAbove ?? 0.05,
    api5xxMinRequests: given.api5xxMinRequests ?? 20,
    dynamoDbThrottlesPer5Minutes: given.dynamoDbThrottlesPer5Minutes ?? 1,
  };
}

/** Thresholds that could never be right, each named as a prop (`alarmThresholds.…`). */
export function alarmThresholdProblems(given: AlarmThresholds = {}): string[] {
  const thresholds = withDefaults(given, resolveRateLimits({}));
  const problems: string[] = [];
  const fraction = (name: keyof AlarmThresholds, value: number) => {
    if (!(value > 0 && value <= 1))
      problems.push(`alarmThresholds.${name} must be more than 0 and at most 1`);
  };
  const count = (name: keyof AlarmThresholds, value: number | undefined) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1))
      problems.push(`alarmThresholds.${name} must be a whole number, at least 1`);
  };
  const percents = thresholds.smsSpendFractions.map((value) => Math.round(value * 100));
  if (percents.length === 0 || new Set(percents).size !== percents.length) {
    problems.push(
      'alarmThresholds.smsSpendFractions must be at least one fraction, each a different percent',
    );
  }
  for (const value of thresholds.smsSpendFractions) fraction('smsSpendFractions', value);
  for (const name of [
    'msisdnConversionBelow',
    'sesBounceRateAbove',
    'sesComplaintRateAbove',
    'smsSuccessRateBelow',
    'api5xxRateAbove',
  ] as const) {
    fraction(name, thresholds[name]);
  }
  for (const name of [
    'smsSentPerHour',
    'smsSentPerCountryHour',
    'msisdnConversionMinSends',
    'rateLimitedPer5Minutes',
    'responseFloorExceededPer15Minutes',
    'deliveryFailuresPer15Minutes',
    'lambdaErrorsPer5Minutes',
    'lambdaThrottlesPer5Minutes',
    'api5xxMinRequests',
    'dynamoDbThrottlesPer5Minutes',
  ] as const) {
    count(name, thresholds[name]);
  }
  return [...new Set(problems)];
}

/** Cents are enough for a dollar threshold. */
const round = (dollars: number) => Math.round(dollars * 100) / 100;
const percentOf = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}%`;
