import type { Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { MatrixThreepidValidationProps } from '../../infra/three-pid-validation.js';

/** A WAFv2 web ACL of scope CLOUDFRONT, as its ARN reads. */
export const WEB_ACL_ARN =
  'arn:aws:wafv2:us-east-1:123456789012:global/webacl/matrix/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d';

/** An ACM certificate for matrix.example.org, imported by its ARN, in `region`. */
export function certificateIn(stack: Stack, region: string) {
  return Certificate.fromCertificateArn(stack, 'Cert', `arn:aws:acm:${region}:123456789012:certificate/abc`);
}

/** The CloudFront front door before a homeserver, on its own domain (certificate in us-east-1), with a web ACL. */
export function cloudFrontWithEveryOption(stack: Stack): Partial<MatrixThreepidValidationProps> {
  return {
    frontDoor: 'cloudfront',
    homeserver: { origin: 'https://synapse-origin.example.org' },
    customDomain: { domainName: 'matrix.example.org', certificate: certificateIn(stack, 'us-east-1') },
    cloudFront: { webAclArn: WEB_ACL_ARN },
  };
}
