import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expect } from 'vitest';
import type { FunctionName } from '../../infra/functions.js';

/** What each sample event in events/ answers, as events/README.md documents. */
export const SAMPLES: Record<string, { fn: FunctionName; status: number; check: (body: string) => void }> = {
  'request-email-token.json': {
    fn: 'requestEmailToken',
    status: 200,
    check: (body) => expect(Object.keys(JSON.parse(body))).toEqual(['sid']),
  },
  'request-msisdn-token.json': {
    fn: 'requestMsisdnToken',
    status: 200,
    check: (body) =>
      expect(JSON.parse(body)).toMatchObject({
        msisdn: '447400123456',
        intl_fmt: '+44 7400 123456',
        submit_url: expect.any(String),
      }),
  },
  'submit-token.json': {
    fn: 'submitToken',
    status: 404,
    check: (body) => expect(JSON.parse(body).errcode).toBe('M_NO_VALID_SESSION'),
  },
  'email-link-get.json': {
    fn: 'emailLink',
    status: 404,
    check: (body) => expect(body).toContain('This link is not valid'),
  },
  'email-link-post.json': {
    fn: 'emailLink',
    status: 404,
    check: (body) => expect(body).toContain('This link is not valid'),
  },
  'get-validated-3pid.json': {
    fn: 'getValidated3pid',
    status: 404,
    check: (body) => expect(JSON.parse(body).errcode).toBe('M_NO_VALID_SESSION'),
  },
  'fallback.json': {
    fn: 'fallback',
    status: 404,
    check: (body) => expect(JSON.parse(body).errcode).toBe('M_UNRECOGNIZED'),
  },
};

export const EVENTS = new URL('../../events/', import.meta.url);
export const readSample = (name: string): APIGatewayProxyEventV2 =>
  JSON.parse(readFileSync(new URL(name, EVENTS), 'utf8'));
