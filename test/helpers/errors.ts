import { expect } from 'vitest';
import { MatrixError } from '../../functions/core/errors.js';

/** The MatrixError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejectionOf(promise: Promise<unknown>): Promise<MatrixError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MatrixError) return error;
    throw error;
  }
  throw new Error('expected a MatrixError');
}

/** The MatrixError a call throws; fails the test if it returns or throws something else. */
export function thrownBy(action: () => unknown): MatrixError {
  try {
    action();
  } catch (error) {
    if (error instanceof MatrixError) return error;
    throw error;
  }
  throw new Error('expected a MatrixError');
}

/** Expects a promise to fail closed: 503 M_UNKNOWN with Retry-After, as every homeserver adapter does. */
export async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await rejectionOf(promise);
  expect([error.status, error.errcode]).toEqual([503, 'M_UNKNOWN']);
  expect(error.extras.headers).toEqual({ 'Retry-After': '5' });
}
