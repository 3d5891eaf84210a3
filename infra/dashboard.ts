/**
 * The operator's one page: what the service sends and validates, what it refuses, what it costs,
 * how its functions, API and table are doing, and the state of every alarm. The service's own
 * metrics come from the functions (EMF, infra/service-metrics.ts); the rest are AWS's.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IWidget,
  MathExpression,
  Metric,
  PeriodOverride,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Medium } from '../functions/core/model.js';
import type { FunctionName } from './functions.js';
import { serviceMetric, serviceSearch } from './service-metrics.js';

export interface ThreepidDashboardProps {
  /** Namespace of the metrics the functions publish. */
  readonly namespace: string;
  readonly functions: Readonly<Partial<Record<FunctionName, IFunction>>>;
  readonly stage: HttpStage;
  readonly table: ITableV2;
  /** The account's SNS `MonthlySpendLimit`, drawn on the spend graph. */
  readonly smsMonthlySpendLimitUsd: number;
  /** The SES rates the alarms go off at, drawn on the reputation graph. */
  readonly sesBounceRateAbove: number;
  readonly sesComplaintRateAbove: number;
  /** Every alarm, for the status widget. */
  readonly alarms: readonly Alarm[];
}

const MEDIA: readonly Medium[] = ['email', 'msisdn'];
const HOUR = Duration.hours(1);
const FIVE_MINUTES = Duration.minutes(5);

