/**
 * Configuration, read from the environment once (at cold start, or when `npm start` starts) into
 * a typed object. Every problem is reported at once, naming the variable, so a bad deployment
 * fails immediately and says why instead of failing on the first request.
 */
import { DEFAULT_POLICY, type ValidationPolicy } from './core/policy.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'];

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
}

/** Where a Lambda function gets the token HMAC key: from its environment, or from Secrets Manager. */
export type TokenSecretSource = { readonly value: string } | { readonly secretArn: string };

export interface LambdaConfig extends Omit<ServiceConfig, 'tokenHmacSecret'> {
  readonly tableName: string;
  /** TOKEN_HMAC_SECRET when set (sam local, tests), else the secret named by TOKEN_HMAC_SECRET_ARN. */
  readonly tokenHmacSecret: TokenSecretSource;
}

export interface LocalConfig extends Omit<ServiceConfig, 'publicBaseUrl'> {
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

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Configuration of a Lambda function: SERVER_NAME, PUBLIC_BASEURL and friends are required here. */
export function loadLambdaConfig(env: Env): LambdaConfig {
  const read = new EnvReader(env);
  const secret = read.secret('TOKEN_HMAC_SECRET', false);
  const secretArn = secret
    ? undefined
    : read.string('TOKEN_HMAC_SECRET_ARN', {
        pattern: /^arn:aws[a-z-]*:secretsmanager:/,
        hint: 'a Secrets Manager secret ARN',
      });
  if (!secret && !secretArn && !env.TOKEN_HMAC_SECRET_ARN) {
    read.missing('TOKEN_HMAC_SECRET_ARN (or TOKEN_HMAC_SECRET, at least 32 random characters)');
  }
  const config: LambdaConfig = {
    ...readShared(read, { required: true }),
    publicBaseUrl: read.baseUrl('PUBLIC_BASEURL'),
    tokenHmacSecret: secret ? { value: secret } : { secretArn: secretArn ?? '' },
    tableName:
      read.string('TABLE_NAME', {
        required: true,
        pattern: /^[A-Za-z0-9_.-]{3,255}$/,
        hint: '3-255 of [A-Za-z0-9_.-]',
      }) ?? '',
  };
  read.finish();
  return config;
}

/** Configuration of `npm start`: everything has a working default. */
export function loadLocalConfig(env: Env): LocalConfig {
  const read = new EnvReader(env);
  const port = read.integer('PORT', { default: 8090, min: 0, max: 65535 });
  const secret = read.secret('TOKEN_HMAC_SECRET', false);
  const config: LocalConfig = {
    ...readShared(read, { required: false }),
    port,
    host: read.string('HOST', { default: '127.0.0.1' }) ?? '127.0.0.1',
    publicBaseUrl: env.PUBLIC_BASEURL ? read.baseUrl('PUBLIC_BASEURL') : undefined,
    tokenHmacSecret: secret ?? '',
    tokenHmacSecretGiven: secret !== undefined,
    dataDir: read.string('LOCAL_DATA_DIR', {}),
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT ? read.baseUrl('DYNAMODB_ENDPOINT') : undefined,
  };
  read.finish();
  return config;
}

/** The log level alone, for functions that need nothing else (the fallback). */
export function loadLogLevel(env: Env): LogLevel {
  const level = env.LOG_LEVEL?.trim().toUpperCase();
  return LOG_LEVELS.find((known) => known === level) ?? 'INFO';
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

function readShared(read: EnvReader, { required }: { required: boolean }) {
  return {
    serverName:
      read.string('SERVER_NAME', {
        ...(required ? { required } : { default: 'localhost' }),
        pattern: /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
        hint: 'a host name with an optional port, like example.org',
      }) ?? '',
    emailFrom:
      read.string('EMAIL_FROM', {
        ...(required ? { required } : { default: 'Matrix <noreply@localhost>' }),
        pattern: /^([^<>@\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/,
        hint: 'an address, or Name <address>',
      }) ?? '',
    nextLinkAllowedHosts: read.hostList('NEXT_LINK_ALLOWED_HOSTS'),
    emailTokenLifetimeS: read.integer('EMAIL_TOKEN_LIFETIME_S', { default: 3600, min: 60, max: 86_400 }),
    smsTokenLifetimeS: read.integer('SMS_TOKEN_LIFETIME_S', { default: 600, min: 60, max: 3600 }),
    threepidBindingsFile: read.string('THREEPID_BINDINGS_FILE', {}),
    logLevel: (
      read.string('LOG_LEVEL', {
        default: required ? 'INFO' : 'WARN',
        pattern: new RegExp(`^(${LOG_LEVELS.join('|')})$`, 'i'),
        hint: LOG_LEVELS.join(', '),
      }) ?? 'INFO'
    ).toUpperCase() as LogLevel,
    smsSenderId: read.string('SMS_SENDER_ID', {
      pattern: /^(?=.*[A-Za-z])[A-Za-z0-9-]{3,11}$/,
      hint: '3-11 letters, digits or hyphens, with at least one letter',
    }),
    smsOriginationNumber: read.string('SMS_ORIGINATION_NUMBER', {
      pattern: /^\+[1-9]\d{4,14}$/,
      hint: 'an E.164 number like +15555550100',
    }),
    sesConfigurationSet: read.string('SES_CONFIGURATION_SET', {}),
    sesSourceArn: read.string('SES_SOURCE_ARN', {
      pattern: /^arn:aws[a-z-]*:ses:/,
      hint: 'an SES identity ARN',
    }),
  };
}

class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  string(
    name: string,
    options: { required?: boolean; default?: string; pattern?: RegExp; hint?: string },
  ): string | undefined {
    const raw = this.env[name]?.trim();
    const value = raw === undefined || raw === '' ? options.default : raw;
    if (value === undefined) {
      if (options.required) this.problem(name, 'is required');
      return undefined;
    }
    if (options.pattern && !options.pattern.test(value)) {
      this.problem(name, `must be ${options.hint ?? `like ${options.pattern}`}`);
    }
    return value;
  }

  integer(
    name: string,
    { default: fallback, min, max }: { default: number; min: number; max: number },
  ): number {
    const raw = this.env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(name, `must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  /** An absolute http(s) URL without query or fragment, returned ending in `/`. */
  baseUrl(name: string): string {
    const raw = this.env[name]?.trim() || undefined;
    if (raw === undefined) {
      this.problem(name, 'is required');
      return '';
    }
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username) {
      this.problem(name, 'must be an absolute http(s) URL without query, fragment or credentials');
      return '';
    }
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  }

  hostList(name: string): string[] {
    const hosts = (this.env[name] ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== '');
    const bad = hosts.filter(
      (host) => !/^[a-z0-9.-]+$/.test(host) || host.startsWith('.') || host.endsWith('.'),
    );
    if (bad.length > 0)
      this.problem(name, `must be host names without scheme, port or path (bad: ${bad.join(', ')})`);
    return hosts;
  }

  secret(name: string, required: boolean): string | undefined {
    const value = this.env[name];
    if (value === undefined || value === '') {
      if (required) this.problem(name, 'is required (at least 32 random characters)');
      return undefined;
    }
    if (value.length < 32) this.problem(name, 'must be at least 32 characters');
    return value;
  }

  missing(name: string): void {
    this.problem(name, 'is required');
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private problem(name: string, message: string): void {
    this.problems.push(`${name} ${message}`);
  }
}
