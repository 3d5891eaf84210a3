import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Annotations,
  Arn,
  ArnFormat,
  Aws,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  MappingValue,
  ParameterMapping,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ViaServicePrincipal } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../functions/adapters/dynamodb/table.js';
import type { LogLevel } from '../functions/config.js';
import type { Medium } from '../functions/core/model.js';
import type { RateLimitOverrides } from '../functions/core/rate-limits.js';
import type { NumberType } from '../functions/core/sms-policy.js';
import {
  type Deployment,
  ownedPaths,
  type RouteAuth,
  routeKeyOf,
  routesServed,
} from '../functions/http/routes.js';
import {
  type ClientIpSourceKind,
  type DecoyNoticeKind,
  type FrontDoorKind,
  SERVICE_SETTINGS,
  SETTINGS,
  type Setting,
  SettingsError,
} from '../functions/settings.js';
import { checkedPresentation } from '../functions/templates/checks.js';
import { DEFAULTS_DIR } from '../functions/templates/presentation.js';
import {
  type AlarmThresholds,
  alarmThresholdProblems,
  DEFAULT_SES_BOUNCE_RATE_ABOVE,
  DEFAULT_SES_COMPLAINT_RATE_ABOVE,
  ThreepidAlarms,
} from './alarms.js';
import { BUNDLE } from './bundling.js';
import { ThreepidDashboard } from './dashboard.js';
import { CloudFrontFrontDoor } from './front-door.js';
import {
  type Binding,
  bindingsOf,
  FUNCTIONS,
  type FunctionName,
  type FunctionSpec,
  functionOf,
  KEY_PREFIXES,
  type TableBinding,
} from './functions.js';
import { functionEnvironment, propProblems } from './settings.js';

/** The repository, or `dist/` of the installed package, whose entries are compiled to `.js`. */
const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPILED = import.meta.url.endsWith('.js');
/** A function's entry file: the TypeScript source here, its JavaScript in the installed package. */
const entryOf = (spec: FunctionSpec) =>
  join(REPOSITORY_ROOT, COMPILED ? spec.entry.replace(/\.ts$/, '.js') : spec.entry);
/**
 * Where esbuild runs, and the lock file it goes by. In this repository: here. Installed in another
 * app: that app's, which NodejsFunction finds from the working directory (its root, holding both
 * the lock file and node_modules/, with this package's entries and dependencies inside).
 */
const PROJECT = COMPILED
  ? {}
  : { projectRoot: REPOSITORY_ROOT, depsLockFilePath: join(REPOSITORY_ROOT, 'package-lock.json') };

export interface CustomDomainProps {
  /** The host name clients use, e.g. `matrix.example.org`. */
  readonly domainName: string;
  /**
   * An ACM certificate for that name: in the stack's region on the API, in us-east-1 on the
   * CloudFront front door.
   */
  readonly certificate: ICertificate;
}

/** The CloudFront front door's options (`frontDoor: 'cloudfront'`). */
export interface CloudFrontProps {
  /**
   * ARN of a WAFv2 web ACL of scope CLOUDFRONT (created in us-east-1), for the whole domain: WAF
   * cannot attach to an HTTP API, but can to the distribution.
   * @default none
   */
  readonly webAclArn?: string;
  /**
   * How long CloudFront waits on the homeserver's answer: a `/sync` long-poll holds it for the
   * client's timeout (Element asks 30 s). Past 60 s, CloudFront's origin response timeout quota
   * must be raised first (up to 180 s), or the deploy fails.
   * @default Duration.seconds(60)
   */
  readonly originReadTimeout?: Duration;
  /**
   * A secret holding what CloudFront sends the API as `X-Origin-Verify` (at least 32 characters).
   * @default a new secret with a generated 64-character value
   */
  readonly originSecret?: ISecret;
  /**
   * The version of `originSecret` CloudFront sends. CloudFormation reads a secret only when the
   * distribution changes, so a rotation names the new version (see the README's "Operating it").
   * @default the current version, when the distribution is deployed
   */
  readonly originSecretVersion?: string;
}

export interface HomeserverProps {
  /** Its origin, e.g. `https://synapse.internal.example.org`. */
  readonly origin: string;
  /**
   * A secret holding an access token of a Synapse server admin. With it, the service asks Synapse
   * which account an address belongs to (`M_THREEPID_IN_USE`, `M_THREEPID_NOT_FOUND`), and serves
   * the unauthenticated password reset, by email and by SMS, through the admin API.
   * @default none: no address is bound, and the password reset stays with the homeserver
   */
  readonly adminTokenSecret?: ISecret;
  /**
   * Where the admin API is, when not at the origin (a private address, say).
   * @default the origin
   */
  readonly adminUrl?: string;
  /**
   * A secret holding the secret shared with the Synapse module (synapse-module/). With it, the
   * service copies every email session into Synapse, whose unchanged checkers then accept it, and
   * email registration is served here too.
   * @default none: email registration stays with the homeserver
   */
  readonly moduleSecret?: ISecret;
  /**
   * Where the module's resource is, when not below the origin.
   * @default the origin + `/_synapse/client/matrix_3pid/session`
   */
  readonly moduleUrl?: string;
}

