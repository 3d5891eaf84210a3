/**
 * Configuration, read from the environment once (at cold start, or when `npm start` starts) into
 * a typed object. What each variable means, accepts and defaults to is declared in settings.ts;
 * this module only assembles the result. Every problem is reported at once, naming the variable,
 * so a bad deployment fails immediately and says why instead of failing on the first request.
 */

import { SYNAPSE_MODULE_PATH } from './adapters/synapse/module-path.js';
import type { EmailPolicy } from './core/email-policy.js';
import { DEFAULT_POLICY, type ValidationPolicy } from './core/policy.js';
import type { RateLimitOverrides } from './core/rate-limits.js';
import type { SmsPolicy } from './core/sms-policy.js';
import type { ClientIpSource } from './http/client-ip.js';
import {
  type DecoyNoticeKind,
  type Env,
  isBlank,
  LOCAL_SETTINGS,
  type LogLevel,
  presenceIn,
  readValue,
  SENDING_SETTINGS,
  SERVICE_SETTINGS,
  type Setting,
  type SettingName,
  SettingsError,
  type ValueOf,
} from './settings.js';

export type { Env, LogLevel };

/** Where a Lambda function gets a secret: from its environment, or from Secrets Manager. */
export type SecretSource = { readonly value: string } | { readonly secretArn: string };

/**
 * CLIENT_IP_SOURCE with what its kind needs, as configured: CloudFront's origin secret is still a
 * value or the secret holding it; runtime.ts (Lambda) and the local server read it into a
 * ClientIpSource (http/client-ip.ts).
 */
export type ClientIpSetting =
  | Exclude<ClientIpSource, { readonly kind: 'cloudfront' }>
  | { readonly kind: 'cloudfront'; readonly originSecret: SecretSource };

/** Settings shared by the Lambda functions and the local server. */
export interface ServiceConfig {
  /** The homeserver's server name, as shown to users in messages (`example.org`). */
  readonly serverName: string;
  /** Base of the links and submit_url handed out; always ends with `/`. */
  readonly publicBaseUrl: string;
  /** From address of validation emails, `addr` or `Name <addr>`. */
  readonly emailFrom: string;
  /** Lower-cased host names next_link may use; empty allows any http(s) host. */
  readonly nextLinkAllowedHosts: readonly string[];
  readonly emailTokenLifetimeS: number;
  readonly smsTokenLifetimeS: number;
  /** Key for the HMAC that tokens and client secrets are stored under. */
  readonly tokenHmacSecret: string;
  /** JSON file of bound 3PIDs; when unset, nothing is bound. */
  readonly threepidBindingsFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly smsSenderId: string | undefined;
  readonly smsOriginationNumber: string | undefined;
  readonly sesConfigurationSet: string | undefined;
  readonly sesSourceArn: string | undefined;
  /**
   * The operator's overrides of the default rate limits, or `off` (local mode only); resolved
   * where they are enforced (composition.ts), so functions that send nothing do not carry them.
   */
  readonly rateLimits: RateLimitOverrides | 'off';
  /** Uniform answers to requestToken, whatever the address's account state. */
  readonly uniformResponses: boolean;
  readonly responseFloorMs: number;
  readonly decoyNotices: readonly DecoyNoticeKind[];
  /**
   * Where a client's IP is read (CLIENT_IP_SOURCE, with TRUSTED_PROXY_CIDRS, or CloudFront's origin
   * secret, without which a request is refused).
   */
  readonly clientIpSource: ClientIpSetting;
  /** Which numbers may be sent SMS codes (countries and number types); see checkSmsDestination. */
  readonly smsPolicy: SmsPolicy;
  /** The most SNS may charge for one SMS, in US dollars; unset locally, where nothing is sent. */
  readonly smsMaxPriceUsd: number | undefined;
  /** Which email domains may be validated; see checkEmailDomain. */
  readonly emailPolicy: EmailPolicy;
  /** The homeserver's origin (HOMESERVER_URL): requests the service does not answer go there. */
  readonly homeserverUrl: string | undefined;
  /** Where the Synapse module's resource is: SYNAPSE_MODULE_URL, else below the homeserver's origin. */
  readonly synapseModuleUrl: string | undefined;
  /** Where Synapse's admin API is: SYNAPSE_ADMIN_URL, else the homeserver's origin. */
  readonly synapseAdminUrl: string | undefined;
  /** The shortest new password a password reset accepts. */
  readonly passwordMinLength: number;
  /** The language when a request names none the service has. */
  readonly defaultLocale: string;
  /** The name mail and pages are signed with; the server name when unset. */
  readonly brandName: string | undefined;
  /** An email address or an https URL where people get help. */
  readonly supportContact: string | undefined;
  /** The operator's templates and catalog entries (TEMPLATES_DIR). */
  readonly templatesDir: string | undefined;
}

