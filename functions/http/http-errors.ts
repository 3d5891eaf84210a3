/**
 * Errors of the HTTP transport rather than of the domain: bodies that are not JSON or have the
 * wrong shape, unknown routes and methods, oversized bodies. They are MatrixErrors all the same,
 * so the one error mapper (http/errors.ts) answers them like any other.
 */
import { MatrixError } from '../core/errors.js';

export function notJson(): MatrixError {
  return new MatrixError('M_NOT_JSON', 400, 'The request body is not valid JSON.');
}

export function badJson(message: string): MatrixError {
  return new MatrixError('M_BAD_JSON', 400, message);
}

export function missingParams(names: readonly string[]): MatrixError {
  return new MatrixError('M_MISSING_PARAM', 400, `Missing parameter(s): ${names.join(', ')}.`);
}

export function tooLarge(): MatrixError {
  return new MatrixError('M_TOO_LARGE', 413, 'The request body is too large.');
}

export function unrecognized(status: 404 | 405): MatrixError {
  return status === 404
    ? new MatrixError('M_UNRECOGNIZED', 404, 'Unrecognized request.')
    : new MatrixError('M_UNRECOGNIZED', 405, 'This endpoint does not support that method.');
}