export interface MatrixThreepidValidationProps {
  /** The homeserver's server name, shown to users in messages, e.g. `example.org`. */
  readonly serverName: string;
  /**
   * Public base URL of this API as clients reach it, e.g. `https://matrix.example.org/`. Emailed
   * links and `submit_url` start with it.
   */
  readonly publicBaseUrl: string;
  /** From address of validation emails, `noreply@example.org` or `Example <noreply@example.org>`. */
  readonly emailFrom: string;
  /**
   * ISO 3166-1 alpha-2 codes of the countries whose phone numbers may be sent SMS codes, judged on
   * the number itself (`+447911…` is GG, not GB); `[]` sends no SMS, `'*'` sends to every country.
   * Every other number gets 403 M_THREEPID_DENIED before anything is stored or sent. There is no
   * default: SMS pumping makes this a choice, e.g. `['GB', 'US']`.
   */
  readonly smsAllowedCountries: '*' | readonly string[];
  /**
   * Kinds of number that may be sent SMS codes, as libphonenumber names them.
   * @default ['MOBILE', 'FIXED_LINE_OR_MOBILE']
   */
  readonly smsAllowedNumberTypes?: readonly NumberType[];
  /**
   * The most SNS may charge for one SMS, in US dollars (more than 0, at most 10), sent as
   * `AWS.SNS.SMS.MaxPrice` on every publish: your dearest allowed country's price plus about 20%.
   * @default 0.5
   */
  readonly smsMaxPriceUsd?: number;
  /**
   * Email domains that may be validated, as globs (`*` matches any run of characters, dots
   * included), e.g. `['example.org', '*.example.org']`.
   * @default [] every domain
   */
  readonly emailDomainAllowlist?: readonly string[];
  /**
   * Email domains that may not be validated, as globs; they win over the allow-list.
   * @default [] none
   */
  readonly emailDomainDenylist?: readonly string[];
  /**
   * ARN of the verified SES identity the email function sends as; its send permission is limited
   * to this identity and to the From address.
   * @default the domain identity and the address identity of `emailFrom`, in this account and region
   */
  readonly sesIdentityArn?: string;
  /**
   * Name of an existing SES configuration set to send every email with, instead of the one the
   * construct makes.
   * @default a configuration set made here, with reputation metrics, and SES's suppression of
   * addresses that bounced or complained (they are not mailed again)
   */
  readonly sesConfigurationSet?: string;
  /**
   * Alphanumeric SMS sender ID, where destination countries support one.
   * @default none: the carrier's default sender
   */
  readonly smsSenderId?: string;
  /**
   * Origination number (E.164) registered for SMS, where destination countries require one.
   * @default none
   */
  readonly smsOriginationNumber?: string;
  /**
   * Host names `next_link` may point to.
   * @default [] any http(s) host
   */
  readonly nextLinkAllowedHosts?: readonly string[];
  /**
   * How long an emailed link works (1 minute to 24 hours).
   * @default Duration.hours(1)
   */
  readonly emailTokenLifetime?: Duration;
  /**
   * How long an SMS code works (1 to 60 minutes).
   * @default Duration.minutes(10)
   */
  readonly smsTokenLifetime?: Duration;
  /**
   * The homeserver behind the service. Every path this API does not serve is proxied to its origin
   * with path and query intact, so the API can front the whole `/_matrix` tree.
   * @default none: other paths answer 404 M_UNRECOGNIZED
   */
  readonly homeserver?: HomeserverProps;
  /**
   * The shortest new password a password reset accepts (Synapse's admin API checks none).
   * @default 10
   */
  readonly passwordMinLength?: number;
  /**
   * What clients reach the homeserver's domain through (see the README's "Choosing a front door"):
   * - `'api-gateway'`: the HTTP API, its `$default` route proxying every other path to the
   *   homeserver. Simple, but every homeserver request meets API Gateway's 10 MB payload and 30 s
   *   timeout (media uploads, `/sync` long-polls) and its price: synth warns when a homeserver is set.
   * - `'cloudfront'`: a distribution sending the service's paths to the API and everything else
   *   straight to the homeserver; the API serves only requests that carry CloudFront's origin
   *   secret, and reads clients' addresses from CloudFront. Recommended with a homeserver.
   * - `'reverse-proxy'`: your own proxy sends the API only the service's paths (`npm run routes`);
   *   the API proxies nothing to the homeserver.
   * @default 'api-gateway'
   */
  readonly frontDoor?: FrontDoorKind;
  /**
   * The CloudFront front door's options; only with `frontDoor: 'cloudfront'`.
   * @default the defaults of CloudFrontProps
   */
  readonly cloudFront?: CloudFrontProps;
  /**
   * A custom domain: on the API, or with `frontDoor: 'cloudfront'` on the distribution (its
   * certificate then in us-east-1).
   * @default none: clients use the execute-api (or cloudfront.net) URL
   */
  readonly customDomain?: CustomDomainProps;
  /**
   * A secret holding the token HMAC key (a string of at least 32 characters).
   * @default a new secret with a generated 64-character key
   */
  readonly tokenHmacSecret?: ISecret;
  /**
   * Where the functions read a client's IP, which abuse limits key on: `direct` is API Gateway's
   * source IP; `proxy` is the rightmost `X-Forwarded-For` hop outside `trustedProxyCidrs`, for a
   * reverse proxy in front; `cloudfront` is CloudFront's viewer address, which `frontDoor:
   * 'cloudfront'` sets (and which needs it: the origin secret comes with the distribution).
   * @default 'direct', or 'cloudfront' with the CloudFront front door
   */
  readonly clientIpSource?: ClientIpSourceKind;
  /**
   * CIDRs of the reverse proxies in front of the API, whose `X-Forwarded-For` is believed; required
   * with `clientIpSource: 'proxy'`.
   * @default none
   */
  readonly trustedProxyCidrs?: readonly string[];
  /**
   * Stage throttling, for all routes together.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Throttling of each msisdn requestToken route, within the stage's: every SMS costs money. Each
   * of the six routes (register, password reset and add, under r0 and v3) has its own bucket. A
   * missing field takes its default.
   * @default { rateLimit: 2, burstLimit: 10 }
   */
  readonly smsRequestTokenThrottle?: ThrottleSettings;
  /**
   * Throttling of each email requestToken route, within the stage's. A missing field takes its
   * default.
   * @default { rateLimit: 5, burstLimit: 20 }
   */
  readonly emailRequestTokenThrottle?: ThrottleSettings;
  /**
   * Concurrent executions reserved for the SMS function (`requestMsisdnToken`), which are also the
   * most it may run: with the uniform answers' floor, a flood holds each execution for at least
   * `responseFloorMs`. Requests past it are refused by Lambda, which clients see as a 500, not a
   * 429: keep it at least one SMS route's burst limit. `'none'` reserves nothing: Lambda must leave
   * 100 executions (10 on a new account) unreserved, so an account whose concurrency quota is that
   * low cannot reserve any. 0 is refused: every SMS request would fail with a 500. To stop SMS,
   * use the kill switch.
   * @default 10
   */
  readonly smsReservedConcurrency?: number | 'none';
  /**
   * The account's SNS SMS `MonthlySpendLimit`, in US dollars: the SMS spend alarms go off at
   * fractions of it (`alarmThresholds.smsSpendFractions`). CloudFormation cannot set it; set it
   * to the same value with `aws sns set-sms-attributes --attributes MonthlySpendLimit=…`.
   * @default 50
   */
  readonly smsMonthlySpendLimitUsd?: number;
  /**
   * An email address subscribed to the alarm topic (`alarmTopic`); SNS asks it to confirm.
   * @default none: subscribe to the topic yourself
   */
  readonly alarmEmail?: string;
  /**
   * Alarm thresholds; each has its default (see AlarmThresholds).
   * @default the defaults
   */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * CloudWatch namespace of the metrics the functions publish (TokenSent, SessionValidated,
   * TokenIncorrect, SessionLocked, DeliveryFailed, RateLimited, PolicyRefused,
   * DecoySessionAnswered, ResponseFloorExceeded; see docs/runbook.md).
   * @default `Matrix3pid/` and the construct's path, e.g. `Matrix3pid/MatrixThreepid/Validation`
   */
  readonly metricNamespace?: string;
  /**
   * Retention of the function logs and the access log.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the sessions table (and the generated secret) when the stack goes away.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Overrides of the default rate limits (see the README's "Protecting your SMS bill"), for
   * example `{ smsCountries: { US: { hour: 50, day: 300 } } }`. Every limit cannot be turned off
   * on AWS.
   * @default the defaults: per client 10 an hour, per address 3, per SMS country 20, 100 SMS a day
   */
  readonly rateLimits?: RateLimitOverrides;
  /**
   * Answer requestToken the same whether or not the address has an account: a decoy session
   * instead of `M_THREEPID_IN_USE` / `M_THREEPID_NOT_FOUND`, and no success sooner than
   * `responseFloorMs`.
   * @default false, the spec's answers, as Synapse gives them
   */
  readonly requestTokenInhibit3pidErrors?: boolean;
  /**
   * With uniform answers on, the least time a successful requestToken takes, in milliseconds.
   * @default 500
   */
  readonly responseFloorMs?: number;
  /**
   * With uniform answers on, which decoys tell the address why no token came.
   * @default ['email-in-use']
   */
  readonly decoyNotices?: readonly DecoyNoticeKind[];
  /**
   * Level of the functions' structured logs.
   * @default 'INFO'
   */
  readonly logLevel?: Exclude<LogLevel, 'SILENT'>;
  /**
   * The language of mail, SMS and pages when a request's `Accept-Language` names none the service
   * has: `en`, `de`, `fr`, `es`, or a locale `templatesDir` adds.
   * @default 'en'
   */
  readonly defaultLocale?: string;
  /**
   * The name mail and pages are signed with, and the start of email subjects.
   * @default the server name
   */
  readonly brandName?: string;
  /**
   * Where people get help, shown in mail and on every page: an email address or an https URL.
   * @default none
   */
  readonly supportContact?: string;
  /**
   * A directory on the machine that synthesizes, holding templates and catalog entries that
   * replace the defaults by file name (the README's "Your words, your name"). It is checked at
   * synth, copied into the functions that render mail, SMS or pages, and read from there.
   * @default none: the defaults
   */
  readonly templatesDir?: string;
  /**
   * Memory of each function, in MB.
   * @default 256
   */
  readonly memorySize?: number;
}