/**
 * What every function with a table reads (SERVICE_SETTINGS): submitToken, the emailed link and
 * getValidated3pid read this alone, so they neither carry nor need the senders' settings.
 */
export interface CoreLambdaConfig
  extends Pick<
    ServiceConfig,
    | 'serverName'
    | 'publicBaseUrl'
    | 'nextLinkAllowedHosts'
    | 'emailTokenLifetimeS'
    | 'smsTokenLifetimeS'
    | 'logLevel'
    | 'homeserverUrl'
    | 'synapseModuleUrl'
    | 'defaultLocale'
    | 'brandName'
    | 'supportContact'
    | 'templatesDir'
    | 'clientIpSource'
  > {
  readonly tableName: string;
  /** The CloudWatch namespace the function's metrics go to (EMF). */
  readonly metricNamespace: string;
  /** SYNAPSE_MODULE_SECRET when set (sam local, tests), else the secret SYNAPSE_MODULE_SECRET_ARN names, if any. */
  readonly synapseModuleSecret: SecretSource | undefined;
  /** TOKEN_HMAC_SECRET when set (sam local, tests), else the secret named by TOKEN_HMAC_SECRET_ARN. */
  readonly tokenHmacSecret: SecretSource;
}

/** The whole configuration, for the functions that send or ask the homeserver. */
export interface LambdaConfig
  extends CoreLambdaConfig,
    Omit<ServiceConfig, 'tokenHmacSecret' | 'smsMaxPriceUsd' | keyof CoreLambdaConfig> {
  /** SYNAPSE_ADMIN_TOKEN when set (sam local, tests), else the secret SYNAPSE_ADMIN_TOKEN_SECRET_ARN names, if any. */
  readonly synapseAdminToken: SecretSource | undefined;
  /** Always set on Lambda, where SMS go out through SNS. */
  readonly smsMaxPriceUsd: number;
}

export interface LocalConfig extends Omit<ServiceConfig, 'publicBaseUrl'> {
  /** The secret shared with the Synapse module: with it, email sessions are copied into Synapse. */
  readonly synapseModuleSecret: string | undefined;
  /** An access token of a Synapse admin: with it, Synapse is the directory and the password reset is served. */
  readonly synapseAdminToken: string | undefined;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** Unset means http://localhost:<port>/, decided once the port is known. */
  readonly publicBaseUrl: string | undefined;
  /** Where the embedded DynamoDB keeps its data; in memory when unset. */
  readonly dataDir: string | undefined;
  /** An external DynamoDB-compatible endpoint to use instead of the embedded one. */
  readonly dynamodbEndpoint: string | undefined;
  /** Whether TOKEN_HMAC_SECRET was unset, so the caller must supply one. */
  readonly tokenHmacSecretGiven: boolean;
}

export class ConfigError extends SettingsError {
  override readonly name = 'ConfigError';

  constructor(problems: readonly string[]) {
    super('Invalid configuration', problems);
  }
}

