import { describe, expect, it } from 'vitest';
import { MatrixError } from '../../functions/core/errors.js';
import { jsonErrorResponse } from '../../functions/http/errors.js';
import { tooLarge, unrecognized } from '../../functions/http/http-errors.js';
import { pageErrorResponse } from '../../functions/http/page-errors.js';
import { testPresentation } from '../helpers/presentation.js';

describe('the error mapper', () => {
  it('answers a MatrixError with its status and the standard {errcode, error} body', () => {
    const response = jsonErrorResponse(MatrixError.noValidSession());
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '')).toEqual({
      errcode: 'M_NO_VALID_SESSION',
      error: 'No valid session was found for that sid and client_secret.',
    });
    expect(response.headers['Content-Type']).toBe('application/json');
  });

  it("adds the spec's extra fields and headers, which cannot overwrite errcode or error", () => {
    const limited = new MatrixError('M_UNKNOWN', 429, 'Too many requests', {
      extras: {
        body: { retry_after_ms: 2000, errcode: 'M_FORGED' },
        headers: { 'Retry-After': '2' },
      },
    });
    const response = jsonErrorResponse(limited);
    expect(JSON.parse(response.body ?? '')).toEqual({
      errcode: 'M_UNKNOWN',
      error: 'Too many requests',
      retry_after_ms: 2000,
    });
    expect(response.headers['Retry-After']).toBe('2');
    expect(
      pageErrorResponse(limited, testPresentation(), 'en', "default-src 'none'").headers['Retry-After'],
    ).toBe('2');
  });

  it('hides anything that is not a MatrixError behind a bare 500 M_UNKNOWN', () => {
    const response = jsonErrorResponse(new Error('secret detail'));
    expect([response.statusCode, response.body]).toEqual([
      500,
      '{"errcode":"M_UNKNOWN","error":"Internal server error"}',
    ]);
  });

  it('maps the transport errors of the HTTP layer like any other', () => {
    expect(jsonErrorResponse(tooLarge()).statusCode).toBe(413);
    expect(JSON.parse(jsonErrorResponse(unrecognized(405, ['POST'])).body ?? '').errcode).toBe(
      'M_UNRECOGNIZED',
    );
  });

  it('says on every 405 which methods the path takes, OPTIONS included, and on no 404', () => {
    expect(jsonErrorResponse(unrecognized(405, ['POST'])).headers.Allow).toBe('POST, OPTIONS');
    expect(jsonErrorResponse(unrecognized(405, ['GET', 'HEAD', 'POST'])).headers.Allow).toBe(
      'GET, HEAD, POST, OPTIONS',
    );
    expect(jsonErrorResponse(unrecognized(405, ['GET', 'OPTIONS'])).headers.Allow).toBe('GET, OPTIONS');
    expect(jsonErrorResponse(unrecognized(404)).headers.Allow).toBeUndefined();
  });
});
