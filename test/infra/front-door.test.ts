import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { ownedPaths } from '../../functions/http/routes.js';
import { CLOUDFRONT_BEHAVIOUR_QUOTA } from '../../infra/front-door.js';
import { FUNCTIONS, type FunctionName } from '../../infra/functions.js';
import {
  deploymentOf,
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
} from '../../infra/three-pid-validation.js';
import { testApp } from '../helpers/cdk.js';
import { certificateIn, cloudFrontWithEveryOption, WEB_ACL_ARN } from '../helpers/cloudfront.js';

const ADMIN_TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:synapse-admin-AbCdEf';
/** The managed policies' IDs, as CloudFront publishes them. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const BASE: MatrixThreepidValidationProps = {
  serverName: 'example.org',
  publicBaseUrl: 'https://matrix.example.org/',
  emailFrom: 'Example <noreply@example.org>',
  smsAllowedCountries: ['GB', 'US'],
};

/** The construct in a stack of its own; `withAdmin` gives the homeserver Synapse's admin token. */
function synth(
  overrides: Partial<MatrixThreepidValidationProps> = {},
  options: { readonly withAdmin?: boolean; readonly origin?: string | null } = {},
) {
  const stack = new Stack(testApp(), 'FrontDoor', { env: { account: '123456789012', region: 'eu-west-1' } });
  const adminTokenSecret = options.withAdmin
    ? Secret.fromSecretCompleteArn(stack, 'AdminToken', ADMIN_TOKEN_ARN)
    : undefined;
  const origin = options.origin === undefined ? 'https://synapse-origin.example.org' : options.origin;
  const props: MatrixThreepidValidationProps = {
    ...BASE,
    ...(origin === null ? {} : { homeserver: { origin, ...(adminTokenSecret ? { adminTokenSecret } : {}) } }),
    ...overrides,
  };
  const construct = new MatrixThreepidValidation(stack, 'Validation', props);
  return { stack, construct, props, template: Template.fromStack(stack) };
}

type Synth = ReturnType<typeof synth>;
const CLOUDFRONT = { frontDoor: 'cloudfront' } as const;
const distributionOf = ({ template }: Synth) => {
  const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
  if (!distribution) throw new Error('no distribution');
  return distribution.Properties.DistributionConfig;
};
interface Origin {
  Id: string;
  DomainName: unknown;
  CustomOriginConfig: Record<string, unknown>;
  OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
}
/** The API's origin (it has the execute-api name) and the homeserver's. */
const originsOf = (deployed: Synth) => {
  const origins = distributionOf(deployed).Origins as Origin[];
  const api = origins.find((origin) => JSON.stringify(origin.DomainName).includes('execute-api'));
  const homeserver = origins.find((origin) => origin !== api);
  return { api, homeserver };
};
const variablesOf = ({ template, stack, construct }: Synth, name: FunctionName) => {
  const fn = construct.functions[name];
  if (!fn) throw new Error(`no ${name} function`);
  return template.findResources('AWS::Lambda::Function')[stack.getLogicalId(fn.node.defaultChild as never)]
    ?.Properties.Environment.Variables as Record<string, unknown>;
};
const frontDoorWarnings = ({ stack }: Synth) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('front door'));

