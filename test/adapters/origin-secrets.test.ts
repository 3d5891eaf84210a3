import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ORIGIN_SECRET_REREAD_MS,
  SecretsManagerOriginSecrets,
} from '../../functions/adapters/secrets/origin-secrets.js';
import { EMULATOR_CLIENT_CONFIG } from '../helpers/aws.js';
import { ManualClock } from '../helpers/clock.js';

const moto = inject('motoEndpoint');
const value = (n: number) => `origin-secret-value-number-${n}-of-the-test-run`;

/**
 * CloudFront's origin secret in Secrets Manager (moto's), rotated as the README says: a new value
 * with `put-secret-value`, which Secrets Manager makes AWSCURRENT and the old one AWSPREVIOUS.
 */
describe.runIf(moto)('SecretsManagerOriginSecrets, on moto', () => {
  let client: SecretsManagerClient;
  let reads = 0;
  const newSecret = async (name: string, first: string) =>
    (await client.send(new CreateSecretCommand({ Name: `${name}-${Date.now()}`, SecretString: first })))
      .ARN ?? '';

  beforeAll(() => {
    client = new SecretsManagerClient({ ...EMULATOR_CLIENT_CONFIG, endpoint: moto });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetSecretValueCommand') reads += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countReads' },
    );
  });

  it('reads the current value once, at cold start, and knows it', async () => {
    const arn = await newSecret('origin-load', value(1));
    reads = 0;
    const secrets = await SecretsManagerOriginSecrets.load(client, arn, new ManualClock());
    expect(reads).toBe(1);
    expect([secrets.matches(value(1)), secrets.matches(value(2)), secrets.matches('')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('started after a rotation, still takes the previous value CloudFront sends until it is redeployed', async () => {
    const arn = await newSecret('origin-started-after', value(1));
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value(2) }));
    const secrets = await SecretsManagerOriginSecrets.load(client, arn, new ManualClock());
    expect(secrets.matches(value(1))).toBe(false);
    await secrets.refresh();
    expect([secrets.matches(value(1)), secrets.matches(value(2))]).toEqual([true, true]);
  });

  it('started before a rotation, takes the new value once CloudFront sends it', async () => {
    const arn = await newSecret('origin-started-before', value(1));
    const secrets = await SecretsManagerOriginSecrets.load(client, arn, new ManualClock());
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value(2) }));
    await secrets.refresh();
    expect([secrets.matches(value(2)), secrets.matches(value(1))]).toEqual([true, true]);
  });

  it('reads again at most once a minute, however many unknown values arrive', async () => {
    const clock = new ManualClock();
    const arn = await newSecret('origin-flood', value(1));
    const secrets = await SecretsManagerOriginSecrets.load(client, arn, clock);
    reads = 0;
    for (let i = 0; i < 10; i++) await secrets.refresh();
    expect(reads).toBe(2);
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value(2) }));
    for (let i = 0; i < 10; i++) await secrets.refresh();
    expect([reads, secrets.matches(value(2))]).toEqual([2, false]);
    clock.advance(ORIGIN_SECRET_REREAD_MS);
    for (let i = 0; i < 10; i++) await secrets.refresh();
    expect([reads, secrets.matches(value(2))]).toEqual([4, true]);
  });

  it('takes a secret never rotated, which has no previous value', async () => {
    const clock = new ManualClock();
    const arn = await newSecret('origin-fresh', value(1));
    const secrets = await SecretsManagerOriginSecrets.load(client, arn, clock);
    clock.advance(ORIGIN_SECRET_REREAD_MS);
    await secrets.refresh();
    expect(secrets.matches(value(1))).toBe(true);
  });

  it('refuses to start on a value too short to be a secret', async () => {
    const arn = await newSecret('origin-short', 'short');
    await expect(SecretsManagerOriginSecrets.load(client, arn, new ManualClock())).rejects.toThrow(
      /must hold a string of at least 32 characters \(CloudFront's origin secret\)/,
    );
  });
});