/** The settings every function with a table reads, on Lambda: SERVER_NAME and PUBLIC_BASEURL are required. */
export function loadCoreLambdaConfig(env: Env): CoreLambdaConfig {
  const read = new EnvReader(env, 'lambda', [SERVICE_SETTINGS]);
  const config = readCoreLambda(read, env);
  read.finish();
  return config;
}

/** The whole configuration of a function that sends or asks the homeserver: EMAIL_FROM and more are required. */
export function loadLambdaConfig(env: Env): LambdaConfig {
  const read = new EnvReader(env, 'lambda', [SERVICE_SETTINGS, SENDING_SETTINGS]);
  const config: LambdaConfig = {
    ...readCoreLambda(read, env),
    ...readSending(read),
    smsMaxPriceUsd: read.defaulted('smsMaxPriceUsd'),
    synapseAdminToken: secretSource(read, 'synapseAdminToken', 'synapseAdminTokenSecretArn'),
  };
  read.finish();
  return config;
}

function readCoreLambda(read: EnvReader, env: Env): CoreLambdaConfig {
  // TOKEN_HMAC_SECRET wins, so sam local can override the deployed secret; one of the two is needed.
  const secretGiven = !isBlank(env[SERVICE_SETTINGS.tokenHmacSecret.env]);
  const secret = read.get('tokenHmacSecret');
  const secretArn = secretGiven ? undefined : read.get('tokenHmacSecretArn');
  if (!secretGiven && isBlank(env[SERVICE_SETTINGS.tokenHmacSecretArn.env])) {
    read.problem('TOKEN_HMAC_SECRET_ARN (or TOKEN_HMAC_SECRET, at least 32 random characters) is required');
  }
  return {
    ...readCore(read),
    publicBaseUrl: read.get('publicBaseUrl') ?? '',
    tokenHmacSecret: secret ? { value: secret } : { secretArn: secretArn ?? '' },
    tableName: read.get('tableName') ?? '',
    metricNamespace: read.defaulted('metricNamespace'),
    synapseModuleSecret: secretSource(read, 'synapseModuleSecret', 'synapseModuleSecretArn'),
  };
}

/** Configuration of `npm start`: everything has a working default. */
export function loadLocalConfig(env: Env): LocalConfig {
  const read = new EnvReader(env, 'local', [LOCAL_SETTINGS, SERVICE_SETTINGS, SENDING_SETTINGS]);
  const port = read.defaulted('port');
  const secret = read.get('tokenHmacSecret');
  const config: LocalConfig = {
    ...readCore(read),
    ...readSending(read),
    port,
    host: read.defaulted('host'),
    publicBaseUrl: read.get('publicBaseUrl'),
    tokenHmacSecret: secret ?? '',
    tokenHmacSecretGiven: secret !== undefined,
    dataDir: read.get('dataDir'),
    dynamodbEndpoint: read.get('dynamodbEndpoint'),
    synapseAdminToken: read.get('synapseAdminToken'),
    synapseModuleSecret: read.get('synapseModuleSecret'),
  };
  if (config.synapseModuleSecret !== undefined && config.synapseModuleUrl === undefined) {
    read.problem('SYNAPSE_MODULE_SECRET needs SYNAPSE_MODULE_URL or HOMESERVER_URL: where the module is');
  }
  if (config.synapseAdminToken !== undefined && config.synapseAdminUrl === undefined) {
    read.problem('SYNAPSE_ADMIN_TOKEN needs SYNAPSE_ADMIN_URL or HOMESERVER_URL: where the admin API is');
  }
  read.finish();
  return config;
}

/** The log level alone, for functions that need nothing else (the fallback): lenient, never fails. */
export function loadLogLevel(env: Env): LogLevel {
  return (
    readValue<LogLevel>(SERVICE_SETTINGS.logLevel, env.LOG_LEVEL, SERVICE_SETTINGS.logLevel.lambda).value ??
    'INFO'
  );
}