describe("MatrixThreepidValidation's front doors", () => {
  describe('CloudFront', () => {
    const synapse = synth(CLOUDFRONT, { withAdmin: true });

    it.each([
      ['with', true],
      ['without', false],
    ])('sends each path the service owns, %s the admin token, to the API, and every other path to the homeserver', (_, withAdmin) => {
      const deployed = withAdmin ? synapse : synth(CLOUDFRONT);
      const config = distributionOf(deployed);
      const { api, homeserver } = originsOf(deployed);
      expect(config.DefaultCacheBehavior.TargetOriginId).toBe(homeserver?.Id);
      const behaviours = config.CacheBehaviors as { PathPattern: string; TargetOriginId: string }[];
      expect(behaviours.map((behaviour) => behaviour.PathPattern)).toEqual(
        ownedPaths(deploymentOf(deployed.props)),
      );
      for (const behaviour of behaviours) expect(behaviour.TargetOriginId).toBe(api?.Id);
    });

    it('caches nothing, and passes every method, header but Host, cookie and query string on, over HTTPS', () => {
      const config = distributionOf(synapse);
      for (const behaviour of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
        expect(behaviour).toMatchObject({
          CachePolicyId: CACHING_DISABLED,
          OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
          ViewerProtocolPolicy: 'https-only',
          Compress: false,
        });
      }
      expect(config.HttpVersion).toBe('http2and3');
    });

    it('waits a minute on the homeserver, for /sync long-polls, on its own scheme and port', () => {
      expect(originsOf(synapse).homeserver).toMatchObject({
        DomainName: 'synapse-origin.example.org',
        CustomOriginConfig: {
          OriginProtocolPolicy: 'https-only',
          OriginSSLProtocols: ['TLSv1.2'],
          OriginReadTimeout: 60,
          OriginKeepaliveTimeout: 60,
        },
      });
      const slower = synth(
        { ...CLOUDFRONT, cloudFront: { originReadTimeout: Duration.seconds(120) } },
        { origin: 'http://synapse-origin.example.org:8008' },
      );
      expect(originsOf(slower).homeserver).toMatchObject({
        DomainName: 'synapse-origin.example.org',
        CustomOriginConfig: { OriginProtocolPolicy: 'http-only', HTTPPort: 8008, OriginReadTimeout: 120 },
      });
    });

    it('reaches the API on its execute-api name, sending the origin secret from Secrets Manager', () => {
      const { api } = originsOf(synapse);
      const secretId = synapse.stack.getLogicalId(synapse.construct.originSecret?.node.defaultChild as never);
      expect(JSON.stringify(api?.DomainName)).toContain('.execute-api.eu-west-1.');
      expect(api?.CustomOriginConfig).toMatchObject({
        OriginProtocolPolicy: 'https-only',
        OriginReadTimeout: 30,
      });
      expect(api?.OriginCustomHeaders).toEqual([
        {
          HeaderName: 'x-origin-verify',
          HeaderValue: {
            'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
          },
        },
      ]);
      synapse.template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Description: 'What CloudFront sends the Matrix 3PID validation API as X-Origin-Verify',
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      });
    });

    it('sends the version of the origin secret it is told to, to rotate it', () => {
      const version = '2f1a4c0e-9b8d-4e7f-a6b5-c4d3e2f1a0b9';
      const { api } = originsOf(synth({ ...CLOUDFRONT, cloudFront: { originSecretVersion: version } }));
      expect(JSON.stringify(api?.OriginCustomHeaders)).toContain(`:SecretString:::${version}}}`);
    });

    it('has every function that serves a route read the origin secret and clients from CloudFront', () => {
      const secretRef = {
        Ref: synapse.stack.getLogicalId(synapse.construct.originSecret?.node.defaultChild as never),
      };
      const names = (Object.keys(FUNCTIONS) as FunctionName[]).filter(
        (name) => synapse.construct.functions[name] !== undefined,
      );
      expect(names).toContain('fallback');
      for (const name of names.filter((candidate) => candidate !== 'fallback')) {
        expect(variablesOf(synapse, name)).toMatchObject({
          CLIENT_IP_SOURCE: 'cloudfront',
          CLOUDFRONT_ORIGIN_SECRET_ARN: secretRef,
        });
      }
      expect(variablesOf(synapse, 'fallback')).toEqual({
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('leaves the API nothing to proxy: anything but the owned paths is a 404 there', () => {
      synapse.template.resourcePropertiesCountIs(
        'AWS::ApiGatewayV2::Integration',
        { IntegrationType: 'HTTP_PROXY' },
        0,
      );
      const fallbackId = synapse.stack.getLogicalId(
        synapse.construct.functions.fallback?.node.defaultChild as never,
      );
      const routes = Object.values(synapse.template.findResources('AWS::ApiGatewayV2::Route'));
      const fallbackRoute = routes.find((route) => route.Properties.RouteKey === '$default');
      const integrationId = fallbackRoute?.Properties.Target['Fn::Join'][1][1].Ref;
      expect(
        synapse.template.findResources('AWS::ApiGatewayV2::Integration')[integrationId]?.Properties
          .IntegrationUri['Fn::GetAtt'][0],
      ).toBe(fallbackId);
    });

    it('puts the custom domain, with TLS 1.2 at least, and the web ACL on the distribution, not on the API', () => {
      const stack = new Stack(testApp(), 'Domain');
      new MatrixThreepidValidation(stack, 'Validation', { ...BASE, ...cloudFrontWithEveryOption(stack) });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Aliases: ['matrix.example.org'],
          ViewerCertificate: {
            AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
            MinimumProtocolVersion: 'TLSv1.2_2021',
            SslSupportMethod: 'sni-only',
          },
          WebACLId: WEB_ACL_ARN,
        }),
      });
      template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    });

    it('uses a given origin secret, and creates none', () => {
      const stack = new Stack(testApp(), 'Given');
      const originSecret = Secret.fromSecretCompleteArn(
        stack,
        'Origin',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbCdEf',
      );
      const tokenHmacSecret = Secret.fromSecretCompleteArn(
        stack,
        'Hmac',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hmac-AbCdEf',
      );
      new MatrixThreepidValidation(stack, 'Validation', {
        ...BASE,
        ...CLOUDFRONT,
        tokenHmacSecret,
        homeserver: { origin: 'https://synapse-origin.example.org' },
        cloudFront: { originSecret },
      });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      expect(JSON.stringify(template.toJSON())).toContain(
        '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-AbCdEf:SecretString:::}}',
      );
    });

    it('sends everything to the API without a homeserver', () => {
      const alone = synth(CLOUDFRONT, { origin: null });
      const config = distributionOf(alone);
      expect(config.CacheBehaviors).toBeUndefined();
      expect(config.DefaultCacheBehavior.TargetOriginId).toBe(originsOf(alone).api?.Id);
    });

    it(`needs at most ${CLOUDFRONT_BEHAVIOUR_QUOTA} cache behaviours, CloudFront's default quota, even serving email registration`, () => {
      expect(ownedPaths({ homeserver: true, admin: true, emailImport: true }).length + 1).toBeLessThanOrEqual(
        CLOUDFRONT_BEHAVIOUR_QUOTA,
      );
      expect(
        Annotations.fromStack(synapse.stack).findWarning('*', Match.stringLikeRegexp('cache behaviours')),
      ).toEqual([]);
    });
  });

  describe('API Gateway alone', () => {
    it('warns at synth that a homeserver behind it meets its 10 MB and 30 s limits', () => {
      const [warning] = frontDoorWarnings(synth());
      expect(warning?.entry.data).toMatch(/10 MB bodies \(media uploads fail\) and a 30 s timeout/);
      expect(frontDoorWarnings(synth({}, { origin: null }))).toEqual([]);
      expect(frontDoorWarnings(synth(CLOUDFRONT))).toEqual([]);
    });
  });

  describe('a reverse proxy of your own', () => {
    const proxied = synth({ frontDoor: 'reverse-proxy' }, { withAdmin: true });

    it('proxies nothing to the homeserver, which the proxy reaches itself, and does not warn', () => {
      proxied.template.resourcePropertiesCountIs(
        'AWS::ApiGatewayV2::Integration',
        { IntegrationType: 'HTTP_PROXY' },
        0,
      );
      proxied.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
      expect(proxied.construct.functions.fallback).toBeDefined();
      expect(frontDoorWarnings(proxied)).toEqual([]);
    });

    it('still hands a logged-in password change to the homeserver, from the function', () => {
      expect(variablesOf(proxied, 'accountPassword')).toMatchObject({
        HOMESERVER_URL: 'https://synapse-origin.example.org',
        CLIENT_IP_SOURCE: 'direct',
      });
    });
  });

  describe('props', () => {
    it.each([
      [
        'a client IP from CloudFront without the CloudFront front door',
        { clientIpSource: 'cloudfront' },
        "clientIpSource 'cloudfront' needs frontDoor 'cloudfront'",
      ],
      [
        'a client IP from a proxy behind CloudFront',
        { ...CLOUDFRONT, clientIpSource: 'proxy', trustedProxyCidrs: ['10.0.0.0/8'] },
        "clientIpSource must be 'cloudfront' (or unset) with frontDoor 'cloudfront', not 'proxy'",
      ],
      [
        'a web ACL without CloudFront',
        { cloudFront: { webAclArn: WEB_ACL_ARN } },
        "cloudFront.webAclArn needs frontDoor 'cloudfront'",
      ],
      [
        'a web ACL that is not a CloudFront one',
        {
          ...CLOUDFRONT,
          cloudFront: {
            webAclArn: WEB_ACL_ARN.replace(
              'us-east-1:123456789012:global',
              'eu-west-1:123456789012:regional',
            ),
          },
        },
        'cloudFront.webAclArn must be the ARN of a WAFv2 web ACL of scope CLOUDFRONT',
      ],
      [
        'a homeserver read timeout past any quota',
        { ...CLOUDFRONT, cloudFront: { originReadTimeout: Duration.minutes(5) } },
        'cloudFront.originReadTimeout must be a whole number from 1 to 180, in seconds',
      ],
      [
        'an unknown front door',
        { frontDoor: 'nginx' },
        'frontDoor must be one of api-gateway, cloudfront, reverse-proxy',
      ],
    ])('refuses %s at synth, naming the prop', (_, overrides, message) => {
      expect(() => synth(overrides as Partial<MatrixThreepidValidationProps>)).toThrow(message);
    });

    it('refuses a homeserver CloudFront cannot reach by name', () => {
      expect(() => synth(CLOUDFRONT, { origin: 'http://10.0.0.5:8008' })).toThrow(
        'homeserver.origin must be a public host name for CloudFront, not 10.0.0.5',
      );
    });

    it('refuses a certificate outside us-east-1 for CloudFront', () => {
      const stack = new Stack(testApp(), 'WrongRegion');
      expect(
        () =>
          new MatrixThreepidValidation(stack, 'Validation', {
            ...BASE,
            ...CLOUDFRONT,
            customDomain: {
              domainName: 'matrix.example.org',
              certificate: certificateIn(stack, 'eu-west-1'),
            },
          }),
      ).toThrow('customDomain.certificate must be in us-east-1 for CloudFront, not eu-west-1');
    });
  });
});
