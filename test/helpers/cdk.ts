import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';

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
