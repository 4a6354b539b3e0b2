/**
 * Per-client rate limiting in front of the control API: with `apiRateLimitPerFiveMinutes` (us-east-1)
 * the plane puts CloudFront with a WAF rate-based rule before the HTTP API, forwards everything the API
 * needs uncached, points the console and an output at it, and stays cdk-nag clean; elsewhere the synth
 * is refused naming the key.
 */
import { Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../lib/config';
import { synthApp } from './support';

const limited = synthApp({ account: '123456789012', region: 'us-east-1', apiRateLimitPerFiveMinutes: 2000 });
const template = Template.fromJSON(limited.template);
const id = (construct: { node: { defaultChild?: unknown } }) => limited.stack.getLogicalId(construct.node.defaultChild as never);

describe('API rate limit (CloudFront + WAF)', () => {
  it('passes cdk-nag AwsSolutions with the rate limit on', () => {
    assert.deepEqual(limited.violations, []);
  });

  it('blocks a client address over the limit in any 5 minutes with a 429 problem document', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Name: 'per-client-rate-limit',
          Priority: 0,
          Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
          Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate-limited', ResponseHeaders: [{ Name: 'retry-after', Value: '300' }] } } },
          VisibilityConfig: { CloudWatchMetricsEnabled: true, MetricName: 'StreamplaneApiRateLimited', SampledRequestsEnabled: true },
        },
      ],
    });
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
    const body = JSON.parse(acl?.Properties.CustomResponseBodies['rate-limited'].Content as string) as { status: number; code: string };
    assert.deepEqual([body.status, body.code], [429, 'rate_limited']);
  });

  it('fronts the API with a distribution that caches nothing, forwards every method and viewer header but Host, and uses the ACL', () => {
    const rateLimit = limited.stack.apiRateLimit;
    assert.ok(rateLimit);
    const distribution = template.toJSON().Resources[id(rateLimit.distribution)].Properties.DistributionConfig;
    assert.deepEqual(distribution.WebACLId, { 'Fn::GetAtt': [limited.stack.getLogicalId(rateLimit.webAcl), 'Arn'] });
    const behavior = distribution.DefaultCacheBehavior;
    assert.equal(behavior.CachePolicyId, '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', 'CachingDisabled');
    assert.equal(behavior.OriginRequestPolicyId, 'b689b0a8-53d0-40ab-baf2-68738e2966ac', 'AllViewerExceptHostHeader');
    assert.deepEqual(behavior.AllowedMethods, ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
    assert.equal(behavior.ViewerProtocolPolicy, 'https-only');
    assert.equal(distribution.Origins[0].CustomOriginConfig.OriginProtocolPolicy, 'https-only');
    assert.deepEqual(distribution.Origins[0].DomainName, { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [id(limited.stack.api.httpApi), 'ApiEndpoint'] }] }] });
    template.hasOutput('RateLimitedApiUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id(rateLimit.distribution), 'DomainName'] }]] } });
  });

  it('refuses the rate limit outside us-east-1, naming the key', () => {
    assert.throws(
      () => loadConfig((key) => ({ apiRateLimitPerFiveMinutes: '2000', region: 'eu-west-1' })[key]),
      (err: unknown) => err instanceof ConfigError && /apiRateLimitPerFiveMinutes: needs region us-east-1/.test(err.message),
    );
    assert.throws(() => loadConfig((key) => ({ apiRateLimitPerFiveMinutes: '5' })[key]), /apiRateLimitPerFiveMinutes/);
  });
});