/** The default throttle: ample for people validating addresses, low enough to blunt a flood. */
export const DEFAULT_THROTTLE: ThrottleSettings = {
  rateLimit: SETTINGS.throttleRateLimit.deploy.default,
  burstLimit: SETTINGS.throttleBurstLimit.deploy.default,
};

/**
 * The default throttle of each requestToken route, by medium: a person needs one or two requests.
 * Each route has a bucket of its own, and each medium has six routes (three purposes, under r0
 * and v3), so a flood spread over them gets up to six times this through, to be refused by the
 * rate limits before anything is sent.
 */
export const DEFAULT_REQUEST_TOKEN_THROTTLE: Readonly<Record<Medium, Required<ThrottleSettings>>> = {
  msisdn: {
    rateLimit: SETTINGS.smsRequestTokenRateLimit.deploy.default,
    burstLimit: SETTINGS.smsRequestTokenBurstLimit.deploy.default,
  },
  email: {
    rateLimit: SETTINGS.emailRequestTokenRateLimit.deploy.default,
    burstLimit: SETTINGS.emailRequestTokenBurstLimit.deploy.default,
  },
};

/**
 * Homeserver-side 3PID validation (email and phone) on AWS: an HTTP API whose routes are served
 * by one small function each, over a DynamoDB table, sending through SES and SNS. Every function
 * gets only the permissions its code uses.
 */
