import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { escapeHtml } from '../templates/html.js';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

/**
 * The spec's recommended CORS headers (with HEAD, per MSC4138), on every response, plus
 * `Retry-After` exposed: a browser client cannot read it across origins otherwise.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
  'Access-Control-Expose-Headers': 'Retry-After',
};

const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...COMMON_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

/** Headers for the link pages: no referrer (the URL holds secrets), no framing, a strict CSP. */
function pageHeaders(csp: string): Record<string, string> {
  return {
    ...COMMON_HEADERS,
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
}

export function htmlResponse(statusCode: number, html: string, csp: string): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'text/html; charset=utf-8', ...pageHeaders(csp) },
    body: html,
  };
}

export function redirectResponse(location: string, csp: string): HttpResponse {
  const href = escapeHtml(location);
  return {
    statusCode: 302,
    headers: { Location: location, 'Content-Type': 'text/html; charset=utf-8', ...pageHeaders(csp) },
    body: `<!doctype html><title>Redirecting</title><p>Continue to <a href="${href}">${href}</a>.</p>\n`,
  };
}

export function emptyResponse(statusCode: number, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...COMMON_HEADERS, ...headers }, body: '' };
}
