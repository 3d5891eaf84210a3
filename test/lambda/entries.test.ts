import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import type { LambdaHttpHandler } from '../../functions/http/middleware.js';
import { type RunningDynalite, startDynalite } from '../helpers/aws.js';
import { httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';
import { GENEROUS_RATE_LIMITS } from '../helpers/limits.js';

/**
 * The Lambda entry files exactly as the CDK bundles them: configuration from the environment at
 * cold start, DynamoDB through AWS_ENDPOINT_URL_DYNAMODB (dynalite here), SES and SNS mocked.
 */
const ENV = {
  SERVER_NAME: 'example.org',
  PUBLIC_BASEURL: 'https://matrix.example.org/',
  EMAIL_FROM: 'Example <noreply@example.org>',
  TOKEN_HMAC_SECRET: 'lambda-test-secret-of-at-least-32-chars',
  TABLE_NAME: 'lambda-entries',
  SMS_ALLOWED_COUNTRIES: 'GB',
  LOG_LEVEL: 'SILENT',
  RATE_LIMITS: GENEROUS_RATE_LIMITS,
};

describe('the Lambda entry points', () => {
  let dynalite: RunningDynalite;
  const ses = mockClient(SESClient);
  const sns = mockClient(SNSClient);
  const secrets = mockClient(SecretsManagerClient);
  const entry = async (name: string): Promise<LambdaHttpHandler> =>
    ((await import(`../../functions/lambda/${name}.ts`)) as { handler: LambdaHttpHandler }).handler;

  beforeAll(async () => {
    dynalite = await startDynalite();
    await ensureSessionTable(dynalite.client, ENV.TABLE_NAME);
  });
  afterAll(() => dynalite.close());
  beforeEach(() => {
    vi.resetModules();
    for (const [name, value] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint })) {
      vi.stubEnv(name, value);
    }
    ses.reset().on(SendEmailCommand).resolves({ MessageId: 'email-1' });
    sns.reset().on(PublishCommand).resolves({ MessageId: 'sms-1' });
  });

  it('runs the email flow: requestToken, the link page, its form, then getValidated3pid', async () => {
    const requestToken = await entry('request-email-token');
    const requested = await requestToken(
      httpEvent({
        path: '/_matrix/client/r0/register/email/requestToken',
        body: { client_secret: 'lambda', email: 'lambda@example.org', send_attempt: 1 },
      }),
      lambdaContext(),
    );
    expect(requested.statusCode).toBe(200);
    const { sid } = parseJsonBody(requested) as { sid: string };
    const sent = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(sent?.Source).toBe(ENV.EMAIL_FROM);
    const link = new URL(sent?.Message?.Body?.Text?.Data?.match(/https:\/\/\S+/)?.[0] ?? '');
    expect(link.origin + link.pathname).toBe(
      'https://matrix.example.org/_matrix/client/v3/validate/email/confirm',
    );

    const emailLink = await entry('email-link');
    const page = await emailLink(
      httpEvent({ path: link.pathname, query: Object.fromEntries(link.searchParams) }),
      lambdaContext(),
    );
    expect([page.statusCode, page.headers['Referrer-Policy']]).toEqual([200, 'no-referrer']);
    const confirmed = await emailLink(
      httpEvent({ path: link.pathname, form: Object.fromEntries(link.searchParams) }),
      lambdaContext(),
    );
    expect(confirmed.body).toContain('Email address confirmed');

    const getValidated = await entry('get-validated-3pid');
    const validated = await getValidated(
      httpEvent({
        path: '/_matrix/identity/api/v1/3pid/getValidated3pid',
        query: { sid, client_secret: 'lambda' },
      }),
      lambdaContext(),
    );
    expect(parseJsonBody(validated)).toMatchObject({ medium: 'email', address: 'lambda@example.org' });
  });

  it('runs the SMS flow through SNS and submitToken', async () => {
    const requestToken = await entry('request-msisdn-token');
    const requested = parseJsonBody(
      await requestToken(
        httpEvent({
          path: '/_matrix/client/v3/account/3pid/msisdn/requestToken',
          body: {
            client_secret: 'lambda-sms',
            country: 'GB',
            phone_number: '07400123456',
            send_attempt: '1',
          },
        }),
        lambdaContext(),
      ),
    );
    expect(requested.submit_url).toBe(
      'https://matrix.example.org/_matrix/client/v3/validate/msisdn/submitToken',
    );
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.PhoneNumber).toBe('+447400123456');
    const code = published?.Message?.match(/\d{6}/)?.[0] ?? '';

    const submitToken = await entry('submit-token');
    const submitted = await submitToken(
      httpEvent({
        path: '/_matrix/client/v3/validate/msisdn/submitToken',
        body: { sid: requested.sid, client_secret: 'lambda-sms', token: code },
      }),
      lambdaContext(),
    );
    expect(parseJsonBody(submitted)).toEqual({ success: true });
  });

  it('answers anything else from the fallback with 404 M_UNRECOGNIZED, with CORS', async () => {
    const fallback = await entry('fallback');
    const response = await fallback(httpEvent({ path: '/_matrix/client/v3/nothing' }), lambdaContext());
    expect([response.statusCode, parseJsonBody(response).errcode]).toEqual([404, 'M_UNRECOGNIZED']);
    expect(response.headers['Access-Control-Allow-Origin']).toBe('*');
  });

  it('refuses a request routed to the wrong function', async () => {
    const submitToken = await entry('submit-token');
    const response = await submitToken(
      httpEvent({ path: '/_matrix/client/v3/register/email/requestToken', body: {} }),
      lambdaContext(),
    );
    expect(parseJsonBody(response).errcode).toBe('M_UNRECOGNIZED');
  });

  it('hides unexpected failures behind a bare 500 M_UNKNOWN', async () => {
    vi.stubEnv('TABLE_NAME', 'no-such-table');
    const getValidated = await entry('get-validated-3pid');
    const response = await getValidated(
      httpEvent({
        path: '/_matrix/identity/v2/3pid/getValidated3pid',
        query: { sid: 'AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAA', client_secret: 'c' },
      }),
      lambdaContext(),
    );
    expect([response.statusCode, response.body]).toEqual([
      500,
      '{"errcode":"M_UNKNOWN","error":"Internal server error"}',
    ]);
  });

  it('fails at cold start, naming every bad variable, when the configuration is wrong', async () => {
    vi.stubEnv('TABLE_NAME', '');
    vi.stubEnv('TOKEN_HMAC_SECRET', 'short');
    await expect(entry('submit-token')).rejects.toThrow(
      'Invalid configuration:\n  - TOKEN_HMAC_SECRET must be at least 32 characters\n  - TABLE_NAME is required',
    );
  });

  it('reads the HMAC key from Secrets Manager once per container, at cold start', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-hmac-AbCdEf';
    vi.stubEnv('TOKEN_HMAC_SECRET', '');
    vi.stubEnv('TOKEN_HMAC_SECRET_ARN', arn);
    secrets
      .reset()
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolves({ SecretString: 'k'.repeat(64) });
    const getValidated = await entry('get-validated-3pid');
    for (let i = 0; i < 3; i++) {
      const response = await getValidated(
        httpEvent({
          path: '/_matrix/identity/v2/3pid/getValidated3pid',
          query: { sid: 'a.b', client_secret: 'c' },
        }),
        lambdaContext(),
      );
      expect(response.statusCode).toBe(404);
    }
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  describe('behind the CloudFront front door', () => {
    const ORIGIN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-origin-AbCdEf';
    const ORIGIN_SECRET = 'o'.repeat(64);
    beforeEach(() => {
      vi.stubEnv('CLIENT_IP_SOURCE', 'cloudfront');
      vi.stubEnv('CLOUDFRONT_ORIGIN_SECRET_ARN', ORIGIN_ARN);
      secrets
        .reset()
        .on(GetSecretValueCommand, { SecretId: ORIGIN_ARN, VersionStage: 'AWSCURRENT' })
        .resolves({ SecretString: ORIGIN_SECRET })
        // Never rotated: Secrets Manager has no previous version.
        .on(GetSecretValueCommand, { SecretId: ORIGIN_ARN, VersionStage: 'AWSPREVIOUS' })
        .rejects(new ResourceNotFoundException({ message: 'no AWSPREVIOUS', $metadata: {} }));
    });

    it.each([
      ['request-email-token', 'POST', '/_matrix/client/v3/register/email/requestToken'],
      ['request-msisdn-token', 'POST', '/_matrix/client/v3/register/msisdn/requestToken'],
      ['submit-token', 'POST', '/_matrix/client/v3/validate/msisdn/submitToken'],
      ['email-link', 'GET', '/_matrix/client/v3/validate/email/confirm'],
      ['get-validated-3pid', 'GET', '/_matrix/identity/v2/3pid/getValidated3pid'],
    ])('%s reads its origin secret at cold start, and refuses a request without it with 403', async (name, method, path) => {
      const handler = await entry(name);
      const event = (headers: Record<string, string>) =>
        httpEvent({ method, path, headers, ...(method === 'POST' ? { body: '{}' } : {}) });
      const around = await handler(event({}), lambdaContext());
      const forged = await handler(event({ 'x-origin-verify': 'f'.repeat(64) }), lambdaContext());
      const through = await handler(event({ 'x-origin-verify': ORIGIN_SECRET }), lambdaContext());
      expect([around.statusCode, forged.statusCode]).toEqual([403, 403]);
      expect(through.statusCode).toBe(400);
      // Once at cold start, then, for the forged value, the current and previous ones again.
      expect(
        secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.VersionStage),
      ).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSPREVIOUS']);
    });
  });

  it('refuses to start on a secret too short to be a key', async () => {
    vi.stubEnv('TOKEN_HMAC_SECRET', '');
    vi.stubEnv('TOKEN_HMAC_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:short-AbCdEf');
    secrets.reset().on(GetSecretValueCommand).resolves({ SecretString: 'too short' });
    await expect(entry('submit-token')).rejects.toThrow(/must hold a string of at least 32 characters/);
  });

  it('needs no table and no secret for the fallback', async () => {
    vi.stubEnv('TABLE_NAME', '');
    vi.stubEnv('TOKEN_HMAC_SECRET', '');
    const fallback = await entry('fallback');
    const response = await fallback(
      httpEvent({ path: '/_matrix/client/v3/x', method: 'DELETE' }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(404);
  });
});
