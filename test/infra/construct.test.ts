import { CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { COUNTER_KEY_PREFIX } from '../../functions/adapters/dynamodb/rate-limiter.js';
import { SWITCHES_KEY } from '../../functions/adapters/dynamodb/sending-switches.js';
import { ROUTES, routeKeyOf, routesServed } from '../../functions/http/routes.js';
import { bindingsOf, FUNCTIONS, type FunctionName, functionOf, KEY_PREFIXES } from '../../infra/functions.js';
import {
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
} from '../../infra/three-pid-validation.js';
import { testApp } from '../helpers/cdk.js';

const PROPS: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'Example <noreply@example.org>',
  smsAllowedCountries: ['GB', 'US'],
};

/** A stack with the construct, bundling skipped: these tests read the template, not the code. */
function synth(overrides: Partial<MatrixThreepidValidationProps> = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const construct = new MatrixThreepidValidation(stack, 'Validation', { ...PROPS, ...overrides });
  return { stack, construct, template: Template.fromStack(stack) };
}

const { construct, template, stack } = synth();
const ADMIN_TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:synapse-admin-AbCdEf';
const MODULE_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:synapse-module-AbCdEf';
/**
 * The same in front of Synapse, with an admin token (the password reset is served here) and the
 * module's secret (so is email registration).
 */
const withSynapse = (() => {
  const app = testApp();
  const synapseStack = new Stack(app, 'Synapse', { env: { account: '123456789012', region: 'eu-west-1' } });
  const adminTokenSecret = Secret.fromSecretCompleteArn(synapseStack, 'AdminToken', ADMIN_TOKEN_ARN);
  const moduleSecret = Secret.fromSecretCompleteArn(synapseStack, 'ModuleSecret', MODULE_SECRET_ARN);
  const synapseConstruct = new MatrixThreepidValidation(synapseStack, 'Validation', {
    ...PROPS,
    homeserver: { origin: 'https://synapse.internal.example.org', adminTokenSecret, moduleSecret },
  });
  return { stack: synapseStack, construct: synapseConstruct, template: Template.fromStack(synapseStack) };
})();
/** The functions a deployment has: the fallback only without a homeserver, accountPassword only with its admin token. */
const deployed = (source = construct) =>
  (Object.keys(FUNCTIONS) as FunctionName[]).filter((name) => source.functions[name] !== undefined);
const DEPLOYMENTS = { alone: { construct, template, stack }, 'with Synapse': withSynapse } as const;
type DeploymentName = keyof typeof DEPLOYMENTS;
/** Every function of both deployments, with the deployment it is in. */
const EVERY_FUNCTION: [FunctionName, DeploymentName][] = (
  Object.keys(DEPLOYMENTS) as DeploymentName[]
).flatMap((deployment) =>
  deployed(DEPLOYMENTS[deployment].construct).map((name): [FunctionName, DeploymentName] => [
    name,
    deployment,
  ]),
);
const logicalId = (resource: object) => stack.getLogicalId(resource as never);
const fnOf = (name: FunctionName, source = construct) => {
  const fn = source.functions[name];
  if (!fn) throw new Error(`no ${name} function`);
  return fn;
};
const functionId = (name: FunctionName) => logicalId(fnOf(name).node.defaultChild as object);
const tableId = () => logicalId(construct.table.node.defaultChild as object);

/** The statements of a function's policy. */
function statementsOf(
  name: FunctionName,
  source = template,
  sourceConstruct = construct,
  sourceStack = stack,
) {
  const roleId = sourceStack.getLogicalId(fnOf(name, sourceConstruct).role?.node.defaultChild as never);
  const policies = source.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement) as {
    Effect: string;
    Action: string | string[];
    Resource: unknown;
    Condition?: unknown;
  }[];
}
const statementsIn = (deployment: DeploymentName, name: FunctionName) => {
  const { template: source, construct: sourceConstruct, stack: sourceStack } = DEPLOYMENTS[deployment];
  return statementsOf(name, source, sourceConstruct, sourceStack);
};
const actionsOf = (statements: ReturnType<typeof statementsOf>) =>
  statements.flatMap((statement) => [statement.Action].flat()).sort();

