import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { StaticThreepidDirectory } from '../../functions/adapters/directory/static-directory.js';
import {
  DynamoDbSessionStore,
  sessionDocumentClient,
} from '../../functions/adapters/dynamodb/session-store.js';
import { ensureSessionTable } from '../../functions/adapters/dynamodb/table.js';
import { HmacSecretHasher } from '../../functions/adapters/system/hmac-hasher.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { NO_HOMESERVER_SESSIONS } from '../../functions/core/ports.js';
import { makeRequestEmailToken } from '../../functions/core/request-email-token.js';
import { makeRequestMsisdnToken } from '../../functions/core/request-msisdn-token.js';
import { DEFAULT_SMS_NUMBER_TYPES } from '../../functions/core/sms-policy.js';
import { makeSubmitToken } from '../../functions/core/submit-token.js';
import { makeGetValidatedThreepid } from '../../functions/core/validated-threepid.js';
import { validationLinks } from '../../functions/http/links.js';
import {
  EMULATOR_CLIENT_CONFIG,
  type RunningDynalite,
  startDynalite,
  uniqueTableName,
} from '../helpers/aws.js';
import { ManualClock } from '../helpers/clock.js';
import { FakeSendingSwitches, RecordingEvents, RecordingLogger, RecordingSenders } from '../helpers/fakes.js';
import { SeededRandom } from '../helpers/random.js';
import { TEST_CLIENT, TEST_HMAC_SECRET } from '../helpers/service.js';

/** The DynamoDB operation of each request the client puts on the wire, from its X-Amz-Target header. */
function countWireCalls(client: DynamoDBClient): { take(): string[] } {
  let calls: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      calls.push((headers['x-amz-target'] ?? '').replace('DynamoDB_20120810.', ''));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countWireCalls' },
  );
  return {
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
  };
}

/**
 * Storage round-trips per flow, counted at the wire against a real DynamoDB protocol: each state
 * change is one conditional write, with no read before it. A refused write costs one read more
 * where the store does not return the item with the refusal (dynalite); DynamoDB and moto do.
 */
function describeRoundTrips(
  name: string,
  open: () => Promise<{ client: DynamoDBClient; close(): Promise<void> }>,
  refusalRead: string[],
) {
  describe(`round-trips per flow on ${name}`, () => {
    let client: DynamoDBClient;
    let close: () => Promise<void>;
    let wire: { take(): string[] };
    let useCases: Awaited<ReturnType<typeof build>>;

    async function build() {
      const tableName = uniqueTableName('round-trips');
      await ensureSessionTable(client, tableName);
      const store = new DynamoDbSessionStore(sessionDocumentClient(client), tableName);
      const senders = new RecordingSenders();
      const base = {
        clock: new ManualClock(),
        random: new SeededRandom(),
        hasher: new HmacSecretHasher(TEST_HMAC_SECRET),
        logger: new RecordingLogger(),
        events: new RecordingEvents(),
        policy: DEFAULT_POLICY,
        store,
      };
      // Storage round-trips of the session alone; what the limits add is counted in the abuse tests.
      const controls = {
        switches: new FakeSendingSwitches(),
        limiting: 'off' as const,
        uniform: { enabled: false as const },
        emailPolicy: { allow: [], deny: [] },
        smsPolicy: { countries: '*' as const, numberTypes: DEFAULT_SMS_NUMBER_TYPES },
      };
      const links = validationLinks('https://matrix.example.org/');
      const directory = new StaticThreepidDirectory();
      return {
        senders,
        email: makeRequestEmailToken({
          ...base,
          ...controls,
          directory,
          links,
          email: senders,
          homeserverSessions: NO_HOMESERVER_SESSIONS,
        }),
        msisdn: makeRequestMsisdnToken({ ...base, ...controls, directory, links, sms: senders }),
        submit: makeSubmitToken({ ...base, homeserverSessions: NO_HOMESERVER_SESSIONS }),
        query: makeGetValidatedThreepid(base),
      };
    }

    beforeAll(async () => {
      ({ client, close } = await open());
      wire = countWireCalls(client);
    });
    afterAll(() => close());
    beforeEach(async () => {
      useCases = await build();
      wire.take();
    });

    const email = (sendAttempt: number) =>
      useCases.email({
        purpose: 'registration',
        medium: 'email',
        email: 'trips@example.org',
        clientSecret: 'trips',
        sendAttempt,
        client: TEST_CLIENT,
      });
    const sms = (sendAttempt: number) =>
      useCases.msisdn({
        purpose: 'registration',
        medium: 'msisdn',
        country: 'GB',
        phoneNumber: '07400 123456',
        clientSecret: 'trips',
        sendAttempt,
        client: TEST_CLIENT,
      });

    it('starts a session, by email or by SMS, in one conditional write', async () => {
      await email(1);
      expect(wire.take()).toEqual(['UpdateItem']);
      await sms(1);
      expect(wire.take()).toEqual(['UpdateItem']);
    });

    it('sends again for a higher send_attempt in one conditional write', async () => {
      await email(1);
      wire.take();
      await email(2);
      expect(wire.take()).toEqual(['UpdateItem']);
    });

    it('answers a repeated send_attempt from the refused write', async () => {
      await email(1);
      wire.take();
      await email(1);
      expect(wire.take()).toEqual(['UpdateItem', ...refusalRead]);
    });

    it('validates with the right code in one conditional write, and counts a wrong one in one', async () => {
      const { sid } = await sms(1);
      const code = useCases.senders.lastSmsCode();
      wire.take();
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      await expect(
        useCases.submit({ sid, clientSecret: 'trips', token: wrong, medium: 'msisdn' }),
      ).rejects.toThrow();
      expect(wire.take()).toEqual(['UpdateItem']);
      await useCases.submit({ sid, clientSecret: 'trips', token: code, medium: 'msisdn' });
      expect(wire.take()).toEqual(['UpdateItem']);
    });

    it("validates an emailed link's token in one conditional write", async () => {
      const { sid } = await email(1);
      wire.take();
      await useCases.submit({
        sid,
        clientSecret: 'trips',
        token: useCases.senders.lastEmailToken(),
        medium: 'email',
      });
      expect(wire.take()).toEqual(['UpdateItem']);
    });

    it('answers getValidated3pid with one read', async () => {
      const { sid } = await email(1);
      await useCases.submit({
        sid,
        clientSecret: 'trips',
        token: useCases.senders.lastEmailToken(),
        medium: 'email',
      });
      wire.take();
      await useCases.query(sid, 'trips');
      expect(wire.take()).toEqual(['GetItem']);
    });
  });
}

describeRoundTrips('dynalite', async () => {
  const dynalite: RunningDynalite = await startDynalite();
  return { client: dynalite.client, close: () => dynalite.close() };
}, ['GetItem']);

const moto = inject('motoEndpoint');
describe.runIf(moto)('on moto', () => {
  describeRoundTrips('moto', async () => {
    const client = new DynamoDBClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
    return { client, close: async () => client.destroy() };
  }, []);
});
