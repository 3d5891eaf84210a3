/**
 * The CloudFront front door: one distribution on the homeserver's domain, whose behaviours send
 * the paths the service owns (functions/http/routes.ts: ownedPaths) to the HTTP API and everything
 * else straight to the homeserver, so media uploads and `/sync` long-polls never meet API
 * Gateway's 10 MB and 30 s limits. Nothing is cached; every method, header (Host excepted),
 * cookie and query string is passed on. CloudFront adds the origin secret to what it sends the
 * API, and the functions refuse a request without it (functions/http/front-door.ts).
 */
import { Annotations, Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '../functions/http/client-ip.js';
import type { CustomDomainProps } from './three-pid-validation.js';

/** CloudFront's default quota of cache behaviours per distribution (adjustable on request). */
export const CLOUDFRONT_BEHAVIOUR_QUOTA = 25;
/**
 * How long CloudFront keeps an idle connection to the homeserver: a minute, the most every account
 * allows without a quota increase, so long-polls that follow each other reuse their connection.
 */
export const HOMESERVER_KEEPALIVE = Duration.seconds(60);
/** API Gateway's own integration timeout is 30 s, and the functions answer within 10. */
const API_READ_TIMEOUT = Duration.seconds(30);

export interface CloudFrontFrontDoorProps {
  /** The API the owned paths go to, on its execute-api endpoint. */
  readonly httpApi: IHttpApi;
  /** The paths the service owns: a behaviour each. */
  readonly paths: readonly string[];
  /** Where every other path goes; none: to the API as well, which answers them 404. */
  readonly homeserverOrigin?: string;
  /** How long CloudFront waits on the homeserver's answer (a `/sync` long-poll). */
  readonly homeserverReadTimeout: Duration;
  /** What CloudFront sends the API as `X-Origin-Verify`. */
  readonly originSecret: ISecret;
  /** The version of the origin secret to send; none: the current one, when deployed. */
  readonly originSecretVersion?: string;
  /** The homeserver's domain, with its certificate (in us-east-1). */
  readonly customDomain?: CustomDomainProps;
  /** A WAFv2 web ACL of scope CLOUDFRONT. */
  readonly webAclArn?: string;
}

export class CloudFrontFrontDoor extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: CloudFrontFrontDoorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const secret = props.originSecretVersion
      ? SecretValue.secretsManager(props.originSecret.secretArn, { versionId: props.originSecretVersion })
      : props.originSecret.secretValue;
    const api = new HttpOrigin(`${props.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      readTimeout: API_READ_TIMEOUT,
      // Resolved by CloudFormation at deploy time; the template holds only the reference.
      customHeaders: { [ORIGIN_VERIFY_HEADER]: secret.unsafeUnwrap() },
    });
    const homeserver = props.homeserverOrigin
      ? homeserverOrigin(props.homeserverOrigin, props.homeserverReadTimeout)
      : undefined;

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Matrix homeserver, with its 3PID validation paths served by matrix-3pid-serverless',
      defaultBehavior: passThrough(homeserver ?? api),
      additionalBehaviors: homeserver
        ? Object.fromEntries(props.paths.map((path) => [path, passThrough(api)]))
        : {},
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(props.customDomain
        ? { domainNames: [props.customDomain.domainName], certificate: props.customDomain.certificate }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
    });

    if (homeserver && props.paths.length > CLOUDFRONT_BEHAVIOUR_QUOTA - 1) {
      Annotations.of(this).addWarningV2(
        'matrix-3pid:cloudFrontBehaviours',
        `The distribution needs ${props.paths.length + 1} cache behaviours, over CloudFront's default quota of ${CLOUDFRONT_BEHAVIOUR_QUOTA}: ask for an increase before deploying.`,
      );
    }
    this.acknowledge(props);
  }

  /** cdk-nag's CloudFront rules that do not fit a homeserver's front door, each with its reason. */
  private acknowledge(props: CloudFrontFrontDoorProps): void {
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      "A homeserver serves people wherever they are; the SMS policy limits the countries that cost money, by the number's country, not the client's.",
    );
    acknowledge(
      'AwsSolutions-CFR3',
      "CloudFront's access logs would keep the query strings of emailed links, which carry validation tokens; the HTTP API logs every request the service serves, without them, and the homeserver logs its own.",
    );
    if (!props.customDomain) {
      acknowledge(
        'AwsSolutions-CFR4',
        "Without a custom domain the distribution answers on CloudFront's default certificate, whose TLS policy CloudFront sets; give customDomain (certificate in us-east-1) for TLSv1.2_2021.",
      );
    }
    if (!props.webAclArn) {
      acknowledge(
        'AwsSolutions-CFR2',
        "WAF is the operator's choice (webAclArn); the service's own paths are throttled by the API and rate-limited by the functions, and the homeserver applies its own limits.",
      );
    }
  }
}

/** No caching; every method, header but Host, cookie and query string passed on; HTTPS only. */
function passThrough(origin: HttpOrigin): BehaviorOptions {
  return {
    origin,
    allowedMethods: AllowedMethods.ALLOW_ALL,
    cachePolicy: CachePolicy.CACHING_DISABLED,
    originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
    compress: false,
  };
}

/** The homeserver as an origin, on its scheme and port, with the long-poll's timeouts. */
function homeserverOrigin(origin: string, readTimeout: Duration): HttpOrigin {
  const url = new URL(origin);
  const tls = url.protocol === 'https:';
  const port = url.port === '' ? {} : tls ? { httpsPort: Number(url.port) } : { httpPort: Number(url.port) };
  return new HttpOrigin(url.hostname, {
    protocolPolicy: tls ? OriginProtocolPolicy.HTTPS_ONLY : OriginProtocolPolicy.HTTP_ONLY,
    ...(tls ? { originSslProtocols: [OriginSslPolicy.TLS_V1_2] } : {}),
    ...port,
    readTimeout,
    keepaliveTimeout: HOMESERVER_KEEPALIVE,
  });
}
