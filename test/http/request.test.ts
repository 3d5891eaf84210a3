import { describe, expect, it } from 'vitest';
import { formBody, jsonBody, queryParams, readFields } from '../../functions/http/request.js';
import { thrownBy } from '../helpers/errors.js';
import { httpEvent } from '../helpers/events.js';

const SPEC = { client_secret: 'string', send_attempt: 'send-attempt', next_link: 'optional-string' } as const;

describe('jsonBody', () => {
  it('parses a JSON object whatever the Content-Type says', () => {
    const event = httpEvent({ path: '/x', body: '{"a":1}', headers: { 'content-type': 'text/plain' } });
    expect(jsonBody(event)).toEqual({ a: 1 });
  });

  it('decodes a base64-encoded body, as API Gateway may deliver it', () => {
    const event = {
      ...httpEvent({ path: '/x' }),
      body: Buffer.from('{"a":"é"}').toString('base64'),
      isBase64Encoded: true,
    };
    expect(jsonBody(event)).toEqual({ a: 'é' });
  });

  it.each([
    ['no body', undefined, 'M_NOT_JSON'],
    ['invalid JSON', '{"a":', 'M_NOT_JSON'],
    ['an array', '[]', 'M_BAD_JSON'],
    ['a string', '"hello"', 'M_BAD_JSON'],
    ['null', 'null', 'M_BAD_JSON'],
  ])('refuses %s with %s', (_, body, errcode) => {
    const event = { ...httpEvent({ path: '/x', method: 'POST' }), ...(body === undefined ? {} : { body }) };
    expect(thrownBy(() => jsonBody(event)).errcode).toBe(errcode);
  });

  it('refuses a body over 64 KiB with 413 M_TOO_LARGE', () => {
    const event = httpEvent({ path: '/x', body: { pad: 'x'.repeat(70_000) } });
    expect([thrownBy(() => jsonBody(event)).errcode, thrownBy(() => jsonBody(event)).status]).toEqual([
      'M_TOO_LARGE',
      413,
    ]);
  });
});

describe('readFields', () => {
  it('reads strings and send_attempt, leaving absent optional fields undefined', () => {
    expect(readFields({ client_secret: 's', send_attempt: 2, extra: true }, SPEC)).toEqual({
      client_secret: 's',
      send_attempt: 2,
      next_link: undefined,
    });
  });

  it('accepts send_attempt as a numeric string, as some clients send it', () => {
    expect(readFields({ client_secret: 's', send_attempt: '7' }, SPEC).send_attempt).toBe(7);
  });

  it('lists every missing field at once with M_MISSING_PARAM', () => {
    const error = thrownBy(() => readFields({}, SPEC));
    expect([error.errcode, error.status, error.message]).toEqual([
      'M_MISSING_PARAM',
      400,
      'Missing parameter(s): client_secret, send_attempt.',
    ]);
  });

  it.each([
    ['a number where a string belongs', { client_secret: 5, send_attempt: 1 }, 'M_BAD_JSON'],
    ['null for an optional string', { client_secret: 's', send_attempt: 1, next_link: null }, 'M_BAD_JSON'],
    ['a boolean send_attempt', { client_secret: 's', send_attempt: true }, 'M_BAD_JSON'],
    ['a fractional send_attempt', { client_secret: 's', send_attempt: 1.5 }, 'M_INVALID_PARAM'],
    ['a negative send_attempt', { client_secret: 's', send_attempt: -1 }, 'M_INVALID_PARAM'],
    ['a non-numeric string send_attempt', { client_secret: 's', send_attempt: 'one' }, 'M_INVALID_PARAM'],
    ['a huge send_attempt', { client_secret: 's', send_attempt: 2 ** 60 }, 'M_INVALID_PARAM'],
  ])('refuses %s with %s', (_, body, errcode) => {
    expect(thrownBy(() => readFields(body, SPEC)).errcode).toBe(errcode);
  });
});

describe('query and form parameters', () => {
  it('take the first value of a repeated name, never a comma-joined list', () => {
    const event = httpEvent({ path: '/x' });
    event.rawQueryString = 'sid=a&sid=b&client_secret=c%2Bd';
    expect(queryParams(event)).toEqual({ sid: 'a', client_secret: 'c+d' });
  });

  it('read form posts', () => {
    expect(formBody(httpEvent({ path: '/x', form: { sid: 'a b', token: 't' } }))).toEqual({
      sid: 'a b',
      token: 't',
    });
  });
});