export class MatrixThreepidValidation extends Construct {
  /** Validation sessions. TTL cleans up; the code never trusts it for expiry. */
  readonly table: TableV2;
  /**
   * One function per handler; requestToken is split by medium. `fallback` exists only when no
   * homeserver origin is given, since the homeserver then answers every other path.
   */
  readonly functions: Readonly<
    Record<Exclude<FunctionName, 'fallback' | 'accountPassword'>, NodejsFunction>
  > & {
    readonly fallback?: NodejsFunction;
    /** Present with a homeserver admin token: the password reset, completed through the admin API. */
    readonly accountPassword?: NodejsFunction;
  };
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** The token HMAC key. */
  readonly tokenHmacSecret: ISecret;
  readonly accessLogGroup: LogGroup;
  /**
   * Present when `customDomain` was given and the API is the front door: point the DNS name at its
   * regional domain name.
   */
  readonly domainName: DomainName | undefined;
  /** With the CloudFront front door: point the homeserver's domain at its domain name. */
  readonly distribution: Distribution | undefined;
  /** With the CloudFront front door: what CloudFront sends the API as `X-Origin-Verify`. */
  readonly originSecret: ISecret | undefined;
  /** The metrics counted from the logs, and the alarms on abuse and spend. */
  readonly alarms: ThreepidAlarms;
  /** Every alarm notifies this topic (encrypted, SSL only); subscribe to it. */
  readonly alarmTopic: Topic;
  /** The CloudWatch namespace of the service's own metrics. */
  readonly metricNamespace: string;
  /** The operator's dashboard: sends, conversion, refusals, spend, latency, errors, the table. */
  readonly dashboard: Dashboard;
  /**
   * The SES configuration set emails are sent with, made here unless `sesConfigurationSet` names
   * one: reputation metrics, and bounced or complaining addresses never mailed again.
   */
  readonly sesConfigurationSet: ConfigurationSet | undefined;

  constructor(scope: Construct, id: string, props: MatrixThreepidValidationProps) {
    super(scope, id);
    checkProps(props);
    const frontDoor = props.frontDoor ?? SETTINGS.frontDoor.deploy.default;
    const namespace = props.metricNamespace ?? defaultNamespace(this);
    this.metricNamespace = namespace;
    // Every email goes out through a configuration set: the one named, or one made here.
    this.sesConfigurationSet = props.sesConfigurationSet
      ? undefined
      : new ConfigurationSet(this, 'EmailFeedback', {
          reputationMetrics: true,
          suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        });
    const sesConfigurationSet = props.sesConfigurationSet ?? this.sesConfigurationSet?.configurationSetName;
    const withDeployed: MatrixThreepidValidationProps = {
      ...props,
      ...(sesConfigurationSet ? { sesConfigurationSet } : {}),
      // Behind CloudFront the functions read clients' addresses from it, and check its secret.
      ...(frontDoor === 'cloudfront' ? { clientIpSource: 'cloudfront' as const } : {}),
    };
    const environment = runtimeEnvironment(withDeployed);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;

    this.table = new TableV2(this, 'Sessions', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    this.tokenHmacSecret =
      props.tokenHmacSecret ??
      new Secret(this, 'TokenHmacSecret', {
        description: 'HMAC key for Matrix 3PID validation tokens',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });
    if (!props.tokenHmacSecret) {
      Validations.of(this.tokenHmacSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the HMAC key voids every session in flight. Sessions live at most a day, so the key is rotated by hand (see the README) rather than on a schedule.',
      });
    }

    this.originSecret =
      frontDoor === 'cloudfront'
        ? (props.cloudFront?.originSecret ??
          new Secret(this, 'CloudFrontOriginSecret', {
            description: 'What CloudFront sends the Matrix 3PID validation API as X-Origin-Verify',
            generateSecretString: { passwordLength: 64, excludePunctuation: true },
            removalPolicy,
          }))
        : undefined;
    if (this.originSecret && !props.cloudFront?.originSecret) {
      Validations.of(this.originSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'CloudFront reads the secret only when the distribution is deployed, so it is rotated by hand with a deploy that names the new version (see the README), not by a rotation function.',
      });
    }

