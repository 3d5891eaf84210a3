/** Small HTTP clients for the tests against Synapse: the Matrix API and the module's resource. */
import { createHmac } from 'node:crypto';

export interface JsonResponse {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** A JSON request to Synapse, with an access token when given. */
export async function matrix(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  accessToken?: string,
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const MODULE_PATH = '/_synapse/client/matrix_3pid/session';

/** The value of X-Matrix-3PID-Signature for a timestamp (Unix seconds) and a raw body. */
export function signature(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface SignedRequestOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replace the headers entirely (for tests of refused requests). */
  headers?: Record<string, string>;
}

/** POSTs a body to the module, signed with `secret` as the service does. */
export async function postToModule(
  baseUrl: string,
  secret: string,
  body: unknown,
  options: SignedRequestOptions = {},
): Promise<JsonResponse> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers = options.headers ?? {
    'Content-Type': 'application/json',
    'X-Matrix-3PID-Timestamp': timestamp,
    'X-Matrix-3PID-Signature': signature(secret, timestamp, raw),
  };
  const response = await fetch(`${baseUrl}${MODULE_PATH}`, { method: 'POST', headers, body: raw });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}
