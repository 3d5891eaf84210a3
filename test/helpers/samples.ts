import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expect } from 'vitest';
import type { FunctionName } from '../../infra/functions.js';

/**
 * What the password reset's function needs besides env.json: the homeserver and an admin's token.
 * The sample is answered without calling either (a request with no `auth` gets the flows).
 */
export const SYNAPSE_SAMPLE_ENV = {
  HOMESERVER_URL: 'http://127.0.0.1:8008',
  SYNAPSE_ADMIN_TOKEN: 'syt_sample_admin_token_0123456789',
} as const;

interface Sample {
  readonly fn: FunctionName;
  readonly status: number;
  readonly check: (body: string) => void;
  /** More environment than env.json gives every function. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What each sample event in events/ answers, as events/README.md documents. */
export const SAMPLES: Record<string, Sample> = {
  'account-password.json': {
    fn: 'accountPassword',
    status: 401,
    env: SYNAPSE_SAMPLE_ENV,
    check: (body) =>
      expect(JSON.parse(body)).toEqual({
        flows: [{ stages: ['m.login.email.identity'] }, { stages: ['m.login.msisdn'] }],
        params: {},
        session: expect.any(String),
      }),
  },
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
