import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, inject, it } from 'vitest';
import {
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
} from '../../infra/three-pid-validation.js';
import { everyOption, testApp } from '../helpers/cdk.js';

/**
 * cfn-lint (AWS's CloudFormation linter, pinned in test/helpers/tools-requirements.txt) on the
 * synthesized templates: the default deployment and one with every option in use. No errors at
 * all; of the warnings, only those listed here, each with why it stays.
 */
const cfnLint = inject('cfnLint');

const ACCEPTED_WARNINGS: Readonly<Record<string, string>> = {
  W3005:
    "CDK makes each function DependsOn its role's policy, which the function's GetAtt on the role already implies for the role itself; harmless, and CDK's own.",
};

const PROPS: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'Example <noreply@example.org>',
  smsAllowedCountries: ['GB', 'US'],
};

function templateOf(props: (stack: Stack) => Partial<MatrixThreepidValidationProps>): string {
  const stack = new Stack(testApp(), 'Linted', { env: { account: '123456789012', region: 'eu-west-1' } });
  new MatrixThreepidValidation(stack, 'Validation', { ...PROPS, ...props(stack) });
  const file = join(mkdtempSync(join(tmpdir(), 'cfn-lint-')), 'template.json');
  writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
  return file;
}

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Message: string;
}

function lint(file: string): Finding[] {
  const result = spawnSync(cfnLint, ['--format', 'json', '--regions', 'eu-west-1', '--', file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  // cfn-lint exits non-zero whenever it finds anything; its JSON says what.
  if (result.stdout.trim() === '') throw new Error(`cfn-lint gave no report: ${result.stderr}`);
  return JSON.parse(result.stdout) as Finding[];
}

describe.runIf(cfnLint)('cfn-lint on the synthesized template', () => {
  it.each([
    ['the default deployment', () => ({})],
    ['every option in use', everyOption],
  ] as const)(
    'finds no error, and only accepted warnings, in %s',
    (_, props) => {
      const findings = lint(templateOf(props));
      expect(findings.filter((finding) => finding.Level === 'Error')).toEqual([]);
      const unexpected = findings.filter((finding) => !(finding.Rule.Id in ACCEPTED_WARNINGS));
      expect(unexpected.map((finding) => `${finding.Rule.Id} ${finding.Level}: ${finding.Message}`)).toEqual(
        [],
      );
    },
    90_000,
  );

  it('does report an error when there is one, so its silence above means something', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfn-lint-')), 'broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        Resources: { Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { BillingMode: 'FREE' } } },
      }),
    );
    expect(lint(file).filter((finding) => finding.Level === 'Error').length).toBeGreaterThan(0);
  }, 60_000);
});