/** The domain's rules, from configuration. */
export function validationPolicy(
  config: Pick<ServiceConfig, 'emailTokenLifetimeS' | 'smsTokenLifetimeS' | 'nextLinkAllowedHosts'>,
): ValidationPolicy {
  return {
    ...DEFAULT_POLICY,
    emailTokenLifetimeMs: config.emailTokenLifetimeS * 1000,
    smsTokenLifetimeMs: config.smsTokenLifetimeS * 1000,
    nextLinkAllowedHosts: config.nextLinkAllowedHosts,
  };
}

/** SERVICE_SETTINGS, as every function and the local server read them. */
function readCore(read: EnvReader) {
  const homeserverUrl = read.get('homeserverOrigin');
  return {
    serverName: read.get('serverName') ?? '',
    nextLinkAllowedHosts: read.defaulted('nextLinkAllowedHosts'),
    emailTokenLifetimeS: read.defaulted('emailTokenLifetimeS'),
    smsTokenLifetimeS: read.defaulted('smsTokenLifetimeS'),
    logLevel: read.defaulted('logLevel'),
    defaultLocale: read.defaulted('defaultLocale'),
    brandName: read.get('brandName'),
    supportContact: read.get('supportContact'),
    templatesDir: read.get('templatesDir'),
    homeserverUrl,
    clientIpSource: clientIpSource(read),
    synapseModuleUrl:
      read.get('synapseModuleUrl') ??
      (homeserverUrl === undefined ? undefined : new URL(SYNAPSE_MODULE_PATH, homeserverUrl).href),
  };
}

/** SENDING_SETTINGS: the senders, their policies and limits, the directory and the password reset. */
function readSending(read: EnvReader) {
  return {
    emailFrom: read.get('emailFrom') ?? '',
    threepidBindingsFile: read.get('threepidBindingsFile'),
    smsSenderId: read.get('smsSenderId'),
    smsOriginationNumber: read.get('smsOriginationNumber'),
    sesConfigurationSet: read.get('sesConfigurationSet'),
    sesSourceArn: read.get('sesSourceArn'),
    // Undefined only when refused (`off` on Lambda), which stops the start anyway.
    rateLimits: read.get('rateLimits') ?? {},
    uniformResponses: read.defaulted('requestTokenInhibit3pidErrors'),
    responseFloorMs: read.defaulted('responseFloorMs'),
    decoyNotices: read.defaulted('decoyNotices'),
    smsPolicy: {
      // Required on Lambda: when it is missing, finish() throws before this empty list is used.
      countries: read.get('smsAllowedCountries') ?? [],
      numberTypes: read.defaulted('smsAllowedNumberTypes'),
    },
    smsMaxPriceUsd: read.get('smsMaxPriceUsd'),
    emailPolicy: {
      allow: read.defaulted('emailDomainAllowlist'),
      deny: read.defaulted('emailDomainDenylist'),
    },
    synapseAdminUrl: synapseAdminUrlOf(read),
    passwordMinLength: read.defaulted('passwordMinLength'),
  };
}

/**
 * A secret as given in the environment (sam local, tests), or the Secrets Manager secret holding
 * it; undefined when neither is set (the feature it enables is off).
 */
function secretSource(
  read: EnvReader,
  valueName: 'synapseAdminToken' | 'synapseModuleSecret',
  arnName: 'synapseAdminTokenSecretArn' | 'synapseModuleSecretArn',
): SecretSource | undefined {
  const value = read.get(valueName);
  if (value !== undefined) return { value };
  const secretArn = read.isBlank(arnName) ? undefined : read.get(arnName);
  return secretArn === undefined ? undefined : { secretArn };
}

