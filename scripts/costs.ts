/**
 * What 10,000 validations a month cost on AWS, from the unit prices and usage assumptions in
 * docs/cost-model.json, and the construct's own count of alarms. Prints the README's table;
 * `--write` puts it in the README between its markers. Re-run when a price changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { METRICS } from '../functions/adapters/metrics/catalogue.js';
import { MatrixThreepidValidation } from '../infra/three-pid-validation.js';

const MODEL_FILE = fileURLToPath(new URL('../docs/cost-model.json', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));
export const START =
  '<!-- costs:start: generated from docs/cost-model.json by `npm run costs -- --write` -->';
export const END = '<!-- costs:end -->';

interface Price {
  readonly usd: number;
  readonly source: string;
  readonly asOf: string;
}
interface PerValidation {
  readonly apiRequests: number;
  readonly invocationMs: readonly number[];
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
  readonly emails: number;
  readonly sms: number;
}
export interface CostModel {
  /** Whether every price was read from its page on its date; the README warns while it is not. */
  readonly verifiedAgainstSources: boolean;
  readonly region: string;
  readonly validationsPerMonth: number;
  readonly prices: Readonly<Record<PriceName, Price>>;
  readonly smsPerMessage: {
    readonly source: string;
    readonly asOf: string;
    readonly countries: Readonly<Record<string, { readonly name: string; readonly usd: number }>>;
  };
  readonly usage: {
    readonly memoryMb: number;
    readonly email: PerValidation;
    readonly msisdn: PerValidation;
    readonly logBytesPerInvocation: number;
    readonly busyMetrics: { readonly kinds: readonly (keyof typeof METRICS)[]; readonly purposes: number };
    readonly secrets: number;
  };
}
type PriceName =
  | 'lambdaRequestPerMillion'
  | 'lambdaArmGbSecond'
  | 'httpApiRequestPerMillion'
  | 'dynamoDbWriteRequestUnitPerMillion'
  | 'dynamoDbReadRequestUnitPerMillion'
  | 'sesEmailPerThousand'
  | 'cloudWatchLogsIngestedPerGb'
  | 'cloudWatchCustomMetricPerMonth'
  | 'cloudWatchAlarmMetricPerMonth'
  | 'cloudWatchDashboardPerMonth'
  | 'secretsManagerSecretPerMonth'
  | 'kmsKeyPerMonth';

export function loadModel(): CostModel {
  return JSON.parse(readFileSync(MODEL_FILE, 'utf8')) as CostModel;
}

/** One column of the table: a kind of validation, its cost per month by service. */
export interface Column {
  readonly title: string;
  readonly lines: Readonly<Record<string, number>>;
  readonly total: number;
}

/** The month's cost of `validations` validations of one kind, by service. */
export function variableCosts(model: CostModel, kind: PerValidation, smsUsd: number): Record<string, number> {
  const n = model.validationsPerMonth;
  const { prices } = model;
  const invocations = kind.invocationMs.length * n;
  const gbSeconds =
    (kind.invocationMs.reduce((sum, ms) => sum + ms, 0) / 1000) * (model.usage.memoryMb / 1024) * n;
  const logGb = (invocations * model.usage.logBytesPerInvocation) / 1024 ** 3;
  return {
    Lambda:
      (invocations / 1e6) * prices.lambdaRequestPerMillion.usd + gbSeconds * prices.lambdaArmGbSecond.usd,
    'API Gateway': ((kind.apiRequests * n) / 1e6) * prices.httpApiRequestPerMillion.usd,
    DynamoDB:
      ((kind.writeRequestUnits * n) / 1e6) * prices.dynamoDbWriteRequestUnitPerMillion.usd +
      ((kind.readRequestUnits * n) / 1e6) * prices.dynamoDbReadRequestUnitPerMillion.usd,
    SES: ((kind.emails * n) / 1000) * prices.sesEmailPerThousand.usd,
    'SNS SMS': kind.sms * n * smsUsd,
    'CloudWatch Logs': logGb * prices.cloudWatchLogsIngestedPerGb.usd,
  };
}

