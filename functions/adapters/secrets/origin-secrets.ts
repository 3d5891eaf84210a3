import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../../core/ports.js';
import { matchesAny, type OriginSecrets } from '../../http/front-door.js';

type Stage = 'AWSCURRENT' | 'AWSPREVIOUS';

/** The least time between two reads after a mismatch: a flood of wrong values costs one read a minute. */
export const ORIGIN_SECRET_REREAD_MS = 60_000;

/**
 * CloudFront's origin secret, from Secrets Manager: its current value, read at cold start. A
 * request that carries none of the values known reads the current and the previous value again,
 * at once the first time, then at most once a minute, so that a rotation refuses no request sent
 * through CloudFront: not by a container started after the new value was stored, while CloudFront
 * still sends the old one, nor by one started before, once CloudFront sends the new one.
 */
export class SecretsManagerOriginSecrets implements OriginSecrets {
  private values: readonly string[] = [];
  private lastRead = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly clock: Clock,
  ) {}

  /** The secret's current value, read once now, at cold start. */
  static async load(
    client: SecretsManagerClient,
    secretArn: string,
    clock: Clock,
  ): Promise<SecretsManagerOriginSecrets> {
    const secrets = new SecretsManagerOriginSecrets(client, secretArn, clock);
    secrets.values = await secrets.valuesAt(['AWSCURRENT']);
    return secrets;
  }

  matches(given: string): boolean {
    return matchesAny(given, this.values);
  }

  async refresh(): Promise<void> {
    if (this.clock.now() - this.lastRead < ORIGIN_SECRET_REREAD_MS) return;
    this.lastRead = this.clock.now();
    this.values = await this.valuesAt(['AWSCURRENT', 'AWSPREVIOUS']);
  }

  private async valuesAt(stages: readonly Stage[]): Promise<string[]> {
    const values = await Promise.all(stages.map((stage) => this.valueAt(stage)));
    return values.filter((value): value is string => value !== undefined);
  }

  /** The value at a stage; none at AWSPREVIOUS for a secret never rotated. */
  private async valueAt(stage: Stage): Promise<string | undefined> {
    try {
      const { SecretString } = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretArn, VersionStage: stage }),
      );
      if (!SecretString || SecretString.length < 32) {
        throw new Error(
          `The secret ${this.secretArn} must hold a string of at least 32 characters (CloudFront's origin secret).`,
        );
      }
      return SecretString;
    } catch (error) {
      if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }
}
