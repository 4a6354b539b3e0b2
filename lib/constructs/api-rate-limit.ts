/**
 * Per-client rate limiting in front of the control API: a CloudFront distribution whose only origin is
 * the HTTP API (nothing cached, every method, all viewer headers but Host forwarded, so the bearer token
 * and bodies arrive as sent) with an AWS WAF web ACL holding one rate-based rule: a client address that
 * sends more than `requestsPerFiveMinutes` requests in any 5-minute window gets 429 at the edge until it
 * slows down, so one unauthenticated client can no longer use up the API stage's throttle for everyone.
 * A web ACL for CloudFront must live in us-east-1, so the stack refuses this construct elsewhere (the
 * config check names the keys). Cost: docs/deploy-aws.md.
 *
 * Must never: cache an API response (they are per-token), or log request headers (the Authorization
 * header is the API token; CloudFront standard logs do not include it).
 */
import { Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiRateLimitProps {
  /** `https://<id>.execute-api.<region>.amazonaws.com` of the HTTP API. */
  readonly apiUrl: string;
  /** Requests one client address may send in any 5-minute window (WAF's rate-based rule: 10 to 2,000,000,000). */
  readonly requestsPerFiveMinutes: number;
  /** Where CloudFront writes its standard logs. */
  readonly accessLogBucket: s3.IBucket;
}

export class ApiRateLimit extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ApiRateLimitProps) {
    super(scope, id);
    const limit = props.requestsPerFiveMinutes;
    if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000) {
      throw new Error(`ApiRateLimit: requestsPerFiveMinutes must be a whole number from 10 to 2000000000 (WAF's range), got ${limit}.`);
    }
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region) || region !== 'us-east-1') {
      throw new Error(`ApiRateLimit: a WAF web ACL for CloudFront must be created in us-east-1; this stack's region is ${Token.isUnresolved(region) ? 'not set' : region}.`);
    }
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Streamplane control API: per-client-address rate limit',
      defaultAction: { allow: {} },
      visibilityConfig: metric('StreamplaneApi'),
      customResponseBodies: {
        'rate-limited': {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, code: 'rate_limited', detail: 'This address sent too many requests; slow down and retry in a few minutes.' }),
        },
      },
      rules: [
        {
          name: 'per-client-rate-limit',
          priority: 0,
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate-limited', responseHeaders: [{ name: 'retry-after', value: '300' }] } } },
          visibilityConfig: metric('StreamplaneApiRateLimited'),
        },
      ],
    });
    // `https://<host>` → `<host>` (the API URL is a token until deploy: Fn::Select over Fn::Split).
    const apiDomain = Token.isUnresolved(props.apiUrl) ? Fn.select(2, Fn.split('/', props.apiUrl)) : new URL(props.apiUrl).host;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Streamplane control API behind a per-client rate limit',
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY, readTimeout: Duration.seconds(30) }),
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        compress: true,
      },
      webAclId: this.webAcl.attrArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogBucket,
      logFilePrefix: 'cloudfront-api/',
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Operators and their tools call the API from anywhere; geo restrictions can be added per deployment.' },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose viewer TLS policy CloudFront fixes; a custom domain certificate is the way to enforce TLSv1.2_2021.',
      },
    );
  }

  /** `https://<d123>.cloudfront.net` (no trailing slash): the API through the rate limit. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
