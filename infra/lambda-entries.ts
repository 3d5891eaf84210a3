/**
 * The Lambda entry files, one per function: what the CDK bundles. Each exports `handler`, built
 * over the AWS adapters in functions/lambda/deps.ts.
 */
import type { HandlerName } from '../functions/http/routes.js';

export const LAMBDA_ENTRIES: Readonly<Record<HandlerName | 'fallback', string>> = {
  requestToken: 'functions/lambda/request-token.ts',
  submitToken: 'functions/lambda/submit-token.ts',
  emailLink: 'functions/lambda/email-link.ts',
  getValidated3pid: 'functions/lambda/get-validated-3pid.ts',
  fallback: 'functions/lambda/fallback.ts',
};
