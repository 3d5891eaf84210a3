/**
 * The CDK app behind `npx cdk deploy` and `npm run synth`. Values come from context (`-c key=value`
 * or cdk.json); cdk-nag's AWS Solutions checks run at every synth and fail it on any finding that
 * is neither fixed nor acknowledged with a reason.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MatrixThreepidStack } from './stack.js';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'MatrixThreepid';
new MatrixThreepidStack(app, stackName, {
  description: 'Matrix homeserver 3PID validation (email and SMS) - matrix-3pid-serverless',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
