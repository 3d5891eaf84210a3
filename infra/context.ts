/**
 * `cdk deploy -c serverName=example.org …`: CDK context values, read into the construct's props.
 * A missing or malformed value stops synth with a message that says what to pass.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { MatrixThreepidValidationProps } from './three-pid-validation.js';

export const REQUIRED_CONTEXT = ['serverName', 'publicBaseUrl', 'emailFrom'] as const;

export const EXAMPLE_COMMAND =
  'npx cdk deploy -c serverName=example.org -c publicBaseUrl=https://matrix.example.org/ -c emailFrom=noreply@example.org';

/** Reads props from the context of `scope` (a stack, which also owns any imported certificate or secret). */
export function propsFromContext(
  scope: Construct,
  removalPolicy?: RemovalPolicy,
): MatrixThreepidValidationProps {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = scope.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      problems.push(`-c ${key} must be a single value`);
      return undefined;
    }
    return String(value).trim();
  };
  const seconds = (key: string): Duration | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) problems.push(`-c ${key} must be a whole number of seconds`);
    return Duration.seconds(Number(value));
  };
  const count = (key: string): number | undefined => {
    const value = text(key);
    if (value !== undefined && !/^\d+$/.test(value)) problems.push(`-c ${key} must be a whole number`);
    return value === undefined ? undefined : Number(value);
  };

  const missing = REQUIRED_CONTEXT.filter((key) => text(key) === undefined);
  if (missing.length > 0) {
    problems.push(
      `missing ${missing.map((key) => `-c ${key}=…`).join(', ')} (for example: ${EXAMPLE_COMMAND})`,
    );
  }
  const domainName = text('domainName');
  const certificateArn = text('certificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    problems.push('-c domainName and -c certificateArn go together');
  }
  const secretArn = text('tokenHmacSecretArn');
  const rateLimit = count('throttleRateLimit');
  const burstLimit = count('throttleBurstLimit');
  const props: MatrixThreepidValidationProps = {
    serverName: text('serverName') ?? '',
    publicBaseUrl: text('publicBaseUrl') ?? '',
    emailFrom: text('emailFrom') ?? '',
    sesIdentityArn: text('sesIdentityArn'),
    sesConfigurationSet: text('sesConfigurationSet'),
    smsSenderId: text('smsSenderId'),
    smsOriginationNumber: text('smsOriginationNumber'),
    nextLinkAllowedHosts: (text('nextLinkAllowedHosts') ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter((host) => host !== ''),
    emailTokenLifetime: seconds('emailTokenLifetimeSeconds'),
    smsTokenLifetime: seconds('smsTokenLifetimeSeconds'),
    homeserverOrigin: text('homeserverOrigin'),
    ...(domainName && certificateArn
      ? {
          customDomain: {
            domainName,
            certificate: Certificate.fromCertificateArn(scope, 'Certificate', certificateArn),
          },
        }
      : {}),
    ...(secretArn
      ? { tokenHmacSecret: Secret.fromSecretCompleteArn(scope, 'ExistingTokenHmacSecret', secretArn) }
      : {}),
    ...(rateLimit !== undefined || burstLimit !== undefined ? { throttle: { rateLimit, burstLimit } } : {}),
    ...(removalPolicy ? { removalPolicy } : {}),
  };
  if (problems.length > 0) {
    throw new Error(
      `Cannot synthesize the Matrix 3PID stack:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
  return props;
}