describe('MatrixThreepidValidation', () => {
  describe('the HTTP API', () => {
    it('has a route for every endpoint, under r0 and v3, plus the identity paths', () => {
      const routes = template.findResources('AWS::ApiGatewayV2::Route');
      const keys = Object.values(routes).map((route) => route.Properties.RouteKey);
      const served = routesServed({ homeserver: false, admin: false, emailImport: false });
      for (const route of served) expect(keys).toContain(routeKeyOf(route));
      expect(keys.filter((key) => key.includes('/_matrix/client/r0/'))).toHaveLength(11);
      expect(keys.filter((key) => key.includes('/_matrix/client/v3/'))).toHaveLength(11);
      expect(keys).toContain('GET /_matrix/identity/api/v1/3pid/getValidated3pid');
      expect(keys).toContain('POST /_matrix/identity/api/v1/validate/msisdn/requestToken');
      expect(keys).toContain('$default');
      expect(keys).toHaveLength(served.length + 1);
      // Nothing can complete a password reset without a homeserver's admin API.
      expect(keys).not.toContain('POST /_matrix/client/v3/account/password');
    });

    it('sends each route to its own function, over payload format 2.0', () => {
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      for (const route of routesServed({ homeserver: false, admin: false, emailImport: false })) {
        const target = routes.find((candidate) => candidate.Properties.RouteKey === routeKeyOf(route))
          ?.Properties.Target;
        const integrationId = target['Fn::Join'][1][1].Ref;
        const integration = integrations[integrationId]?.Properties;
        expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
        expect(integration.IntegrationUri['Fn::GetAtt'][0]).toBe(functionId(functionOf(route)));
      }
    });

    it('answers every other path with the 404 fallback when no homeserver is given', () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      const fallback = routes.find((route) => route.Properties.RouteKey === '$default');
      const integrationId = fallback?.Properties.Target['Fn::Join'][1][1].Ref;
      const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId];
      expect(integration?.Properties.IntegrationUri['Fn::GetAtt'][0]).toBe(functionId('fallback'));
    });

    it('proxies every other path to the homeserver, path and query intact, when one is given', () => {
      const proxied = synth({ homeserver: { origin: 'https://synapse.internal.example.org/' } }).template;
      proxied.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'ANY',
        IntegrationUri: 'https://synapse.internal.example.org',
        PayloadFormatVersion: '1.0',
        RequestParameters: { 'overwrite:path': '$request.path' },
      });
      // Email registration and the password reset stay with the homeserver: it has no admin token here.
      proxied.resourceCountIs(
        'AWS::ApiGatewayV2::Route',
        routesServed({ homeserver: true, admin: false, emailImport: false }).length + 1,
      );
      // No 404 fallback function (the homeserver answers every other path), and no password reset.
      proxied.resourceCountIs('AWS::Lambda::Function', Object.keys(FUNCTIONS).length - 2);
    });

    it('in front of Synapse with its admin token and module, serves the password reset and email registration', () => {
      const { template: source, construct: sourceConstruct, stack: sourceStack } = withSynapse;
      const keys = Object.values(source.findResources('AWS::ApiGatewayV2::Route')).map(
        (route) => route.Properties.RouteKey,
      );
      const served = routesServed({ homeserver: true, admin: true, emailImport: true });
      expect(keys.sort()).toEqual([...served.map(routeKeyOf), '$default'].sort());
      expect(keys).toContain('POST /_matrix/client/v3/account/password');
      expect(keys).toContain('POST /_matrix/client/r0/account/password/msisdn/requestToken');
      // The module copies the session into Synapse, whose own checkers then accept it.
      expect(keys).toContain('POST /_matrix/client/v3/register/email/requestToken');
      expect(keys).toContain('POST /_matrix/client/v3/register/msisdn/requestToken');
      const variables = (name: FunctionName) =>
        source.findResources('AWS::Lambda::Function')[
          sourceStack.getLogicalId(fnOf(name, sourceConstruct).node.defaultChild as never)
        ]?.Properties.Environment.Variables;
      expect(variables('accountPassword')).toMatchObject({
        HOMESERVER_URL: 'https://synapse.internal.example.org',
        SYNAPSE_ADMIN_TOKEN_SECRET_ARN: ADMIN_TOKEN_ARN,
        PASSWORD_MIN_LENGTH: '10',
      });
      expect(variables('requestMsisdnToken').SYNAPSE_ADMIN_TOKEN_SECRET_ARN).toBe(ADMIN_TOKEN_ARN);
      expect(variables('submitToken').SYNAPSE_ADMIN_TOKEN_SECRET_ARN).toBeUndefined();
      for (const name of ['requestEmailToken', 'submitToken', 'emailLink'] as const) {
        expect(variables(name).SYNAPSE_MODULE_SECRET_ARN, name).toBe(MODULE_SECRET_ARN);
      }
      expect(variables('requestMsisdnToken').SYNAPSE_MODULE_SECRET_ARN).toBeUndefined();
      expect(variables('getValidated3pid').SYNAPSE_ADMIN_TOKEN_SECRET_ARN).toBeUndefined();
      expect(sourceConstruct.functions.fallback).toBeUndefined();
    });

    it('returns the spec’s CORS headers, API Gateway answering preflights', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: {
          AllowOrigins: ['*'],
          AllowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
          AllowHeaders: ['X-Requested-With', 'Content-Type', 'Authorization'],
        },
      });
    });

    it('throttles the stage, 50 requests a second with bursts of 100 by default', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      });
      synth({ throttle: { rateLimit: 5, burstLimit: 10 } }).template.hasResourceProperties(
        'AWS::ApiGatewayV2::Stage',
        {
          DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        },
      );
    });

    it('throttles each requestToken route: SMS 2 a second with bursts of 10, email 5 with 20', () => {
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
      const requestTokenRoutes = ROUTES.filter((route) => route.handler === 'requestToken');
      // Three flows by two media under r0 and v3, and Synapse's msisdn delegate call.
      expect(requestTokenRoutes).toHaveLength(13);
      expect(stage?.Properties.RouteSettings).toEqual(
        Object.fromEntries(
          requestTokenRoutes.map((route) => [
            routeKeyOf(route),
            route.medium === 'msisdn'
              ? { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 10 }
              : { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 },
          ]),
        ),
      );
      // The stage's own limit is unchanged, for every other route.
      expect(stage?.Properties.DefaultRouteSettings).toEqual({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      });
    });

    it('deploys the stage after the routes its settings name', () => {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      const routeIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Route'))
        .filter(([, route]) => String(route.Properties.RouteKey).endsWith('/requestToken'))
        .map(([id]) => id);
      expect(routeIds).toHaveLength(13);
      expect(stage?.DependsOn).toEqual(expect.arrayContaining(routeIds));
    });

    it('takes each route throttle from the props, a missing field at its default', () => {
      const custom = synth({
        smsRequestTokenThrottle: { rateLimit: 1 },
        emailRequestTokenThrottle: { rateLimit: 8, burstLimit: 30 },
      }).template;
      const settings = Object.values(custom.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties
        .RouteSettings;
      expect(settings['POST /_matrix/client/r0/account/password/msisdn/requestToken']).toEqual({
        ThrottlingRateLimit: 1,
        ThrottlingBurstLimit: 10,
      });
      expect(settings['POST /_matrix/client/v3/account/3pid/email/requestToken']).toEqual({
        ThrottlingRateLimit: 8,
        ThrottlingBurstLimit: 30,
      });
    });

    it('writes JSON access logs without the query string, which carries tokens', () => {
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
      const settings = stage?.Properties.AccessLogSettings;
      expect(settings.DestinationArn['Fn::GetAtt'][0]).toBe(
        logicalId(construct.accessLogGroup.node.defaultChild as object),
      );
      const format = JSON.parse(settings.Format);
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        path: '$context.path',
      });
      expect(settings.Format).not.toMatch(/querystring|rawQueryString|\$request/i);
    });

    it('maps a custom domain when given one', () => {
      const app = testApp();
      const domainStack = new Stack(app, 'Domain');
      new MatrixThreepidValidation(domainStack, 'Validation', {
        ...PROPS,
        customDomain: {
          domainName: 'matrix.example.org',
          certificate: Certificate.fromCertificateArn(
            domainStack,
            'Cert',
            'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
          ),
        },
      });
      const domainTemplate = Template.fromStack(domainStack);
      domainTemplate.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: 'matrix.example.org',
        DomainNameConfigurations: [
          Match.objectLike({ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }),
        ],
      });
      domainTemplate.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    });
  });

  describe('the functions', () => {
    it('are one per handler, on the newest Node.js runtime, ARM64, with their timeouts', () => {
      template.resourceCountIs('AWS::Lambda::Function', deployed().length);
      for (const name of deployed()) {
        const spec = FUNCTIONS[name];
        const fn = template.findResources('AWS::Lambda::Function')[functionId(name)]?.Properties;
        expect(fn).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: 256,
          Timeout: spec.timeoutSeconds,
        });
      }
    });

    it('get the configuration the code reads, and the table and secret by reference', () => {
      const fn = template.findResources('AWS::Lambda::Function')[functionId('requestEmailToken')]?.Properties;
      expect(fn.Environment.Variables).toEqual({
        SERVER_NAME: 'example.org',
        PUBLIC_BASEURL: 'https://matrix.example.org/',
        EMAIL_FROM: 'Example <noreply@example.org>',
        NEXT_LINK_ALLOWED_HOSTS: '',
        EMAIL_TOKEN_LIFETIME_S: '3600',
        SMS_TOKEN_LIFETIME_S: '600',
        RATE_LIMITS: '{}',
        REQUEST_TOKEN_INHIBIT_3PID_ERRORS: 'false',
        RESPONSE_FLOOR_MS: '500',
        DECOY_NOTICES: 'email-in-use',
        SMS_ALLOWED_COUNTRIES: 'GB,US',
        SMS_ALLOWED_NUMBER_TYPES: 'MOBILE,FIXED_LINE_OR_MOBILE',
        SMS_MAX_PRICE_USD: '0.5',
        EMAIL_DOMAIN_ALLOWLIST: '',
        EMAIL_DOMAIN_DENYLIST: '',
        LOG_LEVEL: 'INFO',
        DEFAULT_LOCALE: 'en',
        CLIENT_IP_SOURCE: 'direct',
        POWERTOOLS_SERVICE_NAME: 'matrix-3pid',
        NODE_OPTIONS: '--enable-source-maps',
        PASSWORD_MIN_LENGTH: '10',
        TABLE_NAME: { Ref: tableId() },
        TOKEN_HMAC_SECRET_ARN: { Ref: logicalId(construct.tokenHmacSecret.node.defaultChild as object) },
        // The configuration set made for it, and where its metrics go.
        SES_CONFIGURATION_SET: {
          Ref: logicalId(construct.sesConfigurationSet?.node.defaultChild as object),
        },
        POWERTOOLS_METRICS_NAMESPACE: 'Matrix3pid/Test/Validation',
      });
      const fallback = template.findResources('AWS::Lambda::Function')[functionId('fallback')]?.Properties;
      expect(fallback.Environment.Variables).toEqual({
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('give submitToken, the emailed link and getValidated3pid only the settings they read', () => {
      for (const name of ['submitToken', 'emailLink', 'getValidated3pid'] as const) {
        const fn = template.findResources('AWS::Lambda::Function')[functionId(name)]?.Properties;
        expect(fn.Environment.Variables, name).toEqual({
          SERVER_NAME: 'example.org',
          PUBLIC_BASEURL: 'https://matrix.example.org/',
          NEXT_LINK_ALLOWED_HOSTS: '',
          EMAIL_TOKEN_LIFETIME_S: '3600',
          SMS_TOKEN_LIFETIME_S: '600',
          LOG_LEVEL: 'INFO',
          DEFAULT_LOCALE: 'en',
          CLIENT_IP_SOURCE: 'direct',
          POWERTOOLS_SERVICE_NAME: 'matrix-3pid',
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: { Ref: tableId() },
          TOKEN_HMAC_SECRET_ARN: { Ref: logicalId(construct.tokenHmacSecret.node.defaultChild as object) },
          // getValidated3pid counts nothing.
          ...(name === 'getValidated3pid'
            ? {}
            : { POWERTOOLS_METRICS_NAMESPACE: 'Matrix3pid/Test/Validation' }),
        });
      }
    });

    it('pass lifetimes, allowed hosts and sender settings through', () => {
      const custom = synth({
        emailTokenLifetime: Duration.hours(2),
        smsTokenLifetime: Duration.minutes(5),
        nextLinkAllowedHosts: ['app.element.io', 'app.example.org'],
        sesConfigurationSet: 'matrix-events',
        smsSenderId: 'Example',
        smsOriginationNumber: '+15555550100',
      });
      const variables = (name: FunctionName) =>
        custom.template.findResources('AWS::Lambda::Function')[
          custom.stack.getLogicalId(fnOf(name, custom.construct).node.defaultChild as never)
        ]?.Properties.Environment.Variables;
      expect(variables('requestEmailToken')).toMatchObject({
        EMAIL_TOKEN_LIFETIME_S: '7200',
        SMS_TOKEN_LIFETIME_S: '300',
        NEXT_LINK_ALLOWED_HOSTS: 'app.element.io,app.example.org',
        SES_CONFIGURATION_SET: 'matrix-events',
        SMS_SENDER_ID: 'Example',
        SMS_ORIGINATION_NUMBER: '+15555550100',
      });
    });

    it('pass the SMS and email policies through, an empty country list as none', () => {
      const custom = synth({
        smsAllowedCountries: [],
        smsAllowedNumberTypes: ['MOBILE', 'VOIP'],
        smsMaxPriceUsd: 0.08,
        emailDomainAllowlist: ['example.org', '*.example.org'],
        emailDomainDenylist: ['*.invalid'],
      });
      expect(
        custom.template.findResources('AWS::Lambda::Function')[
          custom.stack.getLogicalId(fnOf('requestMsisdnToken', custom.construct).node.defaultChild as never)
        ]?.Properties.Environment.Variables,
      ).toMatchObject({
        SMS_ALLOWED_COUNTRIES: 'none',
        SMS_ALLOWED_NUMBER_TYPES: 'MOBILE,VOIP',
        SMS_MAX_PRICE_USD: '0.08',
        EMAIL_DOMAIN_ALLOWLIST: 'example.org,*.example.org',
        EMAIL_DOMAIN_DENYLIST: '*.invalid',
      });
      synth({ smsAllowedCountries: '*' }).template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ SMS_ALLOWED_COUNTRIES: '*' }) },
      });
    });

    it('pass the SES identity on as SES_SOURCE_ARN, so the email is sent as the identity it may use', () => {
      const identity = 'arn:aws:ses:eu-west-1:123456789012:identity/example.org';
      const custom = synth({ sesIdentityArn: identity });
      const variables = (name: FunctionName) =>
        custom.template.findResources('AWS::Lambda::Function')[
          custom.stack.getLogicalId(fnOf(name, custom.construct).node.defaultChild as never)
        ]?.Properties.Environment.Variables;
      expect(variables('requestEmailToken').SES_SOURCE_ARN).toBe(identity);
    });

    it('reserve 10 concurrent executions for the SMS function alone, and none for the others', () => {
      const reserved = (source = construct, sourceStack = stack, sourceTemplate = template) =>
        Object.fromEntries(
          (Object.keys(FUNCTIONS) as FunctionName[]).flatMap((name) => {
            const fn = source.functions[name];
            if (!fn) return [];
            const id = sourceStack.getLogicalId(fn.node.defaultChild as never);
            return [
              [
                name,
                sourceTemplate.findResources('AWS::Lambda::Function')[id]?.Properties
                  .ReservedConcurrentExecutions,
              ],
            ];
          }),
        );
      expect(reserved()).toEqual({
        requestEmailToken: undefined,
        requestMsisdnToken: 10,
        submitToken: undefined,
        emailLink: undefined,
        getValidated3pid: undefined,
        fallback: undefined,
      });
      const more = synth({ smsReservedConcurrency: 25 });
      expect(reserved(more.construct, more.stack, more.template).requestMsisdnToken).toBe(25);
      const none = synth({ smsReservedConcurrency: 'none' });
      expect(Object.values(reserved(none.construct, none.stack, none.template))).toEqual(
        Array(deployed().length).fill(undefined),
      );
    });

    it('warns when the SMS function may run fewer executions than the SMS routes let through at once', () => {
      const warnings = (overrides: Partial<MatrixThreepidValidationProps>) => {
        const { stack: warned } = synth(overrides);
        return Annotations.fromStack(warned).findWarning(
          '*',
          Match.stringLikeRegexp('smsReservedConcurrency'),
        );
      };
      expect(warnings({})).toEqual([]);
      expect(warnings({ smsReservedConcurrency: 5 })).toHaveLength(1);
      expect(warnings({ smsReservedConcurrency: 5, smsRequestTokenThrottle: { burstLimit: 5 } })).toEqual([]);
    });

    it('each log to a group of their own, kept three months by default', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups).toHaveLength(deployed().length + 1);
      for (const group of groups) expect(group.Properties.RetentionInDays).toBe(90);
      const fn = template.findResources('AWS::Lambda::Function')[functionId('submitToken')]?.Properties;
      expect(fn.LoggingConfig.LogGroup.Ref).toBe(
        logicalId(fnOf('submitToken').logGroup.node.defaultChild as object),
      );
      const shorter = synth({ logRetention: RetentionDays.ONE_WEEK }).template;
      for (const group of Object.values(shorter.findResources('AWS::Logs::LogGroup'))) {
        expect(group.Properties.RetentionInDays).toBe(7);
      }
    });
  });

  describe('the sessions table', () => {
    it('is on-demand, keyed by pk, with TTL on the attribute the code writes', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      });
    });

    it('has point-in-time recovery, encryption, deletion protection, and is retained by default', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [
            Match.objectLike({
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
            }),
          ],
        }),
      });
    });

    it('can be destroyed with the stack when asked', () => {
      synth({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Delete',
      });
    });
  });

  describe('least privilege', () => {
    const TABLE_ARN = () => ({ 'Fn::GetAtt': [tableId(), 'Arn'] });

    /** Each function's table statements, as exactly as the template has them, by key prefix. */
    const TABLE_GRANTS: Record<FunctionName, Record<string, string | string[]>> = {
      requestEmailToken: {
        'session#*': ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        'rl#*': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        'cfg#*': 'dynamodb:GetItem',
      },
      requestMsisdnToken: {
        'session#*': ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        'rl#*': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        'cfg#*': 'dynamodb:GetItem',
      },
      accountPassword: { 'session#*': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
      submitToken: { 'session#*': ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      emailLink: { 'session#*': ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      getValidated3pid: { 'session#*': 'dynamodb:GetItem' },
      fallback: {},
    };

    it.each(
      EVERY_FUNCTION,
    )('%s (%s) may use only the table actions its code performs, each on the keys of its items alone', (name, deployment) => {
      const statements = statementsIn(deployment, name).filter((statement) =>
        JSON.stringify(statement.Action).includes('dynamodb:'),
      );
      expect(
        Object.fromEntries(
          statements.map((statement) => {
            expect(statement).toEqual({
              Effect: 'Allow',
              Action: statement.Action,
              Resource: TABLE_ARN(),
              Condition: {
                'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [expect.stringMatching(/^[a-z]+#\*$/)] },
                Null: { 'dynamodb:LeadingKeys': 'false' },
              },
            });
            const condition = statement.Condition as Record<string, Record<string, string[]>>;
            return [condition['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']?.[0], statement.Action];
          }),
        ),
      ).toEqual(TABLE_GRANTS[name]);
      expect(actionsOf(statements)).toEqual(
        bindingsOf(FUNCTIONS[name], 'table')
          .flatMap((table) => table.actions)
          .sort(),
      );
    });

    it('names the key prefixes the adapters write', () => {
      expect(KEY_PREFIXES).toEqual({ sessions: 'session#', counters: COUNTER_KEY_PREFIX, switches: 'cfg#' });
      expect(SWITCHES_KEY.startsWith(KEY_PREFIXES.switches)).toBe(true);
    });

    it('gives no function a wildcard action, and none an AWS managed policy', () => {
      for (const [name, deployment] of EVERY_FUNCTION) {
        for (const action of actionsOf(statementsIn(deployment, name))) expect(action).not.toMatch(/\*/);
      }
      for (const source of [template, withSynapse.template]) {
        for (const role of Object.values(source.findResources('AWS::IAM::Role'))) {
          expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        }
      }
    });

    it('lets each function write only to its own log group', () => {
      for (const [name, deployment] of EVERY_FUNCTION) {
        const { construct: source, stack: sourceStack } = DEPLOYMENTS[deployment];
        const logs = statementsIn(deployment, name).filter((statement) =>
          JSON.stringify(statement.Action).includes('logs:'),
        );
        expect(logs).toEqual([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: {
              'Fn::GetAtt': [
                sourceStack.getLogicalId(fnOf(name, source).logGroup.node.defaultChild as never),
                'Arn',
              ],
            },
          },
        ]);
      }
    });

    it('lets only the email function send email, as the From address, through its identity', () => {
      for (const [name, deployment] of EVERY_FUNCTION) {
        const ses = statementsIn(deployment, name).filter((statement) =>
          JSON.stringify(statement.Action).includes('ses:'),
        );
        if (name !== 'requestEmailToken') {
          expect(ses).toEqual([]);
          continue;
        }
        expect(ses).toHaveLength(1);
        expect(ses[0]).toMatchObject({
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Condition: { StringEquals: { 'ses:FromAddress': 'noreply@example.org' } },
        });
        expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/example.org');
        expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/noreply@example.org');
      }
    });

    it('uses the given SES identity and configuration set as the only resources', () => {
      const custom = synth({
        sesIdentityArn: 'arn:aws:ses:eu-west-1:123456789012:identity/example.org',
        sesConfigurationSet: 'matrix-events',
      });
      const ses = statementsOf('requestEmailToken', custom.template, custom.construct, custom.stack).find(
        (statement) => statement.Action === 'ses:SendEmail',
      );
      expect(ses?.Resource).toEqual([
        'arn:aws:ses:eu-west-1:123456789012:identity/example.org',
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ses:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':configuration-set/matrix-events',
            ],
          ],
        },
      ]);
    });

    it('lets only the SMS function publish, and only to phone numbers, never a topic', () => {
      for (const [name, deployment] of EVERY_FUNCTION) {
        const sns = statementsIn(deployment, name).filter((statement) =>
          JSON.stringify(statement.Action).includes('sns:'),
        );
        if (name !== 'requestMsisdnToken') {
          expect(sns).toEqual([]);
          continue;
        }
        expect(sns).toEqual([
          { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
          {
            Effect: 'Deny',
            Action: 'sns:Publish',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:*']] },
          },
        ]);
      }
    });

    it('lets every function but the fallback get the HMAC key, and do nothing else in Secrets Manager', () => {
      const secretRef = { Ref: logicalId(construct.tokenHmacSecret.node.defaultChild as object) };
      for (const name of deployed()) {
        const secrets = statementsOf(name).filter((statement) =>
          JSON.stringify(statement.Action).includes('secretsmanager:'),
        );
        expect(secrets).toEqual(
          bindingsOf(FUNCTIONS[name], 'secret').length > 0
            ? [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretRef }]
            : [],
        );
      }
    });

    it('lets only the functions that call Synapse read its secrets: the admin token, the module’s', () => {
      const { construct: source, stack: sourceStack } = withSynapse;
      const hmacRef = { Ref: sourceStack.getLogicalId(source.tokenHmacSecret.node.defaultChild as never) };
      const secretStatements = (name: FunctionName) =>
        statementsIn('with Synapse', name).filter((statement) =>
          JSON.stringify(statement.Action).includes('secretsmanager:'),
        );
      const readersOf = (arn: string) =>
        deployed(source)
          .filter((name) => JSON.stringify(secretStatements(name)).includes(arn))
          .sort();
      expect(readersOf(ADMIN_TOKEN_ARN)).toEqual([
        'accountPassword',
        'requestEmailToken',
        'requestMsisdnToken',
      ]);
      expect(readersOf(MODULE_SECRET_ARN)).toEqual(['emailLink', 'requestEmailToken', 'submitToken']);
      // CDK merges each function's grants into one statement; nothing but GetSecretValue.
      for (const name of deployed(source)) {
        const resources = [
          ...(readersOf(ADMIN_TOKEN_ARN).includes(name) ? [ADMIN_TOKEN_ARN] : []),
          ...(readersOf(MODULE_SECRET_ARN).includes(name) ? [MODULE_SECRET_ARN] : []),
          hmacRef,
        ];
        expect(secretStatements(name), name).toEqual([
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: resources.length === 1 ? resources[0] : expect.arrayContaining(resources),
          },
        ]);
      }
    });
  });

  describe('the HMAC secret', () => {
    it('is generated, 64 characters, when none is given', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
    });

    it('is the given one otherwise, and none is created', () => {
      const app = testApp();
      const existing = new Stack(app, 'Existing');
      const secret = Secret.fromSecretCompleteArn(
        existing,
        'Secret',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-hmac-AbCdEf',
      );
      new MatrixThreepidValidation(existing, 'Validation', { ...PROPS, tokenHmacSecret: secret });
      const existingTemplate = Template.fromStack(existing);
      existingTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
      existingTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            TOKEN_HMAC_SECRET_ARN:
              'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-hmac-AbCdEf',
          }),
        },
      });
    });

    it('is matched with any suffix when given by its ARN without one', () => {
      const app = testApp();
      const partial = new Stack(app, 'Partial');
      const secret = Secret.fromSecretPartialArn(
        partial,
        'Secret',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-hmac',
      );
      const given = new MatrixThreepidValidation(partial, 'Validation', {
        ...PROPS,
        tokenHmacSecret: secret,
      });
      const statements = statementsOf('submitToken', Template.fromStack(partial), given, partial);
      expect(statements.filter((statement) => statement.Action === 'secretsmanager:GetSecretValue')).toEqual([
        {
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matrix-3pid-hmac-??????',
        },
      ]);
    });
  });

  it('hard-codes no physical names, so it can be deployed twice in one account', () => {
    const named: Record<string, string> = {
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::DynamoDB::GlobalTable': 'TableName',
      'AWS::SecretsManager::Secret': 'Name',
    };
    for (const [type, property] of Object.entries(named)) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource.Properties[property]).toBeUndefined();
      }
    }
  });

  describe('props', () => {
    it.each([
      [
        'a public base URL that is not http(s)',
        { publicBaseUrl: 'ftp://matrix.example.org' },
        'publicBaseUrl must be an absolute http(s) URL',
      ],
      ['a From address that is not one', { emailFrom: 'nobody' }, 'emailFrom must be an address'],
      ['an empty server name', { serverName: '' }, 'serverName is required'],
      [
        'an email lifetime over a day',
        { emailTokenLifetime: Duration.days(2) },
        'emailTokenLifetime must be a whole number from 60 to 86400, in seconds',
      ],
      [
        'an SMS lifetime over an hour',
        { smsTokenLifetime: Duration.hours(2) },
        'smsTokenLifetime must be a whole number from 60 to 3600, in seconds',
      ],
      [
        'a host list with a URL in it',
        { nextLinkAllowedHosts: ['https://app.example.org'] },
        'nextLinkAllowedHosts must be host names',
      ],
      [
        'a homeserver origin with a path',
        { homeserver: { origin: 'https://synapse.example.org/_matrix' } },
        'homeserver.origin must be',
      ],
      ['an SES identity that is not one', { sesIdentityArn: 'example.org' }, 'sesIdentityArn must be'],
      ['a sender ID of digits only', { smsSenderId: '12345' }, 'smsSenderId must be'],
      ['a country libphonenumber does not know', { smsAllowedCountries: ['UK'] }, '(bad: UK)'],
      [
        'no SMS country choice',
        { smsAllowedCountries: undefined },
        'smsAllowedCountries is required: the countries whose phone numbers may be sent SMS codes',
      ],
      [
        'an unknown number type',
        { smsAllowedNumberTypes: ['CELL'] },
        'smsAllowedNumberTypes must be comma-separated number types',
      ],
      ['a price cap over 10 USD', { smsMaxPriceUsd: 12 }, 'smsMaxPriceUsd must be US dollars'],
      ['a price cap of nothing', { smsMaxPriceUsd: 0 }, 'smsMaxPriceUsd must be US dollars'],
      [
        'no reserved concurrency for SMS, which fails every request',
        { smsReservedConcurrency: 0 },
        'smsReservedConcurrency must not be 0: every SMS request would then fail with a 500, not a 429; to stop SMS, turn it off with the `cfg#switches` item',
      ],
      [
        'a reserved concurrency past any account',
        { smsReservedConcurrency: 5000 },
        'smsReservedConcurrency must be a whole number from 1 to 1000, or `none`',
      ],
      [
        'a route throttle that is not a whole number',
        { smsRequestTokenThrottle: { rateLimit: 0.5 } },
        'smsRequestTokenThrottle.rateLimit must be a whole number',
      ],
      [
        'a spend limit of nothing',
        { smsMonthlySpendLimitUsd: 0 },
        'smsMonthlySpendLimitUsd must be US dollars',
      ],
      ['an alarm address that is not one', { alarmEmail: 'ops' }, 'alarmEmail must be an email address'],
      [
        'a domain glob with a path',
        { emailDomainAllowlist: ['example.org/x'] },
        'emailDomainAllowlist must be',
      ],
    ])('refuses %s at synth, naming the prop', (_, overrides, message) => {
      expect(() => synth(overrides as Partial<MatrixThreepidValidationProps>)).toThrow(message);
    });

    it('reports every bad prop at once, in the vocabulary of props, never of environment variables', () => {
      let message = '';
      try {
        synth({ publicBaseUrl: 'matrix.example.org', emailFrom: 'nobody', logLevel: 'LOUD' as 'INFO' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(
        [
          'MatrixThreepidValidation: invalid props:',
          '  - publicBaseUrl must be an absolute http(s) URL without query, fragment or credentials',
          '  - logLevel must be one of DEBUG, INFO, WARN, ERROR, SILENT',
          '  - emailFrom must be an address, or Name <address>',
        ].join('\n'),
      );
      expect(message).not.toMatch(/[A-Z]+_[A-Z_]+/);
    });

    it('leaves values known only at deploy time to the functions’ own check at cold start', () => {
      const app = testApp();
      const parameterised = new Stack(app, 'Parameterised');
      const serverName = new CfnParameter(parameterised, 'ServerName').valueAsString;
      expect(
        () => new MatrixThreepidValidation(parameterised, 'Validation', { ...PROPS, serverName }),
      ).not.toThrow();
    });
  });
});
