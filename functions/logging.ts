import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from './settings.js';

export const SERVICE_NAME = 'matrix-3pid';

/** The structured logger every function uses (Powertools, JSON on Lambda). */
export function createLogger(config: { readonly logLevel: LogLevel }): Logger {
  return new Logger({ serviceName: SERVICE_NAME, logLevel: config.logLevel });
}
