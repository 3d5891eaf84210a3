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
  requiredProblem,
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
  'npx cdk deploy -c serverName=example.org -c publicBaseUrl=https://matrix.example.org/ -c emailFrom=noreply@example.org -c smsAllowedCountries=GB,US';

/** `-c key=value` as it is typed in a shell: quoted when the shell would expand it (`*`). */
const contextArgument = (key: string, value: string) =>
  /^[\w,.:/@+-]*$/.test(value) ? `-c ${key}=${value}` : `-c '${key}=${value}'`;

/** Reads props from the context of `scope` (a stack, which also owns any imported certificate or secret). */
export function propsFromContext(
  scope: Construct,
  removalPolicy?: RemovalPolicy,
): MatrixThreepidValidationProps {
  const problems: string[] = [];
  const missing: string[] = [];
  // Required values with no safe default, each said with how to choose it.
  const choices: string[] = [];
  const props: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const setting: Setting = SETTINGS[name];
    const key = setting.context;
    if (key === undefined) continue;
    const read = readContext(scope, setting);
    if (!read.given) {
      const presence = presenceOf(name, 'deploy');
      if (presence !== undefined && 'required' in presence && presence.choice !== undefined) {
        choices.push(`-c ${key} ${requiredProblem(presence, (value) => contextArgument(key, value))}`);
      } else if (REQUIRED_CONTEXT.includes(key)) missing.push(key);
    } else if ('problem' in read) {
      problems.push(`-c ${key} ${read.problem}`);
    } else if (setting.prop !== undefined) {
      setProp(props, setting.prop, asProp(scope, setting, read.value));
    }
    const partner = setting.goesWith && (SETTINGS[setting.goesWith as SettingName] as Setting);
    if (partner && read.given !== readContext(scope, partner).given) {
      problems.push(`-c ${key} and -c ${partner.context} go together`);
    }
    const needed = setting.needs && (SETTINGS[setting.needs as SettingName] as Setting);
    if (needed && read.given && !readContext(scope, needed).given) {
      problems.push(`-c ${key} needs -c ${needed.context}`);
    }
    const onlyWith = setting.onlyWith;
    if (onlyWith && read.given && contextValue(scope, onlyWith.setting as SettingName) !== onlyWith.value) {
      const other = SETTINGS[onlyWith.setting as SettingName] as Setting;
      problems.push(`-c ${key} needs -c ${other.context}=${onlyWith.value}`);
    }
  }
  problems.unshift(...choices);
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
  const { stackName } = SETTINGS;
  const read = readContext(scope, stackName);
  if (read.given && 'problem' in read) {
    throw new SettingsError(HEADING, [`-c ${stackName.context} ${read.problem}`]);
  }
  return read.given ? String(read.value) : stackName.deploy.default;
}

/** A setting's value from context, or its default at deploy time. */
function contextValue(scope: Construct, name: SettingName): unknown {
  const read = readContext(scope, SETTINGS[name]);
  if (read.given) return 'value' in read ? read.value : undefined;
  const presence = presenceOf(name, 'deploy');
  return presence && 'default' in presence ? presence.default : undefined;
}

type ContextRead =
  | { readonly given: false }
  | { readonly given: true; readonly problem: string }
  | { readonly given: true; readonly value: unknown };

/** A setting's context value, parsed by its parser. Blank counts as not given. */
function readContext(scope: Construct, setting: Setting): ContextRead {
  const raw: unknown = setting.context === undefined ? undefined : scope.node.tryGetContext(setting.context);
  if (raw === undefined || raw === null || (typeof raw === 'string' && isBlank(raw))) return { given: false };
  // A list or an object in cdk.json.
  if (typeof raw !== 'string' && typeof raw !== 'number')
    return { given: true, problem: 'must be a single value' };
  return { given: true, ...setting.type.parse(String(raw)) };
}

/** A setting's value as its prop takes it: CDK objects are imported into `scope`. */
function asProp(scope: Construct, setting: Setting, value: unknown): unknown {
  switch (setting.propType) {
    case 'Duration':
      return Duration.seconds(value as number);
    case 'ICertificate':
      return Certificate.fromCertificateArn(scope, 'Certificate', value as string);
    case 'ISecret':
      // One import per secret setting, named after it (the HMAC key's keeps its original id).
      return Secret.fromSecretCompleteArn(
        scope,
        setting.context === 'tokenHmacSecretArn' ? 'ExistingTokenHmacSecret' : `Existing ${setting.context}`,
        value as string,
      );
    default:
      return value;
  }
}

function setProp(props: Record<string, unknown>, path: string, value: unknown): void {
  const [name, field] = path.split('.') as [string, string | undefined];
  if (field === undefined) props[name] = value;
  else props[name] = { ...(props[name] as object | undefined), [field]: value };
}
