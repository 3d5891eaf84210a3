/**
 * The Lambda functions as deployed, and what each one may do. requestToken is split by medium,
 * so the email function alone can use SES and the SMS function alone can use SNS. The table
 * actions are exactly the calls each function's code makes (see DynamoDbSessionStore):
 * load → GetItem, save → PutItem, remove → DeleteItem, countSubmission → UpdateItem.
 */
import type { Route } from '../functions/http/routes.js';

export type FunctionName =
  | 'requestEmailToken'
  | 'requestMsisdnToken'
  | 'submitToken'
  | 'emailLink'
  | 'getValidated3pid'
  | 'fallback';

export interface FunctionSpec {
  /** Entry file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly tableActions: readonly string[];
  /** Whether it reads the token HMAC key. */
  readonly readsSecret: boolean;
  readonly sends?: 'email' | 'sms';
  /**
   * Seconds. Sending waits on SES or SNS, whose SDK retries a throttled call a few times; the
   * rest make one to three single-digit-millisecond DynamoDB calls.
   */
  readonly timeoutSeconds: number;
}

const SESSION_WRITER = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'];
const SESSION_VALIDATOR = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'];

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSpec>> = {
  requestEmailToken: {
    entry: 'functions/lambda/request-email-token.ts',
    description: 'Matrix 3PID: requestToken for email addresses (sends through SES)',
    tableActions: SESSION_WRITER,
    readsSecret: true,
    sends: 'email',
    timeoutSeconds: 10,
  },
  requestMsisdnToken: {
    entry: 'functions/lambda/request-msisdn-token.ts',
    description: 'Matrix 3PID: requestToken for phone numbers (sends through SNS)',
    tableActions: SESSION_WRITER,
    readsSecret: true,
    sends: 'sms',
    timeoutSeconds: 10,
  },
  submitToken: {
    entry: 'functions/lambda/submit-token.ts',
    description: 'Matrix 3PID: submit_url, checks SMS codes and email tokens',
    tableActions: SESSION_VALIDATOR,
    readsSecret: true,
    timeoutSeconds: 5,
  },
  emailLink: {
    entry: 'functions/lambda/email-link.ts',
    description: 'Matrix 3PID: the emailed link, a confirmation page whose button validates',
    tableActions: SESSION_VALIDATOR,
    readsSecret: true,
    timeoutSeconds: 5,
  },
  getValidated3pid: {
    entry: 'functions/lambda/get-validated-3pid.ts',
    description: "Matrix 3PID: the homeserver's question, was this session validated",
    tableActions: ['dynamodb:GetItem'],
    readsSecret: true,
    timeoutSeconds: 5,
  },
  fallback: {
    entry: 'functions/lambda/fallback.ts',
    description: 'Matrix 3PID: 404/405 M_UNRECOGNIZED for every other path',
    tableActions: [],
    readsSecret: false,
    timeoutSeconds: 3,
  },
};

/** The function that serves a route. */
export function functionOf(route: Route): Exclude<FunctionName, 'fallback'> {
  if (route.handler === 'requestToken')
    return route.medium === 'email' ? 'requestEmailToken' : 'requestMsisdnToken';
  return route.handler;
}