/** What the deployment costs whatever its traffic: alarms, the dashboard, busy metrics, the secret and key. */
export function fixedCosts(model: CostModel, alarmMetrics: number): Record<string, number> {
  const { prices, usage } = model;
  const countries = Object.keys(model.smsPerMessage.countries).length;
  const busy = usage.busyMetrics.kinds.reduce(
    (sum, kind) =>
      sum +
      METRICS[kind].dimensionSets.reduce((sets, set) => {
        const cardinality = (set as readonly string[]).reduce(
          (product, dimension) =>
            product *
            ({ medium: 2, purpose: usage.busyMetrics.purposes, country: countries }[dimension as string] ??
              1),
          1,
        );
        // The country set exists for SMS only: one medium.
        return sets + ((set as readonly string[]).includes('country') ? cardinality / 2 : cardinality);
      }, 0),
    0,
  );
  return {
    [`CloudWatch alarms (${alarmMetrics} alarm metrics)`]:
      alarmMetrics * prices.cloudWatchAlarmMetricPerMonth.usd,
    'CloudWatch dashboard': prices.cloudWatchDashboardPerMonth.usd,
    [`CloudWatch metrics (${busy} busy)`]: busy * prices.cloudWatchCustomMetricPerMonth.usd,
    'Secrets Manager (HMAC key)': usage.secrets * prices.secretsManagerSecretPerMonth.usd,
    'KMS key (alarm topic)': prices.kmsKeyPerMonth.usd,
  };
}

/** Alarm metrics of the construct as deployed for the table's SMS countries: what CloudWatch bills. */
export function countAlarmMetrics(countries: readonly string[]): number {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Costs');
  new MatrixThreepidValidation(stack, 'Validation', {
    serverName: 'example.org',
    publicBaseUrl: 'https://matrix.example.org/',
    emailFrom: 'noreply@example.org',
    smsAllowedCountries: countries,
  });
  return Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).reduce(
    (sum, alarm) =>
      sum +
      (alarm.Properties.Metrics
        ? alarm.Properties.Metrics.filter((query: { MetricStat?: unknown }) => query.MetricStat).length
        : 1),
    0,
  );
}

const dollars = (usd: number) => (usd === 0 ? '–' : usd < 0.005 ? '< $0.01' : `$${usd.toFixed(2)}`);

/** The README's section: the table, what it assumes, and where the prices come from. */
export function costSection(model: CostModel, alarmMetrics: number): string {
  const columns: Column[] = [
    { title: 'email', ...withTotal(variableCosts(model, model.usage.email, 0)) },
    ...Object.entries(model.smsPerMessage.countries).map(([code, country]) => ({
      title: `SMS ${code}`,
      ...withTotal(variableCosts(model, model.usage.msisdn, country.usd)),
    })),
  ];
  const services = Object.keys(columns[0]?.lines ?? {});
  const fixed = fixedCosts(model, alarmMetrics);
  const fixedTotal = Object.values(fixed).reduce((sum, usd) => sum + usd, 0);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const n = model.validationsPerMonth.toLocaleString('en-US');
  return [
    `${n} validations a month, all of one kind, in ${model.region} at list prices (no free tier):`,
    '',
    row(['', ...columns.map((column) => column.title)]),
    row(['---', ...columns.map(() => '---:')]),
    ...services.map((service) =>
      row([service, ...columns.map((column) => dollars(column.lines[service] ?? 0))]),
    ),
    row(['**total**', ...columns.map((column) => `**${dollars(column.total)}**`)]),
    '',
    `Whatever the traffic, a deployment also costs about **${dollars(fixedTotal)}** a month:`,
    '',
    row(['', 'a month']),
    row(['---', '---:']),
    ...Object.entries(fixed).map(([name, usd]) => row([name, dollars(usd)])),
    '',
    `SMS prices per message: ${Object.entries(model.smsPerMessage.countries)
      .map(([code, country]) => `${country.name} (${code}) $${country.usd}`)
      .join(
        ', ',
      )}, from ${model.smsPerMessage.source}, recorded ${model.smsPerMessage.asOf}. Every other unit price, its page and its date are in [docs/cost-model.json](docs/cost-model.json), with what one validation uses (${model.usage.email.apiRequests} API requests and ${model.usage.email.invocationMs.length} invocations for an email, ${model.usage.msisdn.apiRequests} and ${model.usage.msisdn.invocationMs.length} for an SMS).`,
    ...(model.verifiedAgainstSources
      ? []
      : [
          '',
          '**Not yet checked against the price pages:** these unit prices were written down without reading the pages they cite. Re-read each page before relying on the figures, then set `verifiedAgainstSources` in the model.',
        ]),
  ].join('\n');
}

function withTotal(lines: Record<string, number>): { lines: Record<string, number>; total: number } {
  return { lines, total: Object.values(lines).reduce((sum, usd) => sum + usd, 0) };
}

/** The README with its cost section replaced by `section`. */
export function withSection(readme: string, section: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n\n${section}\n\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const model = loadModel();
  const section = costSection(model, countAlarmMetrics(Object.keys(model.smsPerMessage.countries)));
  if (process.argv.includes('--write')) {
    writeFileSync(README, withSection(readFileSync(README, 'utf8'), section));
    console.log('README.md: cost table rewritten.');
  } else {
    console.log(section);
  }
}
