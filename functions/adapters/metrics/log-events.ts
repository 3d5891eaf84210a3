import type { DomainEvent, DomainEvents, Logger } from '../../core/ports.js';
import { datapointOf } from './catalogue.js';

/**
 * Domain events as log lines, where there is no CloudWatch (`npm start`): `Counted` with the
 * metric and its dimension values, at INFO.
 */
export class LogDomainEvents implements DomainEvents {
  constructor(private readonly logger: Pick<Logger, 'info'>) {}

  record(event: DomainEvent): void {
    const { name, values } = datapointOf(event);
    this.logger.info('Counted', { metric: name, ...values });
  }
}
