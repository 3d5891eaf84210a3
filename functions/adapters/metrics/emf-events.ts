import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DomainEvent, DomainEvents, Logger } from '../../core/ports.js';
import { datapointOf } from './catalogue.js';

/**
 * Domain events as CloudWatch metrics, in the embedded metric format (Powertools Metrics): each
 * event is a JSON line on stdout per dimension set, which CloudWatch Logs turns into datapoints. No API call, no
 * permission, no latency. There is no `service` dimension: the namespace is the deployment's own.
 */
export class EmfDomainEvents implements DomainEvents {
  private readonly metrics: Metrics;

  constructor(
    namespace: string,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    this.metrics = new Metrics({ namespace });
    this.metrics.clearDefaultDimensions();
  }

  record(event: DomainEvent): void {
    const point = datapointOf(event);
    try {
      // One line per dimension set (Powertools warns, in plain text, when sets of one line share a
      // key), each added and published in one synchronous step, so no other request's mix in.
      for (const set of point.dimensionSets) {
        this.metrics.addDimensions(Object.fromEntries(set.map((name) => [name, point.values[name] ?? ''])));
        this.metrics.addMetric(point.name, MetricUnit.Count, 1);
        this.metrics.publishStoredMetrics();
      }
    } catch (error) {
      // Counting never fails a request.
      this.metrics.clearMetrics();
      this.metrics.clearDimensions();
      this.logger.warn('Metric not recorded', {
        metric: point.name,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
}
