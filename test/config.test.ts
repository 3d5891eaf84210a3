import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadCoreLambdaConfig,
  loadLambdaConfig,
  loadLocalConfig,
  loadLogLevel,
  validationPolicy,
} from '../functions/config.js';
import { DEFAULT_RATE_LIMITS, resolveRateLimits } from '../functions/core/rate-limits.js';

const SECRET = 'x'.repeat(32);
const LAMBDA_ENV = {
  SERVER_NAME: 'example.org',
  PUBLIC_BASEURL: 'https://matrix.example.org',
  EMAIL_FROM: 'Example <noreply@example.org>',
  TOKEN_HMAC_SECRET: SECRET,
  TABLE_NAME: 'sessions-table',
  SMS_ALLOWED_COUNTRIES: 'GB,US',
};

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('local configuration', () => {
  it('works with no environment at all', () => {
    const config = loadLocalConfig({});
    expect(config).toMatchObject({
      port: 8090,
      host: '127.0.0.1',
      publicBaseUrl: undefined,
      serverName: 'localhost',
      emailFrom: 'Matrix <noreply@localhost>',
      nextLinkAllowedHosts: [],
      emailTokenLifetimeS: 3600,
      smsTokenLifetimeS: 600,
      tokenHmacSecretGiven: false,
      threepidBindingsFile: undefined,
      dataDir: undefined,
      logLevel: 'WARN',
      smsPolicy: { countries: '*', numberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'] },
      smsMaxPriceUsd: undefined,
      emailPolicy: { allow: [], deny: [] },
    });
  });

  it('reads the SMS and email policies', () => {
    const config = loadLocalConfig({
      SMS_ALLOWED_COUNTRIES: 'gb, US,gb',
      SMS_ALLOWED_NUMBER_TYPES: 'mobile,voip',
      SMS_MAX_PRICE_USD: '0.0725',
      EMAIL_DOMAIN_ALLOWLIST: 'Example.org,*.example.org',
      EMAIL_DOMAIN_DENYLIST: '*.invalid',
    });
    expect(config).toMatchObject({
      smsPolicy: { countries: ['GB', 'US'], numberTypes: ['MOBILE', 'VOIP'] },
      smsMaxPriceUsd: 0.0725,
      emailPolicy: { allow: ['example.org', '*.example.org'], deny: ['*.invalid'] },
    });
    expect(loadLocalConfig({ SMS_ALLOWED_COUNTRIES: 'NONE' }).smsPolicy.countries).toEqual([]);
  });

  it('reads every documented variable', () => {
    const config = loadLocalConfig({
      PORT: '9000',
      PUBLIC_BASEURL: 'https://matrix.example.org/base',
      SERVER_NAME: 'example.org:8448',
      EMAIL_FROM: 'noreply@example.org',
      NEXT_LINK_ALLOWED_HOSTS: ' App.Example.org, element.example.org ,',
      EMAIL_TOKEN_LIFETIME_S: '7200',
      SMS_TOKEN_LIFETIME_S: '300',
      TOKEN_HMAC_SECRET: SECRET,
      THREEPID_BINDINGS_FILE: './bindings.json',
      LOCAL_DATA_DIR: './data',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 9000,
      publicBaseUrl: 'https://matrix.example.org/base/',
      serverName: 'example.org:8448',
      nextLinkAllowedHosts: ['app.example.org', 'element.example.org'],
      emailTokenLifetimeS: 7200,
      smsTokenLifetimeS: 300,
      tokenHmacSecret: SECRET,
      tokenHmacSecretGiven: true,
      threepidBindingsFile: './bindings.json',
      dataDir: './data',
      logLevel: 'DEBUG',
    });
  });

  it('reports every bad value at once, naming each variable', () => {
    const problems = problemsOf(() =>
      loadLocalConfig({
        PORT: 'eighty',
        PUBLIC_BASEURL: 'ftp://example.org',
        EMAIL_TOKEN_LIFETIME_S: '10',
        SMS_TOKEN_LIFETIME_S: '86400',
        TOKEN_HMAC_SECRET: 'short',
        NEXT_LINK_ALLOWED_HOSTS: 'https://app.example.org',
        SERVER_NAME: 'bad name',
        EMAIL_FROM: 'nobody',
        SMS_SENDER_ID: '12',
        SMS_ORIGINATION_NUMBER: '5555550100',
        LOG_LEVEL: 'LOUD',
        SMS_ALLOWED_COUNTRIES: 'UK',
        SMS_ALLOWED_NUMBER_TYPES: 'CELL',
        SMS_MAX_PRICE_USD: '11',
        EMAIL_DOMAIN_ALLOWLIST: 'example.org:25',
        EMAIL_DOMAIN_DENYLIST: 'spam!.example',
      }),
    );
    expect(problems.map((problem) => problem.split(' ')[0]).sort()).toEqual(
      [
        'PORT',
        'SERVER_NAME',
        'EMAIL_FROM',
        'NEXT_LINK_ALLOWED_HOSTS',
        'EMAIL_TOKEN_LIFETIME_S',
        'SMS_TOKEN_LIFETIME_S',
        'LOG_LEVEL',
        'SMS_SENDER_ID',
        'SMS_ORIGINATION_NUMBER',
        'PUBLIC_BASEURL',
        'TOKEN_HMAC_SECRET',
        'SMS_ALLOWED_COUNTRIES',
        'SMS_ALLOWED_NUMBER_TYPES',
        'SMS_MAX_PRICE_USD',
        'EMAIL_DOMAIN_ALLOWLIST',
        'EMAIL_DOMAIN_DENYLIST',
      ].sort(),
    );
    expect(problems).toContain('EMAIL_TOKEN_LIFETIME_S must be a whole number from 60 to 86400');
  });
});

describe('Lambda configuration', () => {
  it('reads the required settings', () => {
    expect(loadLambdaConfig(LAMBDA_ENV)).toMatchObject({
      serverName: 'example.org',
      publicBaseUrl: 'https://matrix.example.org/',
      tableName: 'sessions-table',
      tokenHmacSecret: { value: SECRET },
      logLevel: 'INFO',
      smsPolicy: { countries: ['GB', 'US'], numberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'] },
      smsMaxPriceUsd: 0.5,
      emailPolicy: { allow: [], deny: [] },
    });
  });

  it('reads SMS_ALLOWED_COUNTRIES as every country, none, or a list', () => {
    const countries = (value: string) =>
      loadLambdaConfig({ ...LAMBDA_ENV, SMS_ALLOWED_COUNTRIES: value }).smsPolicy.countries;
    expect(countries('*')).toBe('*');
    expect(countries('none')).toEqual([]);
    expect(countries(' fr ,DE')).toEqual(['FR', 'DE']);
  });

  it('takes the HMAC key from Secrets Manager when only its ARN is given', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hmac-AbCdEf';
    const config = loadLambdaConfig({ ...LAMBDA_ENV, TOKEN_HMAC_SECRET: '', TOKEN_HMAC_SECRET_ARN: arn });
    expect(config.tokenHmacSecret).toEqual({ secretArn: arn });
  });

  it('prefers TOKEN_HMAC_SECRET over the ARN, so sam local can override the deployed secret', () => {
    const config = loadLambdaConfig({
      ...LAMBDA_ENV,
      TOKEN_HMAC_SECRET_ARN: 'arn:aws:secretsmanager:x:1:secret:y',
    });
    expect(config.tokenHmacSecret).toEqual({ value: SECRET });
  });

  it('refuses an ARN that is not a Secrets Manager secret', () => {
    expect(
      problemsOf(() =>
        loadLambdaConfig({ ...LAMBDA_ENV, TOKEN_HMAC_SECRET: '', TOKEN_HMAC_SECRET_ARN: 'arn:aws:ssm:x' }),
      ),
    ).toEqual(['TOKEN_HMAC_SECRET_ARN must be a Secrets Manager secret ARN']);
  });

  it('requires what has no safe default on AWS', () => {
    expect(
      problemsOf(() => loadLambdaConfig({}))
        .slice()
        .sort(),
    ).toEqual(
      [
        'SERVER_NAME is required',
        'EMAIL_FROM is required',
        'PUBLIC_BASEURL is required',
        'TOKEN_HMAC_SECRET_ARN (or TOKEN_HMAC_SECRET, at least 32 random characters) is required',
        'TABLE_NAME is required',
        'SMS_ALLOWED_COUNTRIES is required: the countries whose phone numbers may be sent SMS codes, like GB,US (only British and US numbers), none (no SMS at all) or * (every country, which invites SMS pumping)',
      ].sort(),
    );
  });

  it('ignores the ARN when TOKEN_HMAC_SECRET is set, even a malformed one', () => {
    const config = loadLambdaConfig({ ...LAMBDA_ENV, TOKEN_HMAC_SECRET_ARN: 'not-an-arn' });
    expect(config.tokenHmacSecret).toEqual({ value: SECRET });
  });

  it('reads the SES identity to send as, and refuses one that is not an SES ARN', () => {
    const arn = 'arn:aws:ses:eu-west-1:123456789012:identity/example.org';
    expect(loadLambdaConfig({ ...LAMBDA_ENV, SES_SOURCE_ARN: arn }).sesSourceArn).toBe(arn);
    expect(problemsOf(() => loadLambdaConfig({ ...LAMBDA_ENV, SES_SOURCE_ARN: 'arn:aws:sns:x' }))).toEqual([
      'SES_SOURCE_ARN must be an SES identity ARN',
    ]);
  });

  it('says clearly what is wrong in the message, for the cold-start log', () => {
    expect(() => loadLambdaConfig({ ...LAMBDA_ENV, TOKEN_HMAC_SECRET: 'short' })).toThrow(
      'Invalid configuration:\n  - TOKEN_HMAC_SECRET must be at least 32 characters',
    );
  });
});

describe('the rate limits', () => {
  it('are the defaults unless overridden, on Lambda and locally', () => {
    expect(loadLambdaConfig(LAMBDA_ENV).rateLimits).toEqual({});
    expect(loadLocalConfig({}).rateLimits).toEqual({});
  });

  it('take JSON overrides, resolved over the defaults where they are enforced', () => {
    const { rateLimits } = loadLambdaConfig({ ...LAMBDA_ENV, RATE_LIMITS: '{"address":{"hour":5}}' });
    expect(rateLimits).toEqual({ address: { hour: 5 } });
    expect(resolveRateLimits(rateLimits === 'off' ? {} : rateLimits)).toMatchObject({
      address: { hour: 5, day: 10 },
      ip: DEFAULT_RATE_LIMITS.ip,
    });
  });

  it('can be turned off locally, and never on Lambda', () => {
    expect(loadLocalConfig({ RATE_LIMITS: 'off' }).rateLimits).toBe('off');
    expect(problemsOf(() => loadLambdaConfig({ ...LAMBDA_ENV, RATE_LIMITS: 'off' }))).toEqual([
      'RATE_LIMITS must not be `off` on Lambda (it is for local mode only)',
    ]);
  });

  it('name what is wrong with bad overrides', () => {
    expect(problemsOf(() => loadLocalConfig({ RATE_LIMITS: '{"ip":{"hour":"ten"}}' }))).toEqual([
      'RATE_LIMITS is wrong: ip.hour must be a whole number from 0 to 1000000',
    ]);
  });
});

describe('the client IP source', () => {
  const CIDRS = '10.0.0.0/8, 2001:DB8:FFFF::/48, 203.0.113.7';
  const ORIGIN_SECRET = 'o'.repeat(32);
  const ORIGIN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbCdEf';

  it('is the source IP by default, on Lambda and locally', () => {
    expect(loadLambdaConfig(LAMBDA_ENV).clientIpSource).toEqual({ kind: 'direct' });
    expect(loadLocalConfig({}).clientIpSource).toEqual({ kind: 'direct' });
  });

  it('reads the trusted proxies for proxy, in any case, a bare address as one host', () => {
    for (const load of [loadLambdaConfig, loadLocalConfig]) {
      const config = load({ ...LAMBDA_ENV, CLIENT_IP_SOURCE: 'Proxy', TRUSTED_PROXY_CIDRS: CIDRS });
      expect(config.clientIpSource).toEqual({
        kind: 'proxy',
        trusted: ['10.0.0.0/8', '2001:db8:ffff::/48', '203.0.113.7/32'],
      });
    }
  });

  it('reads the origin secret for cloudfront, exactly as given', () => {
    const secret = ` ${ORIGIN_SECRET}`;
    for (const load of [loadLambdaConfig, loadLocalConfig]) {
      const config = load({
        ...LAMBDA_ENV,
        CLIENT_IP_SOURCE: 'cloudfront',
        CLOUDFRONT_ORIGIN_SECRET: secret,
      });
      expect(config.clientIpSource).toEqual({ kind: 'cloudfront', originSecret: { value: secret } });
    }
  });

  it('on Lambda, reads it from the secret the deployment names, unless it is given', () => {
    const cloudfront = {
      ...LAMBDA_ENV,
      CLIENT_IP_SOURCE: 'cloudfront',
      CLOUDFRONT_ORIGIN_SECRET_ARN: ORIGIN_ARN,
    };
    expect(loadLambdaConfig(cloudfront).clientIpSource).toEqual({
      kind: 'cloudfront',
      originSecret: { secretArn: ORIGIN_ARN },
    });
    expect(
      loadLambdaConfig({ ...cloudfront, CLOUDFRONT_ORIGIN_SECRET: ORIGIN_SECRET }).clientIpSource,
    ).toEqual({ kind: 'cloudfront', originSecret: { value: ORIGIN_SECRET } });
    // Locally there is no Secrets Manager to read it from.
    expect(problemsOf(() => loadLocalConfig(cloudfront))).toEqual([
      'CLOUDFRONT_ORIGIN_SECRET is required when CLIENT_IP_SOURCE is cloudfront',
    ]);
  });

  it('requires what each kind needs, naming the variables', () => {
    for (const load of [loadLambdaConfig, loadLocalConfig]) {
      expect(problemsOf(() => load({ ...LAMBDA_ENV, CLIENT_IP_SOURCE: 'proxy' }))).toEqual([
        'TRUSTED_PROXY_CIDRS is required when CLIENT_IP_SOURCE is proxy',
      ]);
    }
    const cloudfront = { ...LAMBDA_ENV, CLIENT_IP_SOURCE: 'cloudfront', TRUSTED_PROXY_CIDRS: CIDRS };
    expect(problemsOf(() => loadLambdaConfig(cloudfront))).toEqual([
      'CLOUDFRONT_ORIGIN_SECRET_ARN (or CLOUDFRONT_ORIGIN_SECRET) is required when CLIENT_IP_SOURCE is cloudfront',
    ]);
    expect(problemsOf(() => loadLocalConfig(cloudfront))).toEqual([
      'CLOUDFRONT_ORIGIN_SECRET is required when CLIENT_IP_SOURCE is cloudfront',
    ]);
  });

  it('reports a bad value once, not also as missing', () => {
    expect(
      problemsOf(() =>
        loadLambdaConfig({
          ...LAMBDA_ENV,
          CLIENT_IP_SOURCE: 'proxy',
          TRUSTED_PROXY_CIDRS: '10.0.0.0/33, 10.0.0.0/8',
        }),
      ),
    ).toEqual(['TRUSTED_PROXY_CIDRS must be IPv4 or IPv6 CIDRs, like 10.0.0.0/8 (bad: 10.0.0.0/33)']);
    expect(
      problemsOf(() =>
        loadLambdaConfig({
          ...LAMBDA_ENV,
          CLIENT_IP_SOURCE: 'cloudfront',
          CLOUDFRONT_ORIGIN_SECRET: 'short',
        }),
      ),
    ).toEqual(['CLOUDFRONT_ORIGIN_SECRET must be at least 32 characters']);
    expect(problemsOf(() => loadLambdaConfig({ ...LAMBDA_ENV, CLIENT_IP_SOURCE: 'nginx' }))).toEqual([
      'CLIENT_IP_SOURCE must be one of direct, proxy, cloudfront',
    ]);
  });

  it('ignores the companions of the other kinds', () => {
    const config = loadLambdaConfig({
      ...LAMBDA_ENV,
      TRUSTED_PROXY_CIDRS: CIDRS,
      CLOUDFRONT_ORIGIN_SECRET: ORIGIN_SECRET,
    });
    expect(config.clientIpSource).toEqual({ kind: 'direct' });
  });
});

describe('loadLogLevel', () => {
  it('reads LOG_LEVEL in any case, and falls back to INFO rather than fail', () => {
    expect(loadLogLevel({ LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(loadLogLevel({})).toBe('INFO');
    expect(loadLogLevel({ LOG_LEVEL: 'LOUD' })).toBe('INFO');
  });
});

describe('validationPolicy', () => {
  it('turns the configured lifetimes and hosts into the domain policy', () => {
    const policy = validationPolicy(
      loadLambdaConfig({
        ...LAMBDA_ENV,
        EMAIL_TOKEN_LIFETIME_S: '120',
        NEXT_LINK_ALLOWED_HOSTS: 'a.example',
      }),
    );
    expect(policy).toMatchObject({
      emailTokenLifetimeMs: 120_000,
      smsTokenLifetimeMs: 600_000,
      validatedSessionLifetimeMs: 86_400_000,
      maxTokenSubmissions: 5,
      nextLinkAllowedHosts: ['a.example'],
    });
  });
});

describe('the settings every function reads', () => {
  const CORE_ENV = {
    SERVER_NAME: 'example.org',
    PUBLIC_BASEURL: 'https://matrix.example.org',
    TOKEN_HMAC_SECRET: SECRET,
    TABLE_NAME: 'sessions-table',
  };

  it('are all submitToken, the link and getValidated3pid need: no sender, policy or limit', () => {
    expect(loadCoreLambdaConfig(CORE_ENV)).toEqual({
      serverName: 'example.org',
      publicBaseUrl: 'https://matrix.example.org/',
      nextLinkAllowedHosts: [],
      emailTokenLifetimeS: 3600,
      smsTokenLifetimeS: 600,
      logLevel: 'INFO',
      defaultLocale: 'en',
      brandName: undefined,
      supportContact: undefined,
      templatesDir: undefined,
      homeserverUrl: undefined,
      clientIpSource: { kind: 'direct' },
      synapseModuleUrl: undefined,
      synapseModuleSecret: undefined,
      tokenHmacSecret: { value: SECRET },
      tableName: 'sessions-table',
      // Where their counts go, unless the deployment names the construct's own namespace.
      metricNamespace: 'Matrix3pid',
    });
  });

  it('read the metrics namespace, and refuse one CloudWatch would not take', () => {
    expect(
      loadCoreLambdaConfig({ ...CORE_ENV, POWERTOOLS_METRICS_NAMESPACE: 'Matrix3pid/Stack/Validation' })
        .metricNamespace,
    ).toBe('Matrix3pid/Stack/Validation');
    expect(
      problemsOf(() => loadCoreLambdaConfig({ ...CORE_ENV, POWERTOOLS_METRICS_NAMESPACE: 'has spaces' })),
    ).toEqual(['POWERTOOLS_METRICS_NAMESPACE must be up to 255 of [A-Za-z0-9.-_/#:]']);
  });

  it('are checked as strictly as in the whole configuration', () => {
    expect(problemsOf(() => loadCoreLambdaConfig({ ...CORE_ENV, EMAIL_TOKEN_LIFETIME_S: '5' }))).toEqual([
      'EMAIL_TOKEN_LIFETIME_S must be a whole number from 60 to 86400',
    ]);
    expect(
      problemsOf(() => loadCoreLambdaConfig({ TABLE_NAME: 'sessions-table', TOKEN_HMAC_SECRET: SECRET })),
    ).toEqual(['SERVER_NAME is required', 'PUBLIC_BASEURL is required']);
  });
});
