import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MatrixError } from '../core/errors.js';
import { badJson, missingParams, notJson, tooLarge } from './http-errors.js';

/** Bodies here are a few hundred bytes; anything near this is not a Matrix client. */
export const MAX_BODY_BYTES = 64 * 1024;

function bodyText(event: APIGatewayProxyEventV2): string {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw tooLarge();
  return text;
}

/** The JSON object a POST carries. Content-Type is not required by the spec, so it is not checked. */
export function jsonBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(event));
  } catch (error) {
    if (error instanceof MatrixError) throw error;
    throw notJson();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badJson('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** Fields of an HTML form post (application/x-www-form-urlencoded); first value wins. */
export function formBody(event: APIGatewayProxyEventV2): Record<string, string> {
  return firstValues(new URLSearchParams(bodyText(event)));
}

/**
 * The body of an identity-server route: JSON, or a form (`application/x-www-form-urlencoded`),
 * which the identity API still accepts (deprecated) and some homeservers send.
 */
export function jsonOrFormBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  const type = Object.entries(event.headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'content-type',
  )?.[1];
  return type?.toLowerCase().startsWith('application/x-www-form-urlencoded')
    ? formBody(event)
    : jsonBody(event);
}

/** Query parameters, parsed from the raw query string so a repeated name cannot smuggle a comma list in. */
export function queryParams(event: APIGatewayProxyEventV2): Record<string, string> {
  return firstValues(new URLSearchParams(event.rawQueryString ?? ''));
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of params) values[name] ??= value;
  return values;
}

/** How a field is read: a required or optional string, or a send_attempt. */
export type FieldKind = 'string' | 'optional-string' | 'send-attempt';
type FieldValue<K extends FieldKind> = K extends 'string'
  ? string
  : K extends 'send-attempt'
    ? number
    : string | undefined;
export type Fields<S extends Record<string, FieldKind>> = { [N in keyof S]: FieldValue<S[N]> };

/**
 * Reads the fields `spec` declares, in the spec's order of complaints: every missing field at once
 * (M_MISSING_PARAM), then wrong JSON types (M_BAD_JSON), then bad values (M_INVALID_PARAM).
 */
export function readFields<S extends Record<string, FieldKind>>(
  source: Record<string, unknown>,
  spec: S,
): Fields<S> {
  const missing = Object.keys(spec).filter(
    (name) => spec[name] !== 'optional-string' && source[name] === undefined,
  );
  if (missing.length > 0) throw missingParams(missing);
  const values: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const value = source[name];
    if (kind === 'send-attempt') values[name] = sendAttempt(value);
    else if (value === undefined && kind === 'optional-string') values[name] = undefined;
    else if (typeof value === 'string') values[name] = value;
    else throw badJson(`${name} must be a string.`);
  }
  return values as Fields<S>;
}

/** Clients send send_attempt as a JSON number or as a numeric string ("1"); both are accepted. */
function sendAttempt(value: unknown): number {
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw badJson('send_attempt must be an integer.');
  }
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw MatrixError.invalidParam('send_attempt must be a non-negative integer.');
  }
  return number;
}
