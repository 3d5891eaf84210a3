/**
 * Module-scope dependencies of the Lambda functions: configuration is read and validated here,
 * at cold start, and AWS clients are created once per container. A bad configuration makes the
 * function fail to initialise with a message naming every bad variable.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSessionStore, sessionDocumentClient } from '../adapters/dynamodb/session-store.js';
import { createDirectory, createLogger, createValidation } from '../composition.js';
import { loadLambdaConfig } from '../config.js';
import type { EmailSender, SmsSender } from '../core/ports.js';
import type { ThreepidValidation } from '../core/validation.js';

export const config = loadLambdaConfig(process.env);
export const logger = createLogger(config);

const documentClient = sessionDocumentClient(new DynamoDBClient({}));

/** For functions that never send: reaching one of these is a wiring bug. */
const NOT_A_SENDER: EmailSender & SmsSender = {
  sendValidationEmail: () => Promise.reject(new Error('This function does not send email')),
  sendValidationSms: () => Promise.reject(new Error('This function does not send SMS')),
};
const NO_SENDERS = { email: NOT_A_SENDER, sms: NOT_A_SENDER };

/** The domain service over DynamoDB; only requestToken passes real senders (see senders.ts). */
export function validationService(
  senders: { email: EmailSender; sms: SmsSender } = NO_SENDERS,
): ThreepidValidation {
  return createValidation(config, {
    store: new DynamoDbSessionStore(documentClient, config.tableName),
    email: senders.email,
    sms: senders.sms,
    directory: createDirectory(config),
    logger,
  });
}
