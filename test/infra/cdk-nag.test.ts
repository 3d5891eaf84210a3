import { Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
} from '../../infra/three-pid-validation.js';
import { testApp } from '../helpers/cdk.js';

const PROPS: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'noreply@example.org',
};

function findings(configure: (stack: Stack) => Partial<MatrixThreepidValidationProps> = () => ({})) {
  const app = testApp();
  const stack = new Stack(app, 'Nag');
  new MatrixThreepidValidation(stack, 'Validation', { ...PROPS, ...configure(stack) });
  return new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => ({
    rule: violation.ruleName,
    resources: violation.violatingResources.map((resource) => resource.constructPath),
  }));
}

/** cdk-nag's AWS Solutions pack: every finding is fixed, or acknowledged in code with a reason. */
describe('cdk-nag AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged in the default deployment', () => {
    expect(findings()).toEqual([]);
  });

  it('finds nothing unacknowledged with every option in use', () => {
    expect(
      findings((stack) => ({
        homeserverOrigin: 'https://synapse.internal.example.org',
        sesConfigurationSet: 'matrix-events',
        smsSenderId: 'Example',
        nextLinkAllowedHosts: ['app.element.io'],
        customDomain: {
          domainName: 'matrix.example.org',
          certificate: Certificate.fromCertificateArn(
            stack,
            'Cert',
            'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
          ),
        },
        tokenHmacSecret: Secret.fromSecretCompleteArn(
          stack,
          'Secret',
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-hmac-AbCdEf',
        ),
      })),
    ).toEqual([]);
  });

  it('still reports what the acknowledgements do not cover', () => {
    const app = testApp();
    const stack = new Stack(app, 'Unacknowledged');
    new Secret(stack, 'UnrotatedSecret');
    const rules = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.map((violation) => violation.ruleName);
    expect(rules).toContain('AwsSolutions-SMG4');
  });
});
