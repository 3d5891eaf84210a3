/**
 * What the Lambda functions share, built once per container at cold start: the configuration
 * (read and validated, failing initialisation with a message naming every bad variable), the
 * logger, and builders for the adapters a function may need. Nothing is built until an entry asks
 * for it, so each function creates only its own clients and fetches only its own secrets.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbSessionStore, sessionDocumentClient } from '../adapters/dynamodb/session-store.js';
import { fetchTokenHmacSecret } from '../adapters/secrets/token-secret.js';
import { createLogger, type Essentials, essentials } from '../composition.js';
import { type LambdaConfig, loadLambdaConfig } from '../config.js';

export const config: LambdaConfig = loadLambdaConfig(process.env);

export const logger = createLogger(config);

/** The session store on the function's table. */
export function sessionStore(): DynamoDbSessionStore {
  return new DynamoDbSessionStore(sessionDocumentClient(new DynamoDBClient({})), config.tableName);
}

/** Clock, randomness, the rules, and the hasher keyed by the token HMAC key (from Secrets Manager). */
export async function coreEssentials(): Promise<Essentials> {
  const source = config.tokenHmacSecret;
  const secret =
    'value' in source
      ? source.value
      : await fetchTokenHmacSecret(new SecretsManagerClient({}), source.secretArn);
  return essentials(config, secret, logger);
}
