import { type ICreateClientOpts, MatrixError } from 'matrix-js-sdk';
import { expect } from 'vitest';

/** matrix-js-sdk logs every failed request; in tests the failures are on purpose. */
export const quietLogger: NonNullable<ICreateClientOpts['logger']> = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  getChild: () => quietLogger,
};

/** The MatrixError an SDK call fails with; fails the test if it succeeds or fails otherwise. */
export function sdkErrorOf(promise: Promise<unknown>): Promise<MatrixError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(MatrixError);
      return error as MatrixError;
    },
  );
}
