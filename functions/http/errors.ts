import { MatrixError } from '../core/errors.js';
import { type HttpResponse, jsonResponse } from './responses.js';

/** Anything that is not a MatrixError is a bug or an outage: say nothing about it. */
export function asMatrixError(error: unknown): MatrixError {
  return error instanceof MatrixError ? error : new MatrixError('M_UNKNOWN', 500, 'Internal server error');
}

/**
 * The one place a MatrixError becomes a response: the standard `{errcode, error}` body, plus the
 * fields and headers the spec defines for that error (its extras).
 */
export function jsonErrorResponse(error: unknown): HttpResponse {
  const matrixError = asMatrixError(error);
  const body: Record<string, unknown> = { errcode: matrixError.errcode, error: matrixError.message };
  for (const [name, value] of Object.entries(matrixError.extras.body ?? {})) body[name] ??= value;
  return jsonResponse(matrixError.status, body, { ...matrixError.extras.headers });
}
