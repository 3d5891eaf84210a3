/**
 * The construct's view of the metrics the functions publish (functions/adapters/metrics/
 * catalogue.ts): a metric is asked for by its event kind and one of the dimension sets it is
 * published under, so an alarm or a widget can only read what the functions really emit.
 */
import type { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS, type MetricDimension } from '../functions/adapters/metrics/catalogue.js';
import type { DomainEvent } from '../functions/core/ports.js';

export type EventKind = DomainEvent['kind'];
export type Dimensions = Readonly<Partial<Record<MetricDimension, string>>>;

/** The Sum of one of the functions' metrics over `period`, under exactly `dimensions`. */
export function serviceMetric(
  namespace: string,
  kind: EventKind,
  dimensions: Dimensions,
  period: Duration,
  label?: string,
): Metric {
  const spec = METRICS[kind];
  const keys = Object.keys(dimensions).sort().join(',');
  if (!spec.dimensionSets.some((set) => [...set].sort().join(',') === keys)) {
    throw new Error(`${spec.name} is not published under the dimensions [${keys}]`);
  }
  return new Metric({
    namespace,
    metricName: spec.name,
    dimensionsMap: { ...dimensions } as Record<string, string>,
    statistic: 'Sum',
    period,
    ...(label ? { label } : {}),
  });
}

/**
 * A dashboard search over one of the functions' metrics, one line per value of `by` (every scope,
 * every country): for widgets only, since alarms cannot search.
 */
export function serviceSearch(
  namespace: string,
  kind: EventKind,
  dimensionSet: readonly MetricDimension[],
  period: Duration,
  filter: Dimensions = {},
): string {
  const spec = METRICS[kind];
  if (!spec.dimensionSets.some((set) => set.join(',') === dimensionSet.join(','))) {
    throw new Error(`${spec.name} is not published under the dimensions [${dimensionSet.join(',')}]`);
  }
  const schema = [JSON.stringify(namespace), ...dimensionSet].join(',');
  const terms = [
    `MetricName=${JSON.stringify(spec.name)}`,
    ...Object.entries(filter).map(([key, value]) => `${key}=${JSON.stringify(value)}`),
  ];
  return `SEARCH('{${schema}} ${terms.join(' ')}', 'Sum', ${period.toSeconds()})`;
}
