import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Reads the access token of a Synapse admin from Secrets Manager, once per container at cold
 * start, for the functions that call Synapse's admin API. A token is one line without spaces.
 */
export async function fetchSynapseAdminToken(
  client: SecretsManagerClient,
  secretArn: string,
): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const token = SecretString?.trim();
  if (!token || /\s/.test(token)) {
    throw new Error(`The secret ${secretArn} must hold the access token of a Synapse admin, on one line.`);
  }
  return token;
}