    // The API proxies to the homeserver only when it is the front door; otherwise CloudFront or the
    // operator's proxy sends the homeserver its own traffic, and anything else the API gets is a 404.
    const proxiesToHomeserver = frontDoor === 'api-gateway' ? props.homeserver : undefined;
    const functions: Partial<Record<FunctionName, NodejsFunction>> = {};
    for (const [name, spec] of Object.entries(FUNCTIONS) as [
      FunctionName,
      (typeof FUNCTIONS)[FunctionName],
    ][]) {
      if (name === 'fallback' && proxiesToHomeserver) continue;
      if (name === 'accountPassword' && !props.homeserver?.adminTokenSecret) continue;
      functions[name] = this.createFunction(
        name,
        spec,
        environment,
        withDeployed,
        logRetention,
        removalPolicy,
      );
    }
    this.functions = functions as MatrixThreepidValidation['functions'];
    const fallback = functions.fallback;

    this.accessLogGroup = new LogGroup(this, 'AccessLog', { retention: logRetention, removalPolicy });
    this.domainName =
      props.customDomain && frontDoor !== 'cloudfront'
        ? new DomainName(this, 'Domain', {
            domainName: props.customDomain.domainName,
            certificate: props.customDomain.certificate,
          })
        : undefined;
    this.httpApi = new HttpApi(this, 'Api', {
      apiName: Names.uniqueResourceName(this, { maxLength: 128 }),
      description: 'Matrix 3PID validation, in front of the homeserver',
      createDefaultStage: false,
      // The spec's recommended CORS headers. API Gateway answers preflights itself and adds these.
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.HEAD,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.DELETE,
          CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['X-Requested-With', 'Content-Type', 'Authorization'],
        exposeHeaders: ['Retry-After'],
        maxAge: Duration.days(1),
      },
      defaultIntegration: fallback
        ? new HttpLambdaIntegration('Fallback', fallback)
        : new HttpUrlIntegration('Homeserver', (proxiesToHomeserver?.origin ?? '').replace(/\/+$/, ''), {
            method: HttpMethod.ANY,
            // Keep the client's path; HTTP proxy integrations pass the query string through.
            parameterMapping: new ParameterMapping().overwritePath(MappingValue.requestPath()),
          }),
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
      ...(this.domainName ? { domainMapping: { domainName: this.domainName } } : {}),
    });
    const routeThrottles = requestTokenThrottles(props);
    const stage = this.stage.node.defaultChild as CfnStage;

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const deployment = deploymentOf(props);
    const served = routesServed(deployment);
    for (const route of served) {
      const name = functionOf(route);
      const target = this.functions[name];
      if (!target) throw new Error(`No function serves ${route.method} ${route.path}`);
      if (!integrations.has(name))
        integrations.set(name, new HttpLambdaIntegration(`${name}Integration`, target));
      const httpRoute = new HttpRoute(this, `Route ${route.method} ${route.path.replaceAll('/', ' ')}`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrations.get(name) as HttpLambdaIntegration,
      });
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: WITHOUT_AUTHORIZER[route.auth],
      });
      if (route.handler === 'requestToken' && route.medium !== undefined) {
        const throttle = routeThrottles[route.medium];
        stage.routeSettings = {
          ...stage.routeSettings,
          [routeKeyOf(route)]: {
            ThrottlingRateLimit: throttle.rateLimit,
            ThrottlingBurstLimit: throttle.burstLimit,
          },
        };
        // A stage's route settings may name only routes that already exist.
        this.stage.node.addDependency(httpRoute);
      }
    }
    this.distribution =
      frontDoor === 'cloudfront' && this.originSecret
        ? new CloudFrontFrontDoor(this, 'FrontDoor', {
            httpApi: this.httpApi,
            paths: ownedPaths(deployment),
            homeserverOrigin: props.homeserver?.origin,
            homeserverReadTimeout:
              props.cloudFront?.originReadTimeout ??
              Duration.seconds(SETTINGS.cloudFrontOriginReadTimeoutS.deploy.default),
            originSecret: this.originSecret,
            originSecretVersion: props.cloudFront?.originSecretVersion,
            customDomain: props.customDomain,
            webAclArn: props.cloudFront?.webAclArn,
          }).distribution
        : undefined;
    if (proxiesToHomeserver) {
      Annotations.of(this).addWarningV2(
        'matrix-3pid:frontDoor',
        "The HTTP API is the homeserver's front door: every homeserver request then pays API Gateway's price and meets its limits, which cannot be raised: 10 MB bodies (media uploads fail) and a 30 s timeout (/sync long-polls end in 503s). Use frontDoor: 'cloudfront' (-c frontDoor=cloudfront), or your own reverse proxy with frontDoor: 'reverse-proxy'; see \"Choosing a front door\" in the README.",
      );
    }

    const reserved = props.smsReservedConcurrency ?? SETTINGS.smsReservedConcurrency.deploy.default;
    if (typeof reserved === 'number' && reserved < routeThrottles.msisdn.burstLimit) {
      Annotations.of(this).addWarningV2(
        'matrix-3pid:smsReservedConcurrency',
        `smsReservedConcurrency (${reserved}) is below one SMS route's burst limit (${routeThrottles.msisdn.burstLimit}): a burst gets 500s from Lambda's throttling instead of 429s from API Gateway's.`,
      );
    }

    const smsMonthlySpendLimitUsd =
      props.smsMonthlySpendLimitUsd ?? SETTINGS.smsMonthlySpendLimitUsd.deploy.default;
    const watched = { namespace, functions, stage: this.stage, table: this.table, smsMonthlySpendLimitUsd };
    this.alarms = new ThreepidAlarms(this, 'Alarms', {
      ...watched,
      smsAllowedCountries: props.smsAllowedCountries,
      ...(props.rateLimits ? { rateLimits: props.rateLimits } : {}),
      ...(props.alarmThresholds ? { thresholds: props.alarmThresholds } : {}),
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });
    this.alarmTopic = this.alarms.topic;
    this.dashboard = new ThreepidDashboard(this, 'Operations', {
      ...watched,
      sesBounceRateAbove: props.alarmThresholds?.sesBounceRateAbove ?? DEFAULT_SES_BOUNCE_RATE_ABOVE,
      sesComplaintRateAbove: props.alarmThresholds?.sesComplaintRateAbove ?? DEFAULT_SES_COMPLAINT_RATE_ABOVE,
      alarms: Object.values(this.alarms.alarms),
    }).dashboard;
    // The $default route is the homeserver's own API (or the 404 fallback): the homeserver checks
    // its access tokens itself, and an API Gateway authorizer could not.
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The $default route proxies to the homeserver, which authenticates its own requests with Matrix access tokens; without a homeserver, or behind CloudFront or a reverse proxy, it only answers 404.',
    });
  }

  private createFunction(
    name: FunctionName,
    spec: (typeof FUNCTIONS)[FunctionName],
    environment: Record<string, string>,
    props: MatrixThreepidValidationProps,
    retention: RetentionDays,
    removalPolicy: RemovalPolicy,
  ): NodejsFunction {
    const logGroup = new LogGroup(this, `${name}Logs`, { retention, removalPolicy });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(this, `${name}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${name} function of Matrix 3PID validation`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, name, {
      entry: entryOf(spec),
      handler: 'handler',
      ...PROJECT,
      description: spec.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      // 256 MB: the bundle and SDK clients need well under 128 MB, but Lambda gives CPU in
      // proportion to memory, and the cold start (parsing the bundle, TLS to DynamoDB) is
      // markedly shorter at 256 MB for about the same cost per request.
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(name === 'requestMsisdnToken' ? smsConcurrency(props) : {}),
      role,
      logGroup,
      bundling: {
        ...(bindingsOf(spec, 'templates').length > 0
          ? { commandHooks: copyTemplates(props.templatesDir) }
          : {}),
        format: OutputFormat.ESM,
        target: BUNDLE.target,
        minify: BUNDLE.minify,
        sourceMap: BUNDLE.sourceMap,
        sourcesContent: false,
        banner: BUNDLE.banner,
        externalModules: [...BUNDLE.externalModules],
        mainFields: [...BUNDLE.mainFields],
      },
    });

    for (const binding of spec.bindings) this.applyBinding(binding, { fn, role, environment, props });
    return fn;
  }

  /**
   * Gives a function one thing it uses: the permission, and the variable its code finds it by.
   * Every kind of binding is applied here and nowhere else.
   */
  private applyBinding(binding: Binding, target: BindingTarget): void {
    const { fn, role, environment, props } = target;
    switch (binding.kind) {
      case 'configuration':
        for (const [name, value] of Object.entries(environment)) {
          if (CONFIGURATION_READ[binding.reads](name)) fn.addEnvironment(name, value);
        }
        return;
      case 'table': {
        const table = { sessions: this.table }[binding.table];
        fn.addToRolePolicy(tableItemsStatement(table.tableArn, binding));
        fn.addEnvironment(binding.env, table.tableName);
        return;
      }
      case 'secret': {
        const secret = {
          tokenHmac: this.tokenHmacSecret,
          synapseAdminToken: props.homeserver?.adminTokenSecret,
          synapseModuleSecret: props.homeserver?.moduleSecret,
          cloudfrontOrigin: this.originSecret,
        }[binding.secret];
        if (secret === undefined) return;
        // GetSecretValue alone: grantRead would add DescribeSecret, which the code never calls.
        fn.addToRolePolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['secretsmanager:GetSecretValue'],
            // As grantRead names it: an ARN without its random suffix matches any suffix.
            resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
          }),
        );
        secret.encryptionKey?.grantDecrypt(
          new ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, fn.grantPrincipal),
        );
        fn.addEnvironment(binding.env, secret.secretArn);
        return;
      }
      case 'sender':
        if (binding.sends === 'email') {
          fn.addToRolePolicy(sesSendStatement(props));
          return;
        }
        for (const statement of snsPublishToPhonesOnly()) fn.addToRolePolicy(statement);
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'SNS has no resource ARN for a phone number, so publishing SMS needs Resource "*"; a Deny on every topic and endpoint ARN keeps it to phone numbers.',
        });
        return;
      case 'templates':
        // The defaults are copied beside every bundle that renders (copyTemplates); overrides too.
        if (props.templatesDir !== undefined) fn.addEnvironment('TEMPLATES_DIR', BUNDLED_TEMPLATES_DIR);
        return;
      case 'metrics':
        fn.addEnvironment(binding.env, this.metricNamespace);
        return;
      default:
        throw new Error(`Unknown binding ${JSON.stringify(binding satisfies never)}`);
    }
  }
}

