import { randomBytes, randomInt } from 'node:crypto';
import type { Clock, Random } from '../../core/ports.js';

export const systemClock: Clock = { now: () => Date.now() };

/** Node's CSPRNG. */
export const cryptoRandom: Random = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
  integer: (maxExclusive) => randomInt(maxExclusive),
};
