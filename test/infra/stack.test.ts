import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MatrixThreepidStack } from '../../infra/stack.js';
import { testApp } from '../helpers/cdk.js';
import { WEB_ACL_ARN } from '../helpers/cloudfront.js';

const REQUIRED = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'noreply@example.org',
  smsAllowedCountries: 'GB,US',
};

function stackWith(context: Record<string, string>) {
  const app = testApp(context);
  return new MatrixThreepidStack(app, 'MatrixThreepid');
}

describe('MatrixThreepidStack from CDK context', () => {
  it('builds from the three required values and outputs what an operator needs next', () => {
    const template = Template.fromStack(stackWith(REQUIRED));
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'AlarmTopicArn',
      'ApiUrl',
      'DashboardName',
      'SessionsTable',
      'TokenHmacSecretArn',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SERVER_NAME: 'example.org', EMAIL_FROM: 'noreply@example.org' } },
    });
  });

  it('stops synth naming every missing value, with an example command', () => {
    expect(() => stackWith({ serverName: 'example.org' })).toThrow(
      /missing -c publicBaseUrl=…, -c emailFrom=… \(for example: npx cdk deploy -c serverName=example.org/,
    );
  });

  it('reads the optional values', () => {
    const stack = stackWith({
      ...REQUIRED,
      nextLinkAllowedHosts: 'app.element.io, app.example.org',
      emailTokenLifetimeSeconds: '1800',
      smsTokenLifetimeSeconds: '300',
      smsSenderId: 'Example',
      homeserverOrigin: 'https://synapse.internal.example.org',
      domainName: 'matrix.example.org',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      tokenHmacSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hmac-AbCdEf',
      throttleRateLimit: '20',
      throttleBurstLimit: '40',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          NEXT_LINK_ALLOWED_HOSTS: 'app.element.io,app.example.org',
          EMAIL_TOKEN_LIFETIME_S: '1800',
          SMS_TOKEN_LIFETIME_S: '300',
          TOKEN_HMAC_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hmac-AbCdEf',
        },
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'HTTP_PROXY' });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'matrix.example.org' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(Object.keys(template.findOutputs('*'))).toContain('CustomDomainTarget');
  });

  it('serves the password reset and email registration in front of Synapse given its secrets, and names what they need', () => {
    const adminToken = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:synapse-admin-AbCdEf';
    const moduleSecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:synapse-module-AbCdEf';
    const template = Template.fromStack(
      stackWith({
        ...REQUIRED,
        homeserverOrigin: 'https://synapse.internal.example.org',
        synapseAdminTokenSecretArn: adminToken,
        synapseAdminUrl: 'http://10.0.0.5:8008/',
        passwordMinLength: '12',
        synapseModuleSecretArn: moduleSecret,
      }),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /_matrix/client/v3/register/email/requestToken',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SYNAPSE_MODULE_SECRET_ARN: moduleSecret }) },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /_matrix/client/v3/account/password',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          HOMESERVER_URL: 'https://synapse.internal.example.org',
          SYNAPSE_ADMIN_URL: 'http://10.0.0.5:8008/',
          SYNAPSE_ADMIN_TOKEN_SECRET_ARN: adminToken,
          PASSWORD_MIN_LENGTH: '12',
        }),
      },
    });
    expect(() => stackWith({ ...REQUIRED, synapseAdminTokenSecretArn: adminToken })).toThrow(
      /-c synapseAdminTokenSecretArn needs -c homeserverOrigin/,
    );
    expect(() => stackWith({ ...REQUIRED, synapseModuleSecretArn: moduleSecret })).toThrow(
      /-c synapseModuleSecretArn needs -c homeserverOrigin/,
    );
  });

  it('puts CloudFront in front with -c frontDoor=cloudfront, and outputs where to point the domain', () => {
    const template = Template.fromStack(
      stackWith({
        ...REQUIRED,
        frontDoor: 'cloudfront',
        homeserverOrigin: 'https://synapse-origin.example.org',
        webAclArn: WEB_ACL_ARN,
        cloudFrontOriginReadTimeoutSeconds: '90',
      }),
    );
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['FrontDoorDomainName', 'CloudFrontOriginSecretArn']),
    );
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: WEB_ACL_ARN }),
    });
    expect(JSON.stringify(template.toJSON())).toContain('"OriginReadTimeout":90');
  });

  it('refuses the CloudFront options without -c frontDoor=cloudfront', () => {
    expect(() => stackWith({ ...REQUIRED, webAclArn: WEB_ACL_ARN })).toThrow(
      /-c webAclArn needs -c frontDoor=cloudfront/,
    );
    expect(() => stackWith({ ...REQUIRED, frontDoor: 'varnish' })).toThrow(
      /-c frontDoor must be one of api-gateway, cloudfront, reverse-proxy/,
    );
  });

  it('reads the abuse guards: route throttles, SMS concurrency, the spend limit and the alarm address', () => {
    const template = Template.fromStack(
      stackWith({
        ...REQUIRED,
        smsRequestTokenRateLimit: '1',
        smsRequestTokenBurstLimit: '4',
        emailRequestTokenRateLimit: '10',
        emailRequestTokenBurstLimit: '40',
        smsReservedConcurrency: '4',
        smsMonthlySpendLimitUsd: '200',
        alarmEmail: 'ops@example.org',
      }),
    );
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stage?.Properties.RouteSettings['POST /_matrix/client/v3/register/msisdn/requestToken']).toEqual({
      ThrottlingRateLimit: 1,
      ThrottlingBurstLimit: 4,
    });
    expect(stage?.Properties.RouteSettings['POST /_matrix/client/r0/register/email/requestToken']).toEqual({
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 40,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 4 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SMSMonthToDateSpentUSD',
      Threshold: 160,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
  });

  it('reserves no SMS concurrency with -c smsReservedConcurrency=none', () => {
    const template = Template.fromStack(stackWith({ ...REQUIRED, smsReservedConcurrency: 'none' }));
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('passes the client IP source and the trusted proxies to the functions, as the README says', () => {
    const template = Template.fromStack(
      stackWith({ ...REQUIRED, clientIpSource: 'proxy', trustedProxyCidrs: '10.0.0.0/8, 2001:db8::7' }),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CLIENT_IP_SOURCE: 'proxy',
          TRUSTED_PROXY_CIDRS: '10.0.0.0/8,2001:db8::7/128',
        }),
      },
    });
  });

  it.each([
    [{ domainName: 'matrix.example.org' }, '-c domainName and -c certificateArn go together'],
    [{ certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }, 'go together'],
    [
      { emailTokenLifetimeSeconds: 'an hour' },
      '-c emailTokenLifetimeSeconds must be a whole number from 60 to 86400',
    ],
    [
      { smsTokenLifetimeSeconds: '7200' },
      '-c smsTokenLifetimeSeconds must be a whole number from 60 to 3600',
    ],
    [{ throttleRateLimit: 'lots' }, '-c throttleRateLimit must be a whole number'],
    [{ publicBaseUrl: 'matrix.example.org' }, '-c publicBaseUrl must be an absolute http(s) URL'],
    [{ nextLinkAllowedHosts: 'https://app.example.org' }, '-c nextLinkAllowedHosts must be host names'],
    [{ tokenHmacSecretArn: 'arn:aws:ssm:x' }, '-c tokenHmacSecretArn must be a Secrets Manager secret ARN'],
    [{ sesIdentityArn: 'example.org' }, '-c sesIdentityArn must be an SES identity ARN'],
    [{ nextLinkAllowedHosts: ['app.example.org'] }, '-c nextLinkAllowedHosts must be a single value'],
    [{ smsAllowedCountries: 'UK,GB' }, '-c smsAllowedCountries must be `*` (every country), `none`, or'],
    [{ smsAllowedCountries: 'UK,GB' }, 'ISO 3166-1 alpha-2 codes like GB,US (bad: UK)'],
    [{ smsAllowedNumberTypes: 'MOBILE,LANDLINE' }, '-c smsAllowedNumberTypes must be comma-separated'],
    [{ smsMaxPriceUsd: '0' }, '-c smsMaxPriceUsd must be US dollars with up to 5 decimals'],
    [{ emailDomainDenylist: 'https://spam.example' }, '-c emailDomainDenylist must be domain globs'],
    [{ smsRequestTokenRateLimit: 'slow' }, '-c smsRequestTokenRateLimit must be a whole number'],
    [{ emailRequestTokenBurstLimit: '-1' }, '-c emailRequestTokenBurstLimit must be a whole number'],
    [
      { smsReservedConcurrency: '0' },
      '-c smsReservedConcurrency must not be 0: every SMS request would then fail with a 500, not a 429; to stop SMS, turn it off with the `cfg#switches` item (see "Protecting your SMS bill") or allow no SMS country',
    ],
    [
      { smsReservedConcurrency: 'lots' },
      '-c smsReservedConcurrency must be a whole number from 1 to 1000, or `none`',
    ],
    [{ smsMonthlySpendLimitUsd: 'fifty' }, '-c smsMonthlySpendLimitUsd must be US dollars'],
    [{ alarmEmail: 'ops at example.org' }, '-c alarmEmail must be an email address'],
  ])('refuses bad context %j', (context, message) => {
    expect(() => stackWith({ ...REQUIRED, ...context } as Record<string, string>)).toThrow(message);
  });

  it('reports every bad value at once, as it was passed, never by environment variable', () => {
    let message = '';
    try {
      stackWith({ emailFrom: 'nobody', publicBaseUrl: 'matrix.example.org', smsSenderId: '1' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      [
        'Cannot synthesize the Matrix 3PID stack:',
        '  - missing -c serverName=… (for example: npx cdk deploy -c serverName=example.org -c publicBaseUrl=https://matrix.example.org/ -c emailFrom=noreply@example.org -c smsAllowedCountries=GB,US)',
        "  - -c smsAllowedCountries is required: the countries whose phone numbers may be sent SMS codes, like -c smsAllowedCountries=GB,US (only British and US numbers), -c smsAllowedCountries=none (no SMS at all) or -c 'smsAllowedCountries=*' (every country, which invites SMS pumping)",
        '  - -c publicBaseUrl must be an absolute http(s) URL without query, fragment or credentials',
        '  - -c emailFrom must be an address, or Name <address>',
        '  - -c smsSenderId must be 3-11 letters, digits or hyphens, with at least one letter',
      ].join('\n'),
    );
    expect(message).not.toMatch(/[A-Z]+_[A-Z_]+/);
  });

  it('stops synth, saying how to choose, when the SMS countries are not chosen', () => {
    const { smsAllowedCountries: _, ...withoutCountries } = REQUIRED;
    expect(() => stackWith(withoutCountries)).toThrow(
      "Cannot synthesize the Matrix 3PID stack:\n  - -c smsAllowedCountries is required: the countries whose phone numbers may be sent SMS codes, like -c smsAllowedCountries=GB,US (only British and US numbers), -c smsAllowedCountries=none (no SMS at all) or -c 'smsAllowedCountries=*' (every country, which invites SMS pumping)",
    );
  });

  it.each([
    ['GB, us', 'GB,US'],
    ['none', 'none'],
    ['*', '*'],
  ])('passes -c smsAllowedCountries=%s to the functions as %s', (countries, variable) => {
    Template.fromStack(stackWith({ ...REQUIRED, smsAllowedCountries: countries })).hasResourceProperties(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ SMS_ALLOWED_COUNTRIES: variable }) } },
    );
  });

  it('passes the SMS number types, the SMS price cap and the email domain lists to the functions', () => {
    const stack = stackWith({
      ...REQUIRED,
      smsAllowedNumberTypes: 'mobile',
      smsMaxPriceUsd: '0.08',
      emailDomainAllowlist: 'example.org, *.Example.org',
      emailDomainDenylist: '*.invalid',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SMS_ALLOWED_NUMBER_TYPES: 'MOBILE',
          SMS_MAX_PRICE_USD: '0.08',
          EMAIL_DOMAIN_ALLOWLIST: 'example.org,*.example.org',
          EMAIL_DOMAIN_DENYLIST: '*.invalid',
        }),
      },
    });
  });

  it('sends the SES identity to the email function as the identity to send as', () => {
    const identity = 'arn:aws:ses:eu-west-1:123456789012:identity/example.org';
    Template.fromStack(stackWith({ ...REQUIRED, sesIdentityArn: identity })).hasResourceProperties(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ SES_SOURCE_ARN: identity }) } },
    );
  });
});

describe('the CDK app (infra/app.ts)', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));

  /** Runs the app as `cdk synth` does, with context in CDK_CONTEXT_JSON; resolves to its exit. */
  async function runApp(context: Record<string, string>) {
    const env = { PATH: process.env.PATH ?? '', CDK_CONTEXT_JSON: JSON.stringify(context) };
    try {
      await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
        cwd: ROOT,
        env,
        timeout: 30_000,
      });
      return { code: 0, stderr: '' };
    } catch (error) {
      const failure = error as { code: number; stderr: string };
      return { code: failure.code, stderr: failure.stderr };
    }
  }

  it.each([
    [
      { ...REQUIRED, publicBaseUrl: 'matrix.example.org' },
      '-c publicBaseUrl must be an absolute http(s) URL',
    ],
    [{ ...REQUIRED, stackName: 'matrix_3pid' }, '-c stackName must be a letter'],
    [{ serverName: 'example.org' }, 'missing -c publicBaseUrl=…, -c emailFrom=…'],
  ])('stops on bad context %j with the message alone, no stack trace', async (context, message) => {
    const { code, stderr } = await runApp(context);
    expect(code).toBe(1);
    expect(stderr).toContain('Cannot synthesize the Matrix 3PID stack:');
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
