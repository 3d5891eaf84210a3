import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { propsFromContext } from './context.js';
import { MatrixThreepidValidation, type MatrixThreepidValidationProps } from './three-pid-validation.js';

export interface MatrixThreepidStackProps extends StackProps {
  /** @default read from CDK context (`-c serverName=…`; see infra/context.ts) */
  readonly validation?: MatrixThreepidValidationProps;
}

/** A stack holding one MatrixThreepidValidation, with the outputs an operator needs next. */
export class MatrixThreepidStack extends Stack {
  readonly validation: MatrixThreepidValidation;

  constructor(scope: Construct, id: string, props: MatrixThreepidStackProps = {}) {
    super(scope, id, props);
    this.validation = new MatrixThreepidValidation(
      this,
      'Validation',
      props.validation ?? propsFromContext(this),
    );

    const { distribution, originSecret } = this.validation;
    new CfnOutput(this, 'ApiUrl', {
      description: distribution
        ? 'The API endpoint, which answers only requests that come through the distribution.'
        : 'The API endpoint; PUBLIC_BASEURL must lead here (custom domain or reverse proxy).',
      value: this.validation.stage.url,
    });
    if (distribution) {
      new CfnOutput(this, 'FrontDoorDomainName', {
        description: "Point the homeserver's domain (CNAME, or an alias record) at this name.",
        value: distribution.distributionDomainName,
      });
    }
    if (originSecret) {
      new CfnOutput(this, 'CloudFrontOriginSecretArn', {
        description: 'What CloudFront sends the API as X-Origin-Verify; rotate it as the README says.',
        value: originSecret.secretArn,
      });
    }
    if (this.validation.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: 'Point a CNAME (or alias) for the custom domain at this name.',
        value: this.validation.domainName.regionalDomainName,
      });
    }
    new CfnOutput(this, 'SessionsTable', { value: this.validation.table.tableName });
    new CfnOutput(this, 'TokenHmacSecretArn', { value: this.validation.tokenHmacSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', {
      description:
        'Every alarm (SMS spend, floods, SES reputation, errors, throttles, 5xx) is sent here; subscribe to it.',
      value: this.validation.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', {
      description:
        'The CloudWatch dashboard: sends, conversion, refusals, spend, latency, errors (docs/runbook.md).',
      value: this.validation.dashboard.dashboardName,
    });
  }
}