interface BindingTarget {
  readonly fn: NodejsFunction;
  readonly role: Role;
  /** The whole runtime environment; a `configuration` binding says how much of it the code reads. */
  readonly environment: Readonly<Record<string, string>>;
  readonly props: MatrixThreepidValidationProps;
}

/** What a function that reads only its log level gets: that, and Node's source-map switch. */
const LOG_SETTINGS: readonly string[] = ['LOG_LEVEL', 'NODE_OPTIONS'];
/** The variables of the settings every function reads (SERVICE_SETTINGS), and the runtime's own. */
const CORE_VARIABLES: ReadonlySet<string> = new Set([
  ...Object.values(SERVICE_SETTINGS as Readonly<Record<string, Setting>>).flatMap((setting) =>
    setting.env === undefined ? [] : [setting.env],
  ),
  'POWERTOOLS_SERVICE_NAME',
  'NODE_OPTIONS',
]);
/** Which variables of the runtime environment a `configuration` binding gives its function. */
const CONFIGURATION_READ: Readonly<Record<'all' | 'core' | 'logLevel', (name: string) => boolean>> = {
  all: () => true,
  core: (name) => CORE_VARIABLES.has(name),
  logLevel: (name) => LOG_SETTINGS.includes(name),
};

/**
 * Why a route of each auth kind has no API Gateway authorizer, as cdk-nag's APIG4 asks. It is
 * acknowledged on each route for that route's kind alone, so a route of a new kind cannot inherit
 * another kind's reason: the new kind gives its own here, or, if API Gateway should check it, an
 * authorizer instead.
 */
