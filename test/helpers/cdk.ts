import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { MatrixThreepidValidationProps } from '../../infra/three-pid-validation.js';

const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * An App with the same feature flags as `cdk synth` (from cdk.json), and bundling skipped: tests
 * that read the template do not need the code built.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [], ...context } });
}

/**
 * The construct's optional props all in use (a homeserver with its admin token and module, a
 * custom domain, a given HMAC key, SES and SMS options), its CDK objects imported into `stack`:
 * what the template checks (cdk-nag, cfn-lint) run against besides the defaults.
 */
export function everyOption(stack: Stack): Partial<MatrixThreepidValidationProps> {
  const secret = (id: string, name: string) =>
    Secret.fromSecretCompleteArn(
      stack,
      id,
      `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`,
    );
  return {
    homeserver: {
      origin: 'https://synapse.internal.example.org',
      adminTokenSecret: secret('AdminToken', 'synapse-admin'),
      moduleSecret: secret('ModuleSecret', 'synapse-module'),
    },
    sesConfigurationSet: 'matrix-events',
    smsSenderId: 'Example',
    nextLinkAllowedHosts: ['app.element.io'],
    alarmEmail: 'ops@example.org',
    customDomain: {
      domainName: 'matrix.example.org',
      certificate: Certificate.fromCertificateArn(
        stack,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      ),
    },
    tokenHmacSecret: secret('Secret', 'matrix-3pid-hmac'),
  };
}
