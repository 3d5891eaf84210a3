import type { Clock } from '../../functions/core/ports.js';

/** A clock that moves only when a test says so. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 10, 23, 12, 0, 0)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
