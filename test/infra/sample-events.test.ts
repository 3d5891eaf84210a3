import { readdirSync, readFileSync } from 'node:fs';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import type { LambdaHttpHandler } from '../../functions/http/middleware.js';
import { FUNCTIONS } from '../../infra/functions.js';
import { type RunningDynalite, startDynalite } from '../helpers/aws.js';
import { lambdaContext } from '../helpers/events.js';
import { EVENTS, readSample, SAMPLES } from '../helpers/samples.js';

/**
 * The sample events in events/ (for `sam local invoke`), fed to the real entry files, must give
 * the responses events/README.md documents, so the samples cannot rot.
 */
describe('the sample events in events/', () => {
  let dynalite: RunningDynalite;
  const ses = mockClient(SESClient);
  const sns = mockClient(SNSClient);

  beforeAll(async () => {
    dynalite = await startDynalite();
    await ensureSessionTable(dynalite.client, 'sample-events');
  });
  afterAll(() => dynalite.close());
  beforeEach(() => {
    vi.resetModules();
    vi.unstubAllEnvs();
    const env = JSON.parse(readFileSync(new URL('env.json', EVENTS), 'utf8')).Parameters as Record<
      string,
      string
    >;
    for (const [name, value] of Object.entries({
      SERVER_NAME: 'example.org',
      PUBLIC_BASEURL: 'https://matrix.example.org/',
      EMAIL_FROM: 'noreply@example.org',
      TABLE_NAME: 'sample-events',
      SMS_ALLOWED_COUNTRIES: 'GB',
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      ...env,
      LOG_LEVEL: 'SILENT',
    })) {
      vi.stubEnv(name, value);
    }
    ses.reset().on(SendEmailCommand).resolves({ MessageId: 'sample' });
    sns.reset().on(PublishCommand).resolves({ MessageId: 'sample' });
  });

  it('has an expectation for every sample, and a sample for every function', () => {
    const files = readdirSync(EVENTS).filter((file) => file.endsWith('.json') && file !== 'env.json');
    expect(files.sort()).toEqual(Object.keys(SAMPLES).sort());
    expect(new Set(Object.values(SAMPLES).map((sample) => sample.fn))).toEqual(
      new Set(Object.keys(FUNCTIONS)),
    );
  });

  it.each(Object.entries(SAMPLES))('%s gives the documented response', async (file, sample) => {
    for (const [name, value] of Object.entries(sample.env ?? {})) vi.stubEnv(name, value);
    const entry = `../../${FUNCTIONS[sample.fn].entry}`;
    const { handler } = (await import(entry)) as { handler: LambdaHttpHandler };
    const response = await handler(readSample(file), lambdaContext(sample.fn));
    expect(response.statusCode).toBe(sample.status);
    sample.check(response.body ?? '');
  });
});