export const WITHOUT_AUTHORIZER: Readonly<Record<RouteAuth, string>> = {
  uia: 'The password reset is authenticated by user-interactive auth with a validated email or phone session, checked by the function; a request carrying an access token is handed to the homeserver, which checks it.',
  none: 'The Matrix spec makes this route unauthenticated: requestToken, submit_url, the emailed link and getValidated3pid take the sid and client_secret as their credentials.',
};

/** Access log fields. No query string: the emailed link carries the token and client_secret there. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    method: '$context.httpMethod',
    path: '$context.path',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    userAgent: '$context.identity.userAgent',
  }),
);

/** What the deployment has, which decides the routes it serves (and so the paths it owns). */
export function deploymentOf(props: MatrixThreepidValidationProps): Deployment {
  return {
    homeserver: props.homeserver !== undefined,
    admin: props.homeserver?.adminTokenSecret !== undefined,
    // The Synapse module imports email sessions: then email registration is served here too.
    emailImport: props.homeserver?.moduleSecret !== undefined,
  };
}

/** The environment every function reads at cold start: the settings table's, from the props. */
function runtimeEnvironment(props: MatrixThreepidValidationProps): Record<string, string> {
  return {
    ...functionEnvironment(props),
    POWERTOOLS_SERVICE_NAME: 'matrix-3pid',
    // The bundles ship source maps; this makes stack traces in the logs point at the TypeScript.
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/**
 * Fails at synth, with the checks the functions apply at cold start but naming the props, rather
 * than deploying functions that cannot start. Values that are tokens are left to deploy time.
 */
function checkProps(props: MatrixThreepidValidationProps): void {
  const problems = [
    ...propProblems(props),
    ...frontDoorProblems(props),
    ...alarmThresholdProblems(props.alarmThresholds),
    ...templateProblemsOf(props),
  ];
  if (problems.length > 0) throw new SettingsError('MatrixThreepidValidation: invalid props', problems);
}

/** What the front door needs of the other props, named by prop. */
function frontDoorProblems(props: MatrixThreepidValidationProps): string[] {
  const problems: string[] = [];
  const cloudFront = props.frontDoor === 'cloudfront';
  if (props.clientIpSource === 'cloudfront' && !cloudFront) {
    problems.push(
      "clientIpSource 'cloudfront' needs frontDoor 'cloudfront', whose distribution sends the origin secret the functions check",
    );
  }
  if (cloudFront && props.clientIpSource !== undefined && props.clientIpSource !== 'cloudfront') {
    problems.push(
      `clientIpSource must be 'cloudfront' (or unset) with frontDoor 'cloudfront', not '${props.clientIpSource}'`,
    );
  }
  if (!cloudFront) return problems;
  const origin = props.homeserver?.origin;
  const host = origin && URL.canParse(origin) ? new URL(origin).hostname : undefined;
  if (host !== undefined && (isIP(host.replace(/^\[|\]$/g, '')) !== 0 || !host.includes('.'))) {
    problems.push(`homeserver.origin must be a public host name for CloudFront, not ${host}`);
  }
  const certificateArn = props.customDomain?.certificate.certificateArn;
  const region =
    certificateArn === undefined || Token.isUnresolved(certificateArn)
      ? undefined
      : Arn.split(certificateArn, ArnFormat.SLASH_RESOURCE_NAME).region;
  if (region !== undefined && region !== 'us-east-1') {
    problems.push(`customDomain.certificate must be in us-east-1 for CloudFront, not ${region}`);
  }
  return problems;
}

/** The templates and catalogs the functions will load, checked as they check them at cold start. */
function templateProblemsOf(props: MatrixThreepidValidationProps): string[] {
  try {
    checkedPresentation({
      serverName: props.serverName,
      defaultLocale: props.defaultLocale ?? SERVICE_SETTINGS.defaultLocale.lambda.default,
      templatesDir: props.templatesDir,
    });
    return [];
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return error.problems.map((problem) =>
      problem.startsWith('DEFAULT_LOCALE')
        ? problem.replace('DEFAULT_LOCALE', 'defaultLocale')
        : `templatesDir: ${problem}`,
    );
  }
}

/** Where a function that renders finds the operator's templates, inside its bundle. */
const BUNDLED_TEMPLATES_DIR = '/var/task/templates';

/**
 * Copies the default templates and catalogs beside the bundle (`defaults/`, where the code looks
 * for them, relative to itself), and the operator's directory, if any, as `templates/`. Local
 * bundling runs these in a POSIX shell.
 */
function copyTemplates(templatesDir: string | undefined) {
  const quote = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      `cp -R ${quote(DEFAULTS_DIR)} ${quote(join(outputDir, 'defaults'))}`,
      ...(templatesDir === undefined
        ? []
        : [`cp -R ${quote(resolve(templatesDir))} ${quote(join(outputDir, 'templates'))}`]),
    ],
  };
}

