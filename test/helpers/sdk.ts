import type { ICreateClientOpts } from 'matrix-js-sdk';

/** matrix-js-sdk logs every failed request; in tests the failures are on purpose. */
export const quietLogger: NonNullable<ICreateClientOpts['logger']> = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  getChild: () => quietLogger,
};
