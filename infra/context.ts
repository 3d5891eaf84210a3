/**
 * `cdk deploy -c serverName=example.org …`: CDK context values, read into the construct's props
 * with the parsers of the settings table (functions/settings.ts). A missing or malformed value
 * stops synth with a message that names it as it was passed (`-c publicBaseUrl …`).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  isBlank,
  presenceOf,
  readSetting,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
  SettingsError,
} from '../functions/settings.js';
import type { MatrixThreepidValidationProps } from './three-pid-validation.js';

const HEADING = 'Cannot synthesize the Matrix 3PID stack';

/** The context keys synth cannot do without. */
export const REQUIRED_CONTEXT: readonly string[] = SETTING_NAMES.flatMap((name) => {
  const { context } = SETTINGS[name] as Setting;
  const presence = presenceOf(name, 'deploy');
  return context !== undefined && presence !== undefined && 'required' in presence ? [context] : [];
});

export const EXAMPLE_COMMAND =
  'npx cdk deploy -c serverName=example.org -c publicBaseUrl=https://matrix.example.org/ -c emailFrom=noreply@example.org';

/** Reads props from the context of `scope` (a stack, which also owns any imported certificate or secret). */
export function propsFromContext(
  scope: Construct,
  removalPolicy?: RemovalPolicy,
): MatrixThreepidValidationProps {
  const problems: string[] = [];
  const missing: string[] = [];
  const props: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const setting: Setting = SETTINGS[name];
    const key = setting.context;
    if (key === undefined) continue;
    const { text, value, problem } = contextValue(scope, name);
    if (problem === 'is required') missing.push(key);
    else if (problem !== undefined) problems.push(`-c ${key} ${problem}`);
    const partner = setting.goesWith && (SETTINGS[setting.goesWith as SettingName] as Setting).context;
    if (partner && given(contextText(scope, key)) !== given(contextText(scope, partner))) {
      problems.push(`-c ${key} and -c ${partner} go together`);
    }
    if (problem === undefined && value !== undefined && !isBlank(text) && setting.prop !== undefined) {
      setProp(props, setting.prop, asProp(scope, setting, value));
    }
  }
  if (missing.length > 0) {
    problems.unshift(
      `missing ${missing.map((key) => `-c ${key}=…`).join(', ')} (for example: ${EXAMPLE_COMMAND})`,
    );
  }
  if (problems.length > 0) throw new SettingsError(HEADING, problems);
  return {
    ...(props as unknown as MatrixThreepidValidationProps),
    ...(removalPolicy ? { removalPolicy } : {}),
  };
}

/** `-c stackName`, or its default. */
export function stackNameFromContext(scope: Construct): string {
  const { value, problem } = contextValue(scope, 'stackName');
  if (problem !== undefined)
    throw new SettingsError(HEADING, [`-c ${SETTINGS.stackName.context} ${problem}`]);
  return value ?? SETTINGS.stackName.deploy.default;
}

/** The context value of a setting, parsed, with its problem if any (`is required`, `must be …`). */
function contextValue<N extends SettingName>(scope: Construct, name: N) {
  const setting: Setting = SETTINGS[name];
  const text = contextText(scope, setting.context ?? name);
  if (text === null) return { text: undefined, value: undefined, problem: 'must be a single value' };
  const presence = presenceOf(name, 'deploy') ?? { unset: '' };
  return { text, ...readSetting(name, text, presence) };
}

/** The text of a context key; null when it is something else (a list or an object in cdk.json). */
function contextText(scope: Construct, key: string): string | undefined | null {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

const given = (text: string | undefined | null) => text === null || !isBlank(text);

/** A setting's value as its prop takes it: CDK objects are imported into `scope`. */
function asProp(scope: Construct, setting: Setting, value: unknown): unknown {
  switch (setting.propType) {
    case 'Duration':
      return Duration.seconds(value as number);
    case 'ICertificate':
      return Certificate.fromCertificateArn(scope, 'Certificate', value as string);
    case 'ISecret':
      return Secret.fromSecretCompleteArn(scope, 'ExistingTokenHmacSecret', value as string);
    default:
      return value;
  }
}

function setProp(props: Record<string, unknown>, path: string, value: unknown): void {
  const [name, field] = path.split('.') as [string, string | undefined];
  if (field === undefined) props[name] = value;
  else props[name] = { ...(props[name] as object | undefined), [field]: value };
}
