/**
 * Every metric the service publishes, one per kind of domain event, with the dimension sets it is
 * published under. The functions publish by it (emf-events.ts) and the construct's alarms and
 * dashboard read by it (infra/service-metrics.ts), so a renamed metric or a dropped dimension set fails
 * to compile or fails a test rather than leaving an alarm watching nothing.
 *
 * Each event is one datapoint of 1 under every dimension set whose dimensions it has: a set of
 * `[]` is the total, with no dimension. Dimension values are low-cardinality and never personal:
 * a medium, a purpose, a limit's scope, a country code, a provider's error name.
 */
import type { DomainEvent } from '../../core/ports.js';

export type MetricDimension = 'medium' | 'purpose' | 'scope' | 'country' | 'errorClass';

export interface MetricSpec {
  readonly name: string;
  /** What one datapoint means, for the dashboard and the README. */
  readonly counts: string;
  readonly dimensionSets: readonly (readonly MetricDimension[])[];
}

export const METRICS = {
  'token-sent': {
    name: 'TokenSent',
    counts: 'a token sent (not a repeat, not a decoy); SMS also by the number’s country',
    dimensionSets: [['medium'], ['medium', 'purpose'], ['medium', 'country']],
  },
  'session-validated': {
    name: 'SessionValidated',
    counts: 'a session validated by its token, the first time',
    dimensionSets: [['medium'], ['medium', 'purpose']],
  },
  'token-incorrect': {
    name: 'TokenIncorrect',
    counts: 'a wrong code or link token submitted',
    dimensionSets: [['medium'], ['medium', 'purpose']],
  },
  'session-locked': {
    name: 'SessionLocked',
    counts: 'a session locked by its last wrong submission',
    dimensionSets: [['medium'], ['medium', 'purpose']],
  },
  'delivery-failed': {
    name: 'DeliveryFailed',
    counts: 'a token SES or SNS did not take, by the provider’s error name',
    dimensionSets: [['medium'], ['medium', 'errorClass']],
  },
  'rate-limited': {
    name: 'RateLimited',
    counts: 'a requestToken refused by a rate limit or the kill switch, by scope',
    dimensionSets: [[], ['scope'], ['medium', 'scope']],
  },
  'policy-refused': {
    name: 'PolicyRefused',
    counts: 'a requestToken refused by the operator’s policy (country, number type, email domain)',
    dimensionSets: [['medium'], ['medium', 'purpose']],
  },
  'decoy-answered': {
    name: 'DecoySessionAnswered',
    counts: 'a decoy session answered in uniform mode',
    dimensionSets: [['medium'], ['medium', 'purpose']],
  },
  'response-floor-exceeded': {
    name: 'ResponseFloorExceeded',
    counts: 'a uniform answer slower than the response floor',
    dimensionSets: [[], ['medium']],
  },
} as const satisfies Record<DomainEvent['kind'], MetricSpec>;

/** One event as a datapoint: the metric, its dimension values, and the sets it is published under. */
export interface Datapoint {
  readonly name: string;
  readonly values: Readonly<Partial<Record<MetricDimension, string>>>;
  readonly dimensionSets: readonly (readonly MetricDimension[])[];
}

export function datapointOf(event: DomainEvent): Datapoint {
  const spec: MetricSpec = METRICS[event.kind];
  const values: Partial<Record<MetricDimension, string>> = {};
  for (const dimension of ['medium', 'purpose', 'scope', 'country', 'errorClass'] as const) {
    const value = (event as Partial<Record<MetricDimension, string | undefined>>)[dimension];
    if (value !== undefined && value !== '') values[dimension] = value;
  }
  return {
    name: spec.name,
    values,
    // A set is published only when the event has all its dimensions (an email has no country).
    dimensionSets: spec.dimensionSets.filter((set) => set.every((dimension) => dimension in values)),
  };
}
