import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Reads the token HMAC key from Secrets Manager. Called once per container, at cold start, so
 * requests never wait on it and the key is never in the function's environment.
 */
export async function fetchTokenHmacSecret(client: SecretsManagerClient, secretArn: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString || SecretString.length < 32) {
    throw new Error(
      `The secret ${secretArn} must hold a string of at least 32 characters (the token HMAC key).`,
    );
  }
  return SecretString;
}
