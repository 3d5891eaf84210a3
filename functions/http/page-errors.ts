import type { MatrixError } from '../core/errors.js';
import { failurePage } from '../templates/pages.js';
import { asMatrixError } from './errors.js';
import { type HttpResponse, htmlResponse } from './responses.js';

/** The same errors for a person in a browser: a page that says what happened and what to do. */
export function pageErrorResponse(error: unknown, csp: string): HttpResponse {
  const matrixError = asMatrixError(error);
  const [heading, explanation] = plainWords(matrixError);
  const response = htmlResponse(matrixError.status, failurePage(heading, explanation), csp);
  return { ...response, headers: { ...response.headers, ...matrixError.extras.headers } };
}

const ASK_AGAIN = 'Ask your Matrix app to send you a new email.';

function plainWords(error: MatrixError): [string, string] {
  switch (error.errcode) {
    case 'M_SESSION_EXPIRED':
      return error.expiry === 'locked'
        ? ['This link can no longer be used', `It was tried too many times. ${ASK_AGAIN}`]
        : ['This link has expired', `Links only work for a limited time. ${ASK_AGAIN}`];
    case 'M_TOKEN_INCORRECT':
      return [
        'This link is no longer valid',
        `A newer email may have replaced it: if you asked for more than one, use the newest. Otherwise, ${ASK_AGAIN.toLowerCase()}`,
      ];
    case 'M_NO_VALID_SESSION':
      return [
        'This link is not valid',
        `It may be incomplete, or the request it belongs to no longer exists. ${ASK_AGAIN}`,
      ];
    case 'M_MISSING_PARAM':
    case 'M_INVALID_PARAM':
    case 'M_BAD_JSON':
    case 'M_NOT_JSON':
    case 'M_TOO_LARGE':
      return [
        'This link is incomplete',
        'Copy the whole link from the email into your browser and try again.',
      ];
    case 'M_FORBIDDEN':
      return ['This link does not work here', 'Open the link exactly as it is written in the email.'];
    default:
      return ['Something went wrong', 'This is a problem on our side. Try again in a few minutes.'];
  }
}
