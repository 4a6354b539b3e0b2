/**
 * Media storage and delivery: the private media bucket (and its access-log bucket), prefix-scoped grants,
 * lifecycle of live segments, and the CloudFront distribution reading it through origin access control
 * with one cache policy for playlists and one for segments.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessLogBucket } from '../../lib/constructs/access-log-bucket';
import { LIVE_PREFIX, MediaBucket, RECORDINGS_PREFIX } from '../../lib/constructs/media-bucket';
import { LIVE_OBJECT_REFRESH_MS } from '../../core/media/live-refresh';
import { PlaybackDistribution } from '../../lib/constructs/playback-distribution';
import { actionsOf, statementsOf, testStack } from './support';

const stack = testStack();
const logs = new AccessLogBucket(stack, 'AccessLogs', { retentionDays: 14 });
const media = new MediaBucket(stack, 'Media', { accessLogBucket: logs.bucket, liveRetentionDays: 2, recordingRetentionDays: 90 });
const playback = new PlaybackDistribution(stack, 'Playback', { mediaBucket: media.bucket, segmentDurationSeconds: 4, accessLogBucket: logs.bucket });
const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
const publisher = new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
const deleter = new iam.Role(stack, 'Deleter', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
media.grantReadWriteUnder(writer, LIVE_PREFIX);
media.grantReadUnder(reader, RECORDINGS_PREFIX);
media.grantReadPutUnder(publisher, RECORDINGS_PREFIX);
media.grantDeleteUnder(deleter, RECORDINGS_PREFIX);
// Recordings kept until deleted: no lifecycle rule may touch them.
const keeping = new MediaBucket(stack, 'KeepingMedia', { accessLogBucket: logs.bucket });
const template = Template.fromStack(stack);

const bucketId = stack.getLogicalId(media.bucket.node.defaultChild as never);
const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
const blockAll = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

describe('MediaBucket', () => {
  it('blocks all public access, encrypts, and logs access to the log bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: blockAll,
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: stack.getLogicalId(logs.bucket.node.defaultChild as never) }, LogFilePrefix: 'media-bucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('refuses every request without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } }),
        ]),
      },
    });
  });

  const lifecycleOf = (bucket: MediaBucket) =>
    (template.toJSON().Resources[stack.getLogicalId(bucket.bucket.node.defaultChild as never)].Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules;

  it('expires live segments after the live retention, and recordings two days after theirs (a backstop behind the sweeper)', () => {
    assert.deepEqual(lifecycleOf(media), [
      { ExpirationInDays: 2, Id: 'expire-live-segments', Prefix: 'live/', Status: 'Enabled' },
      { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Id: 'abort-incomplete-uploads', Status: 'Enabled' },
      { ExpirationInDays: 92, Id: 'expire-recordings', Prefix: 'recordings/', Status: 'Enabled' },
    ]);
  });

  it('never expires recordings when they are kept until deleted', () => {
    assert.deepEqual(lifecycleOf(keeping), [
      { ExpirationInDays: 1, Id: 'expire-live-segments', Prefix: 'live/', Status: 'Enabled' },
      { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Id: 'abort-incomplete-uploads', Status: 'Enabled' },
    ]);
  });

  it('expires nothing a running session still needs: the live expiry outlasts the packager\'s master refresh', () => {
    // Write-once live objects (master, DVR master) are rewritten every LIVE_OBJECT_REFRESH_MS while segments
    // flow; S3 counts the expiry from the last write, so the rule can only remove an ended session's objects.
    for (const bucket of [media, keeping]) {
      const rule = (lifecycleOf(bucket) as Array<{ Prefix?: string; ExpirationInDays?: number }>).find((r) => r.Prefix === 'live/');
      assert.ok(rule?.ExpirationInDays !== undefined);
      assert.ok(rule.ExpirationInDays * 86_400_000 >= 3 * LIVE_OBJECT_REFRESH_MS, `live/ expires after ${rule.ExpirationInDays} days`);
    }
  });

  it('grants object writes under one prefix only, and lists that prefix only', () => {
    const statements = statementsOf(template, stack, writer);
    assert.deepEqual(
      statements.map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition })),
      [
        { actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], resource: objectsUnder('live/'), condition: undefined },
        { actions: ['s3:ListBucket'], resource: bucketArn, condition: { StringLike: { 's3:prefix': ['live/*'] } } },
      ],
    );
  });

  it('grants reads under one prefix without any write', () => {
    const statements = statementsOf(template, stack, reader);
    assert.deepEqual(statements.map((s) => actionsOf(s)), [['s3:GetObject'], ['s3:ListBucket']]);
    assert.deepEqual(statements[0]?.Resource, objectsUnder('recordings/'));
  });

  it('grants reading and writing under one prefix without deleting', () => {
    assert.deepEqual(
      statementsOf(template, stack, publisher).map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition })),
      [
        { actions: ['s3:GetObject', 's3:PutObject'], resource: objectsUnder('recordings/'), condition: undefined },
        { actions: ['s3:ListBucket'], resource: bucketArn, condition: { StringLike: { 's3:prefix': ['recordings/*'] } } },
      ],
    );
  });

  it('grants deleting under one prefix (found by listing it) without reading', () => {
    assert.deepEqual(
      statementsOf(template, stack, deleter).map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition })),
      [
        { actions: ['s3:DeleteObject'], resource: objectsUnder('recordings/'), condition: undefined },
        { actions: ['s3:ListBucket'], resource: bucketArn, condition: { StringLike: { 's3:prefix': ['recordings/*'] } } },
      ],
    );
  });

  it('refuses a live retention below one day', () => {
    assert.throws(() => new MediaBucket(testStack(), 'M', { accessLogBucket: logs.bucket, liveRetentionDays: 0 }), /liveRetentionDays must be .* at least 1, got 0/);
  });
});

describe('AccessLogBucket', () => {
  it('is private, TLS-only, and expires logs after the retention', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: blockAll,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-logs', ExpirationInDays: 14 })]) },
    });
  });
});

describe('PlaybackDistribution', () => {
  const distribution = () => template.findResources('AWS::CloudFront::Distribution');
  const config = () => (Object.values(distribution())[0] as { Properties: { DistributionConfig: Record<string, any> } }).Properties.DistributionConfig;
  const policyId = (construct: unknown) => ({ Ref: stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild) });

  it('reads the bucket through origin access control, never a public bucket or an OAI', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const origins = config().Origins as Array<Record<string, any>>;
    assert.equal(origins.length, 1);
    assert.deepEqual(origins[0]?.DomainName, { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] });
    assert.ok(origins[0]?.OriginAccessControlId, 'origin uses OAC');
    assert.deepEqual(origins[0]?.S3OriginConfig, { OriginAccessIdentity: '' });
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('lets only this distribution read objects, through the bucket policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('caches playlists for about one segment and segments for a long time, keyed on the path only', () => {
    const none = { CookiesConfig: { CookieBehavior: 'none' }, HeadersConfig: { HeaderBehavior: 'none' }, QueryStringsConfig: { QueryStringBehavior: 'none' } };
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: { MinTTL: 0, DefaultTTL: 4, MaxTTL: 4, ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike(none) },
    });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: { MinTTL: 0, DefaultTTL: 31536000, MaxTTL: 31536000, ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike(none) },
    });
    const c = config();
    assert.deepEqual(c.DefaultCacheBehavior.CachePolicyId, policyId(playback.segmentCachePolicy));
    const playlists = (c.CacheBehaviors as Array<Record<string, any>>).find((b) => b.PathPattern === '*.m3u8');
    assert.deepEqual(playlists?.CachePolicyId, policyId(playback.playlistCachePolicy));
  });

  it('adds CORS headers for web players on every behavior, over HTTPS only', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
          AccessControlAllowCredentials: false,
          OriginOverride: true,
        }),
      },
    });
    const c = config();
    for (const behavior of [c.DefaultCacheBehavior, ...(c.CacheBehaviors as unknown[])] as Array<Record<string, any>>) {
      assert.deepEqual(behavior.ResponseHeadersPolicyId, policyId(playback.responseHeadersPolicy));
      assert.equal(behavior.ViewerProtocolPolicy, 'redirect-to-https');
    }
    template.hasResourceProperties('AWS::S3::Bucket', { CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['*'] })] } });
  });

  it('caches 403/404 for a second only, and logs to the access-log bucket', () => {
    const c = config();
    assert.deepEqual(c.CustomErrorResponses, [
      { ErrorCode: 403, ErrorCachingMinTTL: 1 },
      { ErrorCode: 404, ErrorCachingMinTTL: 1 },
    ]);
    assert.equal(c.Logging.Prefix, 'cloudfront/');
    assert.deepEqual(c.Logging.Bucket, { 'Fn::GetAtt': [stack.getLogicalId(logs.bucket.node.defaultChild as never), 'RegionalDomainName'] });
  });

  it('refuses a segment duration it cannot cache sensibly', () => {
    assert.throws(() => new PlaybackDistribution(testStack(), 'P', { mediaBucket: media.bucket, segmentDurationSeconds: 0.5, accessLogBucket: logs.bucket }), /segmentDurationSeconds must be a whole number from 1 to 10, got 0.5/);
  });
});
