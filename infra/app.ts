/**
 * The CDK app behind `npx cdk deploy` and `npm run synth`. Values come from context (`-c key=value`
 * or cdk.json); cdk-nag's AWS Solutions checks run at every synth and fail it on any finding that
 * is neither fixed nor acknowledged with a reason. A bad setting stops synth with the message
 * alone: the operator needs to know which `-c` value to fix, not where in the code it was found.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SettingsError } from '../functions/settings.js';
import { stackNameFromContext } from './context.js';
import { MatrixThreepidStack } from './stack.js';

const app = new App();
try {
  new MatrixThreepidStack(app, stackNameFromContext(app), {
    description: 'Matrix homeserver 3PID validation (email and SMS) - matrix-3pid-serverless',
  });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
