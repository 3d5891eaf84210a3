import { randomBytes, randomInt } from 'node:crypto';
import type { Clock, Random, Sleeper } from '../../core/ports.js';

export const systemClock: Clock = { now: () => Date.now() };

/** Node's CSPRNG. */
export const cryptoRandom: Random = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
  integer: (maxExclusive) => randomInt(maxExclusive),
};

/** Waits with a timer: the floor under uniform responses. */
export const timerSleeper: Sleeper = {
  sleepUntil: (epochMs) =>
    new Promise((resolve) => {
      setTimeout(resolve, Math.max(0, epochMs - Date.now()));
    }),
};