/**
 * The binding's actions on the table, only on items whose partition key starts with the prefix
 * of its kind. `Null` keeps out a request that names no partition key (a Scan), which
 * `ForAllValues` alone would let through.
 */
export function tableItemsStatement(tableArn: string, binding: TableBinding): PolicyStatement {
  return new PolicyStatement({
    effect: Effect.ALLOW,
    actions: [...binding.actions],
    resources: [tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KEY_PREFIXES[binding.items]}*`] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    },
  });
}

/** Each requestToken route's throttle by medium: the props over the defaults, field by field. */
function requestTokenThrottles(
  props: MatrixThreepidValidationProps,
): Record<Medium, Required<ThrottleSettings>> {
  return {
    msisdn: { ...DEFAULT_REQUEST_TOKEN_THROTTLE.msisdn, ...definedFields(props.smsRequestTokenThrottle) },
    email: { ...DEFAULT_REQUEST_TOKEN_THROTTLE.email, ...definedFields(props.emailRequestTokenThrottle) },
  };
}

function definedFields<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}

/** The SMS function's reserved concurrency, unless the props reserve none. */
function smsConcurrency(props: MatrixThreepidValidationProps): { reservedConcurrentExecutions?: number } {
  const reserved = props.smsReservedConcurrency ?? SETTINGS.smsReservedConcurrency.deploy.default;
  return reserved === 'none' ? {} : { reservedConcurrentExecutions: reserved };
}

/** A namespace of its own for each construct, so two deployments in one account count apart. */
function defaultNamespace(scope: Construct): string {
  return `Matrix3pid/${scope.node.path}`.replace(/[^A-Za-z0-9.\-_/#:]/g, '-').slice(0, 255);
}

/** SES SendEmail, only as the From address, only through its identity (and configuration set). */
function sesSendStatement(props: MatrixThreepidValidationProps): PolicyStatement {
  const address = bareAddress(props.emailFrom);
  const identityArn = (identity: string) =>
    `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/${identity}`;
  const resources = props.sesIdentityArn
    ? [props.sesIdentityArn]
    : [identityArn(address.slice(address.lastIndexOf('@') + 1)), identityArn(address)];
  if (props.sesConfigurationSet) {
    resources.push(
      `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${props.sesConfigurationSet}`,
    );
  }
  return new PolicyStatement({
    effect: Effect.ALLOW,
    actions: ['ses:SendEmail'],
    resources,
    conditions: { StringEquals: { 'ses:FromAddress': address } },
  });
}

/** SNS Publish to phone numbers: allowed on "*" (phone numbers have no ARN), denied on every topic. */
function snsPublishToPhonesOnly(): PolicyStatement[] {
  return [
    new PolicyStatement({ effect: Effect.ALLOW, actions: ['sns:Publish'], resources: ['*'] }),
    new PolicyStatement({
      effect: Effect.DENY,
      actions: ['sns:Publish'],
      resources: [`arn:${Aws.PARTITION}:sns:*:*:*`],
    }),
  ];
}

function bareAddress(from: string): string {
  return (from.match(/<([^>]+)>/)?.[1] ?? from).trim();
}
