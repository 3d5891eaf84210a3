import { Stack, Validations } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ROUTES, routeKeyOf, routesServed } from '../../functions/http/routes.js';
import {
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
  WITHOUT_AUTHORIZER,
} from '../../infra/three-pid-validation.js';
import { everyOption, testApp } from '../helpers/cdk.js';
import { cloudFrontWithEveryOption } from '../helpers/cloudfront.js';

const PROPS: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'noreply@example.org',
  smsAllowedCountries: ['GB', 'US'],
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
    expect(findings(everyOption)).toEqual([]);
  });

  it('finds nothing unacknowledged behind the CloudFront front door, with its defaults', () => {
    expect(
      findings(() => ({
        frontDoor: 'cloudfront',
        homeserver: { origin: 'https://synapse-origin.example.org' },
      })),
    ).toEqual([]);
  });

  it('finds nothing unacknowledged behind the CloudFront front door, with every option in use', () => {
    expect(
      findings((stack) => {
        const options = cloudFrontWithEveryOption(stack);
        return {
          ...options,
          cloudFront: {
            ...options.cloudFront,
            originSecret: Secret.fromSecretCompleteArn(
              stack,
              'Origin',
              'arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbCdEf',
            ),
          },
        };
      }),
    ).toEqual([]);
  });

  it('acknowledges the missing authorizer on each route alone, for the reason of its auth kind', () => {
    const stack = new Stack(testApp(), 'Routes');
    new MatrixThreepidValidation(stack, 'Validation', PROPS);
    const resources = stack.node
      .findAll()
      .filter((scope): scope is CfnRoute => scope instanceof CfnRoute && scope.routeKey !== '$default');
    expect(resources.map((resource) => resource.routeKey).sort()).toEqual(
      routesServed({ homeserver: false, admin: false, emailImport: false }).map(routeKeyOf).sort(),
    );
    for (const resource of resources) {
      const route = ROUTES.find((candidate) => routeKeyOf(candidate) === resource.routeKey);
      // Where cdk-nag looks: the resource and every scope above it.
      const reasons = scopesFrom(resource).flatMap((scope) => acknowledged(scope, 'AwsSolutions-APIG4'));
      expect(reasons, resource.routeKey).toEqual([route && WITHOUT_AUTHORIZER[route.auth]]);
    }
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

function scopesFrom(scope: IConstruct): IConstruct[] {
  return [scope, ...(scope.node.scope ? scopesFrom(scope.node.scope) : [])];
}

/** The reasons a rule is acknowledged for on this scope itself. */
function acknowledged(scope: IConstruct, rule: string): string[] {
  return scope.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
    .filter(([id]) => id.replace(/^annotation::/i, '') === rule)
    .map(([, reason]) => reason);
}
