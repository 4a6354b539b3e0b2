/**
 * LL-HLS delivery in the template: CloudFront sends `live/*\/ll.m3u8` (keyed on the delivery directives
 * and nothing else) and LL parts to the ll-playlist function URL — IAM auth signed by origin access
 * control — which can hold a blocking reload; everything else still comes from S3.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessLogBucket } from '../../lib/constructs/access-log-bucket';
import { LowLatencyOrigin } from '../../lib/constructs/low-latency-origin';
import { MediaBucket } from '../../lib/constructs/media-bucket';
import { LL_HLS_QUERY_STRINGS, PlaybackDistribution } from '../../lib/constructs/playback-distribution';
import { testStack } from './support';

const stack = testStack();
const logs = new AccessLogBucket(stack, 'AccessLogs', { retentionDays: 14 });
const media = new MediaBucket(stack, 'Media', { accessLogBucket: logs.bucket, liveRetentionDays: 2, recordingRetentionDays: 90 });
const fn = new lambda.Function(stack, 'LlPlaylist', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
const ll = new LowLatencyOrigin(stack, 'LowLatencyOrigin', { playlistFunction: fn, maxHoldSeconds: 6 });
const playback = new PlaybackDistribution(stack, 'Playback', { mediaBucket: media.bucket, segmentDurationSeconds: 2, accessLogBucket: logs.bucket, lowLatencyOrigin: ll.origin });
const template = Template.fromStack(stack);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const config = () => (Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as { Properties: { DistributionConfig: Record<string, any> } }).Properties.DistributionConfig;
const policyId = (construct: unknown) => ({ Ref: stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild) });

describe('LL-HLS delivery', () => {
  it('keys LL playlists on _HLS_msn, _HLS_part and _HLS_skip only, cached a moment', () => {
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 1,
        MaxTTL: 2,
        ParametersInCacheKeyAndForwardedToOrigin: {
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: [...LL_HLS_QUERY_STRINGS] },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      },
    });
  });

  it('routes LL playlists and parts to the function URL origin ahead of the S3 playlist behavior', () => {
    const c = config();
    const behaviors = c.CacheBehaviors as Array<Record<string, any>>;
    const patterns = behaviors.map((b) => b.PathPattern);
    assert.ok(patterns.indexOf('live/*/ll.m3u8') < patterns.indexOf('*.m3u8'), patterns.join(' '));
    const llOriginId = (c.Origins as Array<Record<string, any>>).find((o) => o.Id === 'low-latency-playlists');
    assert.ok(llOriginId, 'the function URL is an origin');
    assert.equal(llOriginId.OriginAccessControlId !== undefined, true);
    assert.equal(llOriginId.CustomOriginConfig.OriginReadTimeout, 10);
    const playlists = behaviors.find((b) => b.PathPattern === 'live/*/ll.m3u8')!;
    assert.equal(playlists.TargetOriginId, 'low-latency-playlists');
    assert.deepEqual(playlists.CachePolicyId, policyId(playback.lowLatencyPlaylistCachePolicy));
    const parts = behaviors.find((b) => b.PathPattern === 'live/*/ll-*.m4s')!;
    assert.equal(parts.TargetOriginId, 'low-latency-playlists');
    assert.deepEqual(parts.CachePolicyId, policyId(playback.segmentCachePolicy));
    assert.notEqual(c.DefaultCacheBehavior.TargetOriginId, 'low-latency-playlists');
  });

  it('keeps the function URL private: IAM auth, invoked by CloudFront through origin access control', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { OriginAccessControlOriginType: 'lambda', SigningBehavior: 'always' } });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', Principal: 'cloudfront.amazonaws.com' });
  });

  it('refuses a hold CloudFront cannot wait for', () => {
    assert.throws(() => new LowLatencyOrigin(testStack(), 'L', { playlistFunction: fn, maxHoldSeconds: 90 }), /maxHoldSeconds must be a whole number from 1 to 55/);
  });
});
