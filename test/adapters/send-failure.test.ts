import { Logger } from '@aws-lambda-powertools/logger';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { NO_HOMESERVER_SESSIONS } from '../../functions/core/ports.js';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticThreepidDirectory } from '../../functions/adapters/directory/static-directory.js';
import {
  DynamoDbSessionStore,
  sessionDocumentClient,
} from '../../functions/adapters/dynamodb/session-store.js';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import { SesEmailTransport } from '../../functions/adapters/ses/email-transport.js';
import { SnsSmsTransport } from '../../functions/adapters/sns/sms-transport.js';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import { cryptoRandom, systemClock } from '../../functions/adapters/system/system.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { makeRequestEmailToken } from '../../functions/core/request-email-token.js';
import { makeRequestMsisdnToken } from '../../functions/core/request-msisdn-token.js';
import { DEFAULT_SMS_NUMBER_TYPES } from '../../functions/core/sms-policy.js';
import { makeRequestTokenHandler } from '../../functions/handlers/request-token.js';
import { validationLinks } from '../../functions/http/links.js';
import { Mailer, SmsMessenger } from '../../functions/messages/messengers.js';
import {
  EMULATOR_CLIENT_CONFIG,
  type RunningDynalite,
  startDynalite,
  uniqueTableName,
} from '../helpers/aws.js';
import { httpEvent, lambdaContext, parseJsonBody } from '../helpers/events.js';
import { FakeSendingSwitches, RecordingEvents } from '../helpers/fakes.js';
import { testPresentation } from '../helpers/presentation.js';
import { TEST_CLIENT, TEST_HMAC_SECRET } from '../helpers/service.js';

/**
 * The requestToken handler over the real DynamoDB adapter (dynalite) and the real SES and SNS
 * adapters, with the AWS clients made to fail once: the session must be left so that a retry
 * with the same send_attempt sends again.
 */
describe('requestToken when the provider fails', () => {
  let dynalite: RunningDynalite;
  const ses = mockClient(SESClient);
  const sns = mockClient(SNSClient);

  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(() => dynalite.close());

  async function handler() {
    const tableName = uniqueTableName('send-failure');
    await ensureSessionTable(dynalite.client, tableName);
    const logger = new Logger({ logLevel: 'SILENT' });
    const common = {
      store: new DynamoDbSessionStore(sessionDocumentClient(dynalite.client), tableName),
      directory: new StaticThreepidDirectory(),
      links: validationLinks('https://matrix.example.org/'),
      clock: systemClock,
      random: cryptoRandom,
      hasher: new HmacSecretHasher(TEST_HMAC_SECRET),
      logger,
      events: new RecordingEvents(),
      policy: DEFAULT_POLICY,
      switches: new FakeSendingSwitches(),
      limiting: 'off' as const,
      uniform: { enabled: false as const },
      emailPolicy: { allow: [], deny: [] },
      smsPolicy: { countries: '*' as const, numberTypes: DEFAULT_SMS_NUMBER_TYPES },
    };
    const messages = testPresentation();
    return makeRequestTokenHandler({
      email: makeRequestEmailToken({
        ...common,
        homeserverSessions: NO_HOMESERVER_SESSIONS,
        email: new Mailer(
          new SesEmailTransport(new SESClient(EMULATOR_CLIENT_CONFIG), { from: 'noreply@example.org' }),
          messages,
        ),
      }),
      msisdn: makeRequestMsisdnToken({
        ...common,
        sms: new SmsMessenger(
          new SnsSmsTransport(new SNSClient(EMULATOR_CLIENT_CONFIG), { maxPriceUsd: 0.5 }),
          messages,
        ),
      }),
      clientOf: () => TEST_CLIENT,
      localeOf: () => 'en',
      logger,
    });
  }

  it('answers 500 M_EMAIL_SEND_ERROR, then sends on a retry with the same send_attempt', async () => {
    ses.reset();
    ses
      .on(SendEmailCommand)
      .rejectsOnce(Object.assign(new Error('Throttling'), { name: 'Throttling' }))
      .resolves({ MessageId: 'm-1' });
    const requestToken = await handler();
    const event = httpEvent({
      path: '/_matrix/client/v3/register/email/requestToken',
      body: { client_secret: 'retry-secret', email: 'retry@example.org', send_attempt: 1 },
    });

    const failed = await requestToken(event, lambdaContext());
    expect([failed.statusCode, parseJsonBody(failed).errcode]).toEqual([500, 'M_EMAIL_SEND_ERROR']);
    const retried = await requestToken(event, lambdaContext());
    expect(retried.statusCode).toBe(200);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);

    const repeated = await requestToken(event, lambdaContext());
    expect(parseJsonBody(repeated).sid).toBe(parseJsonBody(retried).sid);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
  });

  it('answers 400 M_SEND_ERROR when SNS refuses the number, and a retry still sends', async () => {
    sns.reset();
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('Invalid'), { name: 'InvalidParameter' }))
      .resolves({ MessageId: 'm-2' });
    const requestToken = await handler();
    const event = httpEvent({
      path: '/_matrix/client/r0/account/3pid/msisdn/requestToken',
      body: { client_secret: 'retry-secret', country: 'GB', phone_number: '07400123456', send_attempt: '1' },
    });

    const failed = await requestToken(event, lambdaContext());
    expect([failed.statusCode, parseJsonBody(failed).errcode]).toEqual([400, 'M_SEND_ERROR']);
    const retried = await requestToken(event, lambdaContext());
    expect(retried.statusCode).toBe(200);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { PhoneNumber: '+447400123456' });
  });
});
