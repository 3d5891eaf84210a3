import type { MatrixError } from '../core/errors.js';
import { errorPage } from '../templates/pages.js';
import type { Presentation } from '../templates/presentation.js';
import { asMatrixError } from './errors.js';
import { type HttpResponse, htmlResponse } from './responses.js';

/**
 * The same errors for a person in a browser: a page, in `lang`, that says what happened and what
 * to do.
 */
export function pageErrorResponse(
  error: unknown,
  look: Presentation,
  lang: string,
  csp: string,
): HttpResponse {
  const matrixError = asMatrixError(error);
  const response = htmlResponse(matrixError.status, errorPage(look, lang, errorKind(matrixError)), csp);
  return { ...response, headers: { ...response.headers, ...matrixError.extras.headers } };
}

/** Which of the catalog's error messages (`error.<kind>.title`, `.text`) explains `error`. */
function errorKind(error: MatrixError): string {
  switch (error.errcode) {
    case 'M_SESSION_EXPIRED':
      return error.expiry === 'locked' ? 'locked' : 'expired';
    case 'M_TOKEN_INCORRECT':
      return 'incorrect';
    case 'M_NO_VALID_SESSION':
      return 'unknown_session';
    case 'M_MISSING_PARAM':
    case 'M_INVALID_PARAM':
    case 'M_BAD_JSON':
    case 'M_NOT_JSON':
    case 'M_TOO_LARGE':
      return 'incomplete';
    case 'M_FORBIDDEN':
      return 'forbidden';
    default:
      return 'server';
  }
}
