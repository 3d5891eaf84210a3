/**
 * Module-scope dependencies of the Lambda functions, built once per container at cold start:
 * configuration is read and validated, the token HMAC key is fetched from Secrets Manager, and
 * AWS clients are created. A bad configuration fails initialisation with a message naming every
 * bad variable, before any request is served.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbSessionStore, sessionDocumentClient } from '../adapters/dynamodb/session-store.js';
import { fetchTokenHmacSecret } from '../adapters/secrets/token-secret.js';
import { createDirectory, createLogger, createValidation } from '../composition.js';
import { loadLambdaConfig, type ServiceConfig } from '../config.js';
import type { EmailSender, SmsSender } from '../core/ports.js';
import type { ThreepidValidation } from '../core/validation.js';

const settings = loadLambdaConfig(process.env);

export const logger = createLogger(settings);

export const config: ServiceConfig & { readonly tableName: string } = {
  ...settings,
  tokenHmacSecret:
    'value' in settings.tokenHmacSecret
      ? settings.tokenHmacSecret.value
      : await fetchTokenHmacSecret(new SecretsManagerClient({}), settings.tokenHmacSecret.secretArn),
};

const documentClient = sessionDocumentClient(new DynamoDBClient({}));

/** For functions that never send: reaching one of these is a wiring bug. */
const NOT_A_SENDER: EmailSender & SmsSender = {
  sendValidationEmail: () => Promise.reject(new Error('This function does not send email')),
  sendValidationSms: () => Promise.reject(new Error('This function does not send SMS')),
};

/** The domain service over DynamoDB, with only the senders this function may use. */
export function validationService(
  senders: { email?: EmailSender; sms?: SmsSender } = {},
): ThreepidValidation {
  return createValidation(config, {
    store: new DynamoDbSessionStore(documentClient, config.tableName),
    email: senders.email ?? NOT_A_SENDER,
    sms: senders.sms ?? NOT_A_SENDER,
    directory: createDirectory(config),
    logger,
  });
}
