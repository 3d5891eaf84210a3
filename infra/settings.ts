/**
 * The settings table (functions/settings.ts) as the construct sees it: props are read by their
 * path in the table, turned into the functions' environment, and checked with the parsers the
 * functions use at cold start, problems named by prop (`publicBaseUrl must be …`).
 */
import { Duration, Token } from 'aws-cdk-lib';
import {
  isBlank,
  presenceOf,
  requiredProblem,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
  type Settings,
} from '../functions/settings.js';
import type { MatrixThreepidValidationProps } from './three-pid-validation.js';

/** The prop path (`throttle.rateLimit`) of every setting that has one. */
export type PropPath = {
  [N in SettingName]: Settings[N] extends { readonly prop: infer P extends string } ? P : never;
}[SettingName];
type PropName<P extends string> = P extends `${infer Head}.${string}` ? Head : P;

/** Settings that a prop carries, with that prop's path. */
export function propSettings(): { name: SettingName; setting: Setting; path: PropPath }[] {
  return SETTING_NAMES.flatMap((name) => {
    const setting: Setting = SETTINGS[name];
    return setting.prop === undefined ? [] : [{ name, setting, path: setting.prop as PropPath }];
  });
}

/** The value at `path` in `props`; the table cannot name a prop the construct does not have. */
export function propAt(props: MatrixThreepidValidationProps, path: PropPath): unknown {
  const [name, field] = path.split('.') as [PropName<PropPath>, string | undefined];
  const value: unknown = props[name];
  return field === undefined ? value : (value as Record<string, unknown> | undefined)?.[field];
}

/**
 * A prop's value as the text its setting's parser reads, or undefined for what is not text: CDK
 * objects (a certificate, a secret).
 */
function propText(setting: Setting, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  // As its parser writes it: an empty country list is `none`, not blank.
  if (Array.isArray(value)) return setting.type.format(value);
  if (typeof value === 'number') {
    return Token.isUnresolved(value) ? Token.asString(value) : String(value);
  }
  if (value instanceof Duration) {
    const seconds = value.toSeconds();
    return Token.isUnresolved(seconds) ? Token.asString(seconds) : String(seconds);
  }
  // Plain data (rate limit overrides) is carried as the JSON its setting reads.
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return JSON.stringify(value);
  }
  return undefined;
}

/** What every function reads at cold start, from the props or the Lambda defaults of the table. */
export function functionEnvironment(props: MatrixThreepidValidationProps): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const { name, setting, path } of propSettings()) {
    const presence = presenceOf(name, 'lambda');
    if (setting.env === undefined || presence === undefined) continue;
    // A secret's ARN is set only on the functions granted to read it, and the templates directory
    // only on the functions it is copied into (see applyBinding).
    if (setting.propType === 'ISecret' || setting.propType === 'Directory') continue;
    const text = propText(setting, propAt(props, path));
    if (text !== undefined && !isBlank(text)) environment[setting.env] = text;
    else if ('default' in presence) environment[setting.env] = setting.type.format(presence.default);
  }
  return environment;
}

/**
 * Every problem with the props, named by prop. Values that are tokens are left to deploy time
 * (and to the functions' own check at cold start).
 */
export function propProblems(props: MatrixThreepidValidationProps): string[] {
  const problems: string[] = [];
  for (const { name, setting, path } of propSettings()) {
    const value = propAt(props, path);
    const text = propText(setting, value);
    if (value === undefined || text?.trim() === '') {
      const presence = presenceOf(name, 'deploy');
      if (presence !== undefined && 'required' in presence) {
        problems.push(`${path} ${requiredProblem(presence)}`);
      }
      continue;
    }
    const onlyWith = setting.onlyWith;
    if (onlyWith !== undefined) {
      const other = propSettings().find((candidate) => candidate.name === onlyWith.setting);
      const presence = presenceOf(onlyWith.setting as SettingName, 'deploy');
      const otherValue =
        other &&
        (propAt(props, other.path) ?? (presence && 'default' in presence ? presence.default : undefined));
      if (other && otherValue !== onlyWith.value) {
        problems.push(`${path} needs ${other.path} '${onlyWith.value}'`);
        continue;
      }
    }
    if (text === undefined || Token.isUnresolved(text)) continue;
    if (setting.refusedOnLambda !== undefined && text.trim() === setting.refusedOnLambda) {
      problems.push(`${path} must not be \`${setting.refusedOnLambda}\` on AWS (it is for local mode only)`);
      continue;
    }
    const parsed = setting.type.parse(text);
    if ('problem' in parsed) {
      problems.push(`${path} ${parsed.problem}${setting.propType === 'Duration' ? ', in seconds' : ''}`);
    }
  }
  return problems;
}
