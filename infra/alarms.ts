/**
 * What an operator is told about abuse and spend (the abuse design's D12): metrics counted from
 * the functions' JSON logs by metric filters, alarms on them and on SNS's and SES's own metrics,
 * and the encrypted topic the alarms publish to.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
  Unit,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type RateLimitOverrides, resolveRateLimits } from '../functions/core/rate-limits.js';
import { SettingsError } from '../functions/settings.js';
import type { FunctionName } from './functions.js';

/**
 * A metric counted from log lines: every line of one of `from`'s functions whose `message` is
 * `message` (and whose other fields equal `where`) adds 1, under the dimensions named, whose
 * values are the line's fields of the same name. The patterns are only ever this simple form,
 * `{ $.message = "…" && $.field = "…" }`, which test/infra/log-metrics.test.ts evaluates against
 * the lines the code really prints.
 */
export interface LogMetric {
  readonly metricName: string;
  readonly message: string;
  readonly where?: Readonly<Record<string, string>>;
  readonly dimensions?: readonly string[];
  readonly from: readonly FunctionName[];
}

const REQUEST_TOKEN: readonly FunctionName[] = ['requestEmailToken', 'requestMsisdnToken'];

/** The log lines counted, by the messages core logs them with (functions/core/request-token.ts). */
export const LOG_METRICS = {
  /** Tokens sent, by medium: decoys and repeats are not counted. */
  tokenSent: { metricName: 'TokenSent', message: 'Token sent', dimensions: ['medium'], from: REQUEST_TOKEN },
  /** SMS codes sent, by the number's country: where SMS money goes. */
  smsSentByCountry: {
    metricName: 'SmsSent',
    message: 'Token sent',
    where: { medium: 'msisdn' },
    dimensions: ['country'],
    from: ['requestMsisdnToken'],
  },
  /** Sessions validated, by medium: with TokenSent, the conversion. */
  sessionValidated: {
    metricName: 'SessionValidated',
    message: 'Session validated',
    dimensions: ['medium'],
    from: ['submitToken', 'emailLink'],
  },
  /** requestToken refusals by a limit or the kill switch, all scopes together. */
  rateLimited: { metricName: 'RateLimited', message: 'Rate limited', from: REQUEST_TOKEN },
  /** The same, by scope (ip, address, block, country, global, session, switch, …). */
  rateLimitedByScope: {
    metricName: 'RateLimited',
    message: 'Rate limited',
    dimensions: ['scope'],
    from: REQUEST_TOKEN,
  },
  /** Decoy sessions answered in uniform mode, by medium. */
  decoySessionAnswered: {
    metricName: 'DecoySessionAnswered',
    message: 'Decoy session answered',
    dimensions: ['medium'],
    from: REQUEST_TOKEN,
  },
  /** Uniform answers that took longer than the floor, so their timing may tell something. */
  responseFloorExceeded: {
    metricName: 'ResponseFloorExceeded',
    message: 'ResponseFloorExceeded',
    from: REQUEST_TOKEN,
  },
} as const satisfies Record<string, LogMetric>;

/** The filter pattern of a log metric, in the one form used here. */
export function filterPatternOf(metric: LogMetric): string {
  const terms = Object.entries({ message: metric.message, ...metric.where }).map(
    ([field, value]) => `$.${field} = ${JSON.stringify(value)}`,
  );
  return `{ ${terms.join(' && ')} }`;
}

/**
 * Alarm thresholds. Each alarm notifies the topic when it goes off; missing data (no log line, no
 * send) is not breaching, except for the spend and reputation gauges, which keep their state.
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
   * Uniform answers slower than the response floor, in 15 minutes, that set off an alarm.
   * @default 1
   */
  readonly responseFloorExceededPer15Minutes?: number;
}

export const DEFAULT_SMS_SPEND_FRACTIONS: readonly number[] = [0.5, 0.8];