/** One CloudWatch dashboard; its widgets are exposed by title, for tests and for extending. */
export class ThreepidDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** Every widget, by its title. */
  readonly widgets: Readonly<Record<string, IWidget>>;

  constructor(scope: Construct, id: string, props: ThreepidDashboardProps) {
    super(scope, id);
    const { namespace } = props;
    const widgets: Record<string, IWidget> = {};
    const graph = (title: string, options: Omit<ConstructorParameters<typeof GraphWidget>[0], 'title'>) => {
      widgets[title] = new GraphWidget({ title, width: 12, height: 6, ...options });
      return widgets[title];
    };
    // One line per value found (every scope, every country): CloudWatch names each by its dimensions.
    const search = (expression: string, period: Duration) => new MathExpression({ expression, period });
    const functions = Object.entries(props.functions) as [FunctionName, IFunction][];

    const heading = new TextWidget({
      markdown: [
        '# Matrix 3PID validation',
        `Service metrics in \`${namespace}\`. What each graph means, and what to do when an alarm goes off: docs/runbook.md ("Reading the dashboard").`,
      ].join('\n\n'),
      width: 24,
      height: 2,
    });

    const sends = graph('Tokens sent and sessions validated, per hour', {
      left: MEDIA.flatMap((medium) => [
        serviceMetric(namespace, 'token-sent', { medium }, HOUR, `${medium} sent`),
        serviceMetric(namespace, 'session-validated', { medium }, HOUR, `${medium} validated`),
      ]),
      leftYAxis: { min: 0, showUnits: false },
    });
    const conversion = graph('Conversion: sessions validated ÷ tokens sent (6 h)', {
      left: MEDIA.map(
        (medium) =>
          new MathExpression({
            expression: `IF(sent_${medium} > 0, FILL(validated_${medium}, 0) / sent_${medium})`,
            usingMetrics: {
              [`sent_${medium}`]: serviceMetric(namespace, 'token-sent', { medium }, Duration.hours(6)),
              [`validated_${medium}`]: serviceMetric(
                namespace,
                'session-validated',
                { medium },
                Duration.hours(6),
              ),
            },
            period: Duration.hours(6),
            label: medium,
          }),
      ),
      leftYAxis: { min: 0, max: 1, showUnits: false },
    });
    const byCountry = graph('SMS sent by country, per hour', {
      left: [
        search(
          serviceSearch(namespace, 'token-sent', ['medium', 'country'], HOUR, { medium: 'msisdn' }),
          HOUR,
        ),
      ],
      leftYAxis: { min: 0, showUnits: false },
    });
    const spend = graph('SMS spend this month (USD)', {
      left: [
        new Metric({
          namespace: 'AWS/SNS',
          metricName: 'SMSMonthToDateSpentUSD',
          statistic: 'Maximum',
          period: HOUR,
          label: 'spent',
        }),
      ],
      leftAnnotations: [
        { value: props.smsMonthlySpendLimitUsd, label: 'MonthlySpendLimit' } satisfies HorizontalAnnotation,
      ],
      leftYAxis: { min: 0, showUnits: false },
    });
    const refusals = graph('Refusals by rate limit scope, and by policy (5 min)', {
      left: [search(serviceSearch(namespace, 'rate-limited', ['scope'], FIVE_MINUTES), FIVE_MINUTES)],
      right: MEDIA.map((medium) =>
        serviceMetric(namespace, 'policy-refused', { medium }, FIVE_MINUTES, `policy ${medium}`),
      ),
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
    });
    const guesses = graph('Wrong tokens, lockouts and decoys (1 h)', {
      left: MEDIA.flatMap((medium) => [
        serviceMetric(namespace, 'token-incorrect', { medium }, HOUR, `${medium} wrong`),
        serviceMetric(namespace, 'session-locked', { medium }, HOUR, `${medium} locked`),
        serviceMetric(namespace, 'decoy-answered', { medium }, HOUR, `${medium} decoys`),
      ]),
      leftYAxis: { min: 0, showUnits: false },
    });
    const failures = graph('Delivery failures by error class (5 min)', {
      left: MEDIA.map((medium) =>
        search(
          serviceSearch(namespace, 'delivery-failed', ['medium', 'errorClass'], FIVE_MINUTES, { medium }),
          FIVE_MINUTES,
        ),
      ),
      leftYAxis: { min: 0, showUnits: false },
    });
    const reputation = graph('SES bounce and complaint rates', {
      left: ['Reputation.BounceRate', 'Reputation.ComplaintRate'].map(
        (metricName) =>
          new Metric({
            namespace: 'AWS/SES',
            metricName,
            statistic: 'Maximum',
            period: HOUR,
            label: metricName.replace('Reputation.', ''),
          }),
      ),
      leftAnnotations: [
        { value: props.sesBounceRateAbove, label: 'bounce alarm' },
        { value: props.sesComplaintRateAbove, label: 'complaint alarm' },
      ],
      leftYAxis: { min: 0, showUnits: false },
    });

    const latency = (percentile: 'p50' | 'p99') =>
      graph(`Function duration ${percentile} (ms)`, {
        left: functions.map(([name, fn]) =>
          fn.metricDuration({ statistic: percentile, period: FIVE_MINUTES, label: name }),
        ),
        leftYAxis: { min: 0, showUnits: false },
      });
    const p50 = latency('p50');
    const p99 = latency('p99');
    const errors = graph('Function errors, and API 5xx answers (5 min)', {
      left: functions.map(([name, fn]) =>
        fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES, label: name }),
      ),
      right: [props.stage.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES, label: 'API 5xx' })],
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
    });
    const throttles = graph('Function throttles (5 min)', {
      left: functions.map(([name, fn]) =>
        fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES, label: name }),
      ),
      leftYAxis: { min: 0, showUnits: false },
    });
    const tableMetric = (metricName: string, label: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        label,
      });
    const capacity = graph('DynamoDB consumed capacity units (5 min)', {
      left: [
        tableMetric('ConsumedReadCapacityUnits', 'read'),
        tableMetric('ConsumedWriteCapacityUnits', 'write'),
      ],
      leftYAxis: { min: 0, showUnits: false },
    });
    const tableThrottles = graph('DynamoDB throttled reads and writes (5 min)', {
      left: [
        tableMetric('ReadThrottleEvents', 'read throttles'),
        tableMetric('WriteThrottleEvents', 'write throttles'),
      ],
      leftYAxis: { min: 0, showUnits: false },
    });
    widgets.Alarms = new AlarmStatusWidget({
      title: 'Alarms',
      alarms: [...props.alarms],
      width: 24,
      height: Math.max(2, Math.ceil(props.alarms.length / 4) + 1),
    });

    this.widgets = widgets;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      periodOverride: PeriodOverride.AUTO,
      widgets: [
        [heading],
        [sends, conversion],
        [byCountry, spend],
        [refusals, guesses],
        [failures, reputation],
        [p50, p99],
        [errors, throttles],
        [capacity, tableThrottles],
        [widgets.Alarms],
      ],
    });
  }
}
