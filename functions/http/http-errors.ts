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

/**
 * 403: the request did not come through the front door the API sits behind (CloudFront's origin
 * secret is missing or wrong). It says no more than that, and the same whatever was wrong.
 */
export function forbidden(): MatrixError {
  return new MatrixError('M_FORBIDDEN', 403, 'This API answers only through its front door.');
}

/** 404: nothing is served at this path. */
export function unrecognized(status: 404): MatrixError;
/**
 * 405: the path is served, but not with this method. `allowed` are the methods it is served with;
 * they go in the `Allow` header that HTTP requires on a 405, with OPTIONS, which every path answers.
 */
export function unrecognized(status: 405, allowed: readonly string[]): MatrixError;
export function unrecognized(status: 404 | 405, allowed: readonly string[] = []): MatrixError {
  if (status === 404) return new MatrixError('M_UNRECOGNIZED', 404, 'Unrecognized request.');
  const methods = [...new Set([...allowed, 'OPTIONS'])].join(', ');
  return new MatrixError('M_UNRECOGNIZED', 405, 'This endpoint does not support that method.', {
    extras: { headers: { Allow: methods } },
  });
}

/** A request target that is not a path at all (`//[`, `*`): only the local server meets these. */
export function badRequestTarget(): MatrixError {
  return new MatrixError('M_UNRECOGNIZED', 400, 'The request target is not a valid path.');
}