export interface ThreepidAlarmsProps {
  /** The log group of each function, by name; the fallback's may be missing. */
  readonly logGroups: Readonly<Partial<Record<FunctionName, ILogGroup>>>;
  /** Namespace of the metrics counted from the logs. */
  readonly namespace: string;
  /** The account's SNS `MonthlySpendLimit`, in US dollars. */
  readonly smsMonthlySpendLimitUsd: number;
  /** The rate limit overrides the functions run with, for the hourly SMS threshold. */
  readonly rateLimits?: RateLimitOverrides;
  readonly thresholds?: AlarmThresholds;
  /** An address subscribed to the topic by email. */
  readonly email?: string;
}

/**
 * The metrics, alarms and alarm topic of one MatrixThreepidValidation. The topic is encrypted
 * with a key of its own (with rotation), because CloudWatch cannot publish to a topic under the
 * AWS managed SNS key; the key and the topic let CloudWatch alarms of this account and region,
 * and nothing else outside the account, use them.
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
    const thresholds = withDefaults(props.thresholds ?? {}, props.rateLimits);
    const { partition, region, account } = Stack.of(this);
    const fromAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };

    // Deleted with the stack, whatever the table's policy: it protects nothing at rest, only
    // notifications in flight.
    const key = new Key(this, 'TopicKey', {
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
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Matrix 3PID validation alarms',
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromAlarms,
      }),
    );
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    for (const [name, metric] of Object.entries(LOG_METRICS) as [string, LogMetric][]) {
      for (const source of metric.from) {
        const logGroup = props.logGroups[source];
        if (!logGroup) continue;
        new MetricFilter(this, `${name} from ${source}`, {
          logGroup,
          filterPattern: FilterPattern.literal(filterPatternOf(metric)),
          metricNamespace: props.namespace,
          metricName: metric.metricName,
          metricValue: '1',
          unit: Unit.COUNT,
          ...(metric.dimensions
            ? {
                dimensions: Object.fromEntries(metric.dimensions.map((field) => [field, `$.${field}`])),
              }
            : {}),
        });
      }
    }
    const counted = (metric: LogMetric, dimensions: Record<string, string>, period: Duration) =>
      new Metric({
        namespace: props.namespace,
        metricName: metric.metricName,
        dimensionsMap: dimensions,
        statistic: 'Sum',
        period,
      });

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
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        `SMS spend this month has reached ${percent}% of the SNS MonthlySpendLimit (${props.smsMonthlySpendLimitUsd} USD); at the limit SNS stops sending SMS. Look at SmsSent by country; if it is an attack, turn SMS off with the cfg#switches item.`,
        // A running total: a gap in it does not mean the spend went down.
        TreatMissingData.IGNORE,
      );
    }

    alarm(
      'SmsSentPerHour',
      counted(LOG_METRICS.tokenSent, { medium: 'msisdn' }, Duration.hours(1)),
      thresholds.smsSentPerHour,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      `At least ${thresholds.smsSentPerHour} SMS codes were sent in an hour: an attack, or growth nearing the global SMS limit. Look at SmsSent by country and at MsisdnConversion.`,
    );

    const minSends = thresholds.msisdnConversionMinSends;
    alarm(
      'MsisdnConversion',
      new MathExpression({
        expression: `IF(sent >= ${minSends}, FILL(validated, 0) / sent, 1)`,
        usingMetrics: {
          sent: counted(LOG_METRICS.tokenSent, { medium: 'msisdn' }, Duration.hours(6)),
          validated: counted(LOG_METRICS.sessionValidated, { medium: 'msisdn' }, Duration.hours(6)),
        },
        period: Duration.hours(6),
        label: 'SMS codes validated per SMS code sent',
      }),
      thresholds.msisdnConversionBelow,
      ComparisonOperator.LESS_THAN_THRESHOLD,
      `Fewer than ${percentOf(thresholds.msisdnConversionBelow)} of the SMS codes sent in 6 hours (at least ${minSends}) were entered: the mark of SMS pumping. Narrow smsAllowedCountries to where your users are, or turn SMS off with the cfg#switches item.`,
    );

    alarm(
      'RateLimitBurst',
      counted(LOG_METRICS.rateLimited, {}, Duration.minutes(5)),
      thresholds.rateLimitedPer5Minutes,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      `At least ${thresholds.rateLimitedPer5Minutes} requestToken calls were refused by a rate limit in 5 minutes: an attack in progress. RateLimited by scope says which limit.`,
    );

    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    alarm(
      'SesBounceRate',
      reputation('Reputation.BounceRate'),
      thresholds.sesBounceRateAbove,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `The SES account's bounce rate is above ${percentOf(thresholds.sesBounceRateAbove)}; SES puts an account under review at 5% and may pause its sending at 10%. Someone may be requesting tokens for made-up addresses: look at RateLimited and at the email domain lists.`,
      TreatMissingData.IGNORE,
    );
    alarm(
      'SesComplaintRate',
      reputation('Reputation.ComplaintRate'),
      thresholds.sesComplaintRateAbove,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `The SES account's complaint rate is above ${percentOf(thresholds.sesComplaintRateAbove)}; SES puts an account under review at 0.1% and may pause its sending at 0.5%. Validation emails are reaching people who did not ask for them.`,
      TreatMissingData.IGNORE,
    );

    alarm(
      'ResponseFloorExceeded',
      counted(LOG_METRICS.responseFloorExceeded, {}, Duration.minutes(15)),
      thresholds.responseFloorExceededPer15Minutes,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      'A uniform requestToken answer took longer than the response floor, so its timing may tell whether the address has an account. Raise responseFloorMs above the slowest send.',
    );
    this.alarms = alarms;
  }
}

type Thresholds = Required<AlarmThresholds>;

/** The thresholds with their defaults; the hourly SMS one follows the global SMS limit. */
function withDefaults(given: AlarmThresholds, rateLimits: RateLimitOverrides | undefined): Thresholds {
  const smsHour = resolveRateLimits(rateLimits ?? {}).smsGlobal.hour;
  return {
    smsSpendFractions: given.smsSpendFractions ?? DEFAULT_SMS_SPEND_FRACTIONS,
    smsSentPerHour: given.smsSentPerHour ?? Math.max(1, Math.ceil(smsHour / 2)),
    msisdnConversionBelow: given.msisdnConversionBelow ?? 0.2,
    msisdnConversionMinSends: given.msisdnConversionMinSends ?? 20,
    rateLimitedPer5Minutes: given.rateLimitedPer5Minutes ?? 100,
    sesBounceRateAbove: given.sesBounceRateAbove ?? 0.02,
    sesComplaintRateAbove: given.sesComplaintRateAbove ?? 0.001,
    responseFloorExceededPer15Minutes: given.responseFloorExceededPer15Minutes ?? 1,
  };
}

