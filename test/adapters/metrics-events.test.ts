import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics/catalogue.js';
import { EmfDomainEvents } from '../../functions/adapters/metrics/emf-events.js';
import { LogDomainEvents } from '../../functions/adapters/metrics/log-events.js';
import type { DomainEvent } from '../../functions/core/ports.js';
import { RecordingLogger } from '../helpers/fakes.js';

/** One event of every kind, as core records them. */
const EVERY_KIND: readonly DomainEvent[] = [
  { kind: 'token-sent', medium: 'msisdn', purpose: 'registration', country: 'GB' },
  { kind: 'session-validated', medium: 'email', purpose: 'add_threepid' },
  { kind: 'token-incorrect', medium: 'msisdn', purpose: 'password_reset' },
  { kind: 'session-locked', medium: 'msisdn', purpose: 'password_reset' },
  { kind: 'delivery-failed', medium: 'email', purpose: 'registration', errorClass: 'MessageRejected' },
  { kind: 'rate-limited', medium: 'email', scope: 'ip' },
  { kind: 'policy-refused', medium: 'msisdn', purpose: 'registration' },
  { kind: 'decoy-answered', medium: 'email', purpose: 'registration' },
  { kind: 'response-floor-exceeded', medium: 'email' },
];

/** The JSON lines written to stdout while `act` runs. */
function printed(act: () => void): Record<string, unknown>[] {
  let written = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written += String(chunk);
    return true;
  });
  try {
    act();
  } finally {
    spy.mockRestore();
  }
  return written
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

describe('EmfDomainEvents', () => {
  // Off for the rest of the suite (vitest.config.ts): on here, as on Lambda.
  beforeEach(() => vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false'));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('prints one EMF line per dimension set: the namespace, a count of 1, no service dimension', () => {
    const events = new EmfDomainEvents('Matrix3pid/Test', new RecordingLogger());
    const lines = printed(() =>
      events.record({ kind: 'token-sent', medium: 'msisdn', purpose: 'registration', country: 'GB' }),
    );
    expect(
      lines.map(({ _aws, ...fields }) => [
        (_aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics,
        fields,
      ]),
    ).toEqual([
      [
        [
          {
            Namespace: 'Matrix3pid/Test',
            Dimensions: [['medium']],
            Metrics: [{ Name: 'TokenSent', Unit: 'Count' }],
          },
        ],
        { medium: 'msisdn', TokenSent: 1 },
      ],
      [
        [
          {
            Namespace: 'Matrix3pid/Test',
            Dimensions: [['medium', 'purpose']],
            Metrics: [{ Name: 'TokenSent', Unit: 'Count' }],
          },
        ],
        { medium: 'msisdn', purpose: 'registration', TokenSent: 1 },
      ],
      [
        [
          {
            Namespace: 'Matrix3pid/Test',
            Dimensions: [['medium', 'country']],
            Metrics: [{ Name: 'TokenSent', Unit: 'Count' }],
          },
        ],
        { medium: 'msisdn', country: 'GB', TokenSent: 1 },
      ],
    ]);
  });

  it('publishes every kind under each of its catalogued dimension sets, a total as no dimension', () => {
    const events = new EmfDomainEvents('Matrix3pid/Test', new RecordingLogger());
    for (const event of EVERY_KIND) {
      const sets = printed(() => events.record(event)).map(
        (line) =>
          (line._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]
            ?.Dimensions[0],
      );
      expect(sets, event.kind).toEqual(METRICS[event.kind].dimensionSets);
    }
  });

  it('leaves out a dimension set the event has no value for: an email has no country', () => {
    const events = new EmfDomainEvents('Matrix3pid/Test', new RecordingLogger());
    const lines = printed(() =>
      events.record({ kind: 'token-sent', medium: 'email', purpose: 'registration' }),
    );
    expect(lines.map((line) => Object.keys(line).sort())).toEqual([
      ['TokenSent', '_aws', 'medium'],
      ['TokenSent', '_aws', 'medium', 'purpose'],
    ]);
  });
});

describe('LogDomainEvents', () => {
  it('logs each event as Counted, with its metric and dimension values', () => {
    const logger = new RecordingLogger();
    const events = new LogDomainEvents(logger);
    events.record({ kind: 'rate-limited', medium: 'msisdn', scope: 'block' });
    events.record({ kind: 'response-floor-exceeded', medium: 'email' });
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: 'Counted',
        attributes: [{ metric: 'RateLimited', medium: 'msisdn', scope: 'block' }],
      },
      {
        level: 'info',
        message: 'Counted',
        attributes: [{ metric: 'ResponseFloorExceeded', medium: 'email' }],
      },
    ]);
  });
});