/** SYNAPSE_ADMIN_URL, else the homeserver's origin. */
function synapseAdminUrlOf(read: EnvReader): string | undefined {
  const homeserverUrl = read.get('homeserverOrigin');
  return read.get('synapseAdminUrl') ?? (homeserverUrl === undefined ? undefined : withSlash(homeserverUrl));
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** CLIENT_IP_SOURCE with what its kind needs: the proxies' CIDRs, or CloudFront's origin secret. */
function clientIpSource(read: EnvReader): ClientIpSetting {
  const kind = read.defaulted('clientIpSource');
  const trusted = read.get('trustedProxyCidrs');
  const originSecret = read.get('cloudfrontOriginSecret');
  const required = (names: string) =>
    read.problem(`${names} is required when ${SERVICE_SETTINGS.clientIpSource.env} is ${kind}`);
  switch (kind) {
    case 'direct':
      return { kind };
    case 'proxy':
      if (read.isBlank('trustedProxyCidrs')) required(SERVICE_SETTINGS.trustedProxyCidrs.env);
      return { kind, trusted: trusted ?? [] };
    case 'cloudfront': {
      // The value wins, so sam local and tests can give it; on Lambda the deployment names the secret.
      if (!read.isBlank('cloudfrontOriginSecret'))
        return { kind, originSecret: { value: originSecret ?? '' } };
      if (read.where === 'lambda' && !read.isBlank('cloudfrontOriginSecretArn')) {
        return { kind, originSecret: { secretArn: read.get('cloudfrontOriginSecretArn') ?? '' } };
      }
      const { cloudfrontOriginSecret, cloudfrontOriginSecretArn } = SERVICE_SETTINGS;
      required(
        read.where === 'lambda'
          ? `${cloudfrontOriginSecretArn.env} (or ${cloudfrontOriginSecret.env})`
          : cloudfrontOriginSecret.env,
      );
      return { kind, originSecret: { value: '' } };
    }
    default:
      throw new Error(`Unknown client IP source ${JSON.stringify(kind satisfies never)}`);
  }
}

/** Reads settings from the environment as they apply on Lambda or locally, collecting problems. */
class EnvReader {
  private readonly problems: string[] = [];

  constructor(
    private readonly env: Env,
    readonly where: 'lambda' | 'local',
    /** The groups of the settings table this reader may read: a function carries only those. */
    private readonly tables: readonly Readonly<Record<string, Setting>>[],
  ) {}

  private settingOf(name: SettingName): Setting {
    const setting = this.tables.find((table) => name in table)?.[name];
    if (setting === undefined)
      throw new Error(`${name} is not read ${this.where === 'lambda' ? 'here' : 'locally'}`);
    return setting;
  }

  /** The value, or undefined when it is not given (or is bad, which finish() reports). */
  get<N extends SettingName>(name: N): ValueOf<N> | undefined {
    const setting = this.settingOf(name);
    const presence = presenceIn(setting, this.where);
    if (setting.env === undefined || presence === undefined) {
      throw new Error(
        `${name} is not read from the environment ${this.where === 'lambda' ? 'on Lambda' : 'locally'}`,
      );
    }
    const raw = this.env[setting.env];
    const refused = setting.refusedOnLambda;
    if (this.where === 'lambda' && refused !== undefined && raw?.trim() === refused) {
      this.problem(`${setting.env} must not be \`${refused}\` on Lambda (it is for local mode only)`);
      return undefined;
    }
    const { value, problem } = readValue<ValueOf<N>>(setting, raw, presence);
    if (problem !== undefined) this.problem(`${setting.env} ${problem}`);
    return value;
  }

  /** The value of a setting that has a default here. */
  defaulted<N extends SettingName>(name: N): ValueOf<N> {
    const value = this.get(name);
    if (value === undefined) throw new Error(`${name} has no default ${this.where}`);
    return value;
  }

  /** Whether a setting read from the environment was left out (a bad value is not blank). */
  isBlank(name: SettingName): boolean {
    const { env } = this.settingOf(name);
    return env === undefined || isBlank(this.env[env]);
  }

  problem(problem: string): void {
    this.problems.push(problem);
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