/** Thresholds that could never be right, each named as a prop (`alarmThresholds.…`). */
export function alarmThresholdProblems(given: AlarmThresholds = {}): string[] {
  const thresholds = withDefaults(given, undefined);
  const problems: string[] = [];
  const fraction = (name: keyof Thresholds, value: number) => {
    if (!(value > 0 && value <= 1))
      problems.push(`alarmThresholds.${name} must be more than 0 and at most 1`);
  };
  const count = (name: keyof Thresholds, value: number) => {
    if (!(Number.isSafeInteger(value) && value >= 1))
      problems.push(`alarmThresholds.${name} must be a whole number, at least 1`);
  };
  const percents = thresholds.smsSpendFractions.map((value) => Math.round(value * 100));
  if (percents.length === 0 || new Set(percents).size !== percents.length) {
    problems.push(
      'alarmThresholds.smsSpendFractions must be at least one fraction, each a different percent',
    );
  }
  for (const value of thresholds.smsSpendFractions) fraction('smsSpendFractions', value);
  fraction('msisdnConversionBelow', thresholds.msisdnConversionBelow);
  fraction('sesBounceRateAbove', thresholds.sesBounceRateAbove);
  fraction('sesComplaintRateAbove', thresholds.sesComplaintRateAbove);
  count('smsSentPerHour', thresholds.smsSentPerHour);
  count('msisdnConversionMinSends', thresholds.msisdnConversionMinSends);
  count('rateLimitedPer5Minutes', thresholds.rateLimitedPer5Minutes);
  count('responseFloorExceededPer15Minutes', thresholds.responseFloorExceededPer15Minutes);
  return [...new Set(problems)];
}

/** Cents are enough for a dollar threshold. */
const round = (dollars: number) => Math.round(dollars * 100) / 100;
const percentOf = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}%`;
