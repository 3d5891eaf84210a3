import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Reads the secret shared with the Synapse module from Secrets Manager, once per container at cold
 * start, for the functions that tell Synapse of email sessions.
 */
export async function fetchSynapseModuleSecret(
  client: SecretsManagerClient,
  secretArn: string,
): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString || SecretString.trim().length < 32) {
    throw new Error(
      `The secret ${secretArn} must hold the Synapse module's shared secret, of at least 32 characters.`,
    );
  }
  return SecretString.trim();
}
