/**
 * Signed playback at the edge (lib/constructs/playback-edge.ts with the playback distribution): the
 * CloudFront Function runs the very file the local tests run, on viewer request of every media
 * behavior, with the KeyValueStore attached; signed masters have their origin (a function URL that
 * only CloudFront can call); the token reaches that origin but never a cache key; the store is
 * writable only by whoever is granted it, with exactly the KeyValueStore actions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PlaybackDistribution } from '../../lib/constructs/playback-distribution';
import { PLAYBACK_AUTH_ORIGIN_ID, PLAYBACK_EDGE_CODE, PLAYBACK_EDGE_RESPONSE_CODE, PlaybackEdge } from '../../lib/constructs/playback-edge';

function build() {
  const stack = new Stack(new App(), 'Edge');
  const mediaBucket = new s3.Bucket(stack, 'Media');
  const logs = new s3.Bucket(stack, 'Logs', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER });
  const auth = new lambda.Function(stack, 'Auth', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const edge = new PlaybackEdge(stack, 'PlaybackEdge', { authFunction: auth });
  new PlaybackDistribution(stack, 'Playback', {
    mediaBucket,
    segmentDurationSeconds: 2,
    accessLogBucket: logs,
    signedPlayback: { viewerRequest: edge.viewerRequest, viewerResponse: edge.viewerResponse, authOrigin: edge.authOrigin },
  });
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  edge.grantWriteStore(writer);
  return { stack, edge, writer, template: Template.fromStack(stack) };
}

describe('playback edge', () => {
  const { template, stack, writer } = build();

  it('runs lib/edge/playback-edge.js as a cloudfront-js-2.0 function with the KeyValueStore', () => {
    template.resourceCountIs('AWS::CloudFront::KeyValueStore', 1);
    const fns = Object.values(template.findResources('AWS::CloudFront::Function')) as Array<{ Properties: { FunctionCode: string; FunctionConfig: { Runtime: string; KeyValueStoreAssociations?: unknown[] } } }>;
    const fn = fns.find((f) => f.Properties.FunctionCode === readFileSync(PLAYBACK_EDGE_CODE, 'utf8'));
    assert.ok(fn, 'the viewer-request function runs lib/edge/playback-edge.js');
    assert.equal(fn.Properties.FunctionConfig.Runtime, 'cloudfront-js-2.0');
    assert.equal(fn.Properties.FunctionConfig.KeyValueStoreAssociations?.length, 1);
    const response = fns.find((f) => f.Properties.FunctionCode === readFileSync(PLAYBACK_EDGE_RESPONSE_CODE, 'utf8'));
    assert.ok(response, 'the viewer-response function runs lib/edge/playback-edge-response.js');
    assert.equal(response.Properties.FunctionConfig.Runtime, 'cloudfront-js-2.0');
    assert.equal(response.Properties.FunctionConfig.KeyValueStoreAssociations, undefined, 'the CORS answer needs no store');
  });

  it("lets the viewer-response function narrow CORS: the headers policy does not override the answer", () => {
    const policy = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0] as { Properties: { ResponseHeadersPolicyConfig: { CorsConfig: { OriginOverride: boolean } } } };
    assert.equal(policy.Properties.ResponseHeadersPolicyConfig.CorsConfig.OriginOverride, false);
  });

  it('checks every media request at viewer request, and gives signed masters their origin', () => {
    const dist = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as { Properties: { DistributionConfig: Record<string, never> } };
    const config = dist.Properties.DistributionConfig as unknown as {
      DefaultCacheBehavior: { FunctionAssociations: Array<{ EventType: string }> };
      CacheBehaviors: Array<{ PathPattern: string; FunctionAssociations?: Array<{ EventType: string }>; TargetOriginId: string; OriginRequestPolicyId: unknown }>;
      Origins: Array<{ Id: string }>;
    };
    assert.deepEqual(config.DefaultCacheBehavior.FunctionAssociations.map((f) => f.EventType), ['viewer-request', 'viewer-response']);
    const playlists = config.CacheBehaviors.find((b) => b.PathPattern === '*.m3u8');
    assert.deepEqual(playlists?.FunctionAssociations?.map((f) => f.EventType), ['viewer-request', 'viewer-response']);
    assert.ok(config.Origins.some((o) => o.Id === PLAYBACK_AUTH_ORIGIN_ID), 'the playback-auth origin has the id the function selects');
  });

  it('forwards the token to the origin of playlists but keeps it out of every cache key', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({ QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['token'] } }),
    });
    for (const policy of Object.values(template.findResources('AWS::CloudFront::CachePolicy'))) {
      const params = (policy as { Properties: { CachePolicyConfig: { ParametersInCacheKeyAndForwardedToOrigin: { QueryStringsConfig: { QueryStringBehavior: string } } } } }).Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
      assert.equal(params.QueryStringsConfig.QueryStringBehavior, 'none');
    }
  });

  it('lets only CloudFront call playback-auth (IAM-authenticated function URL behind origin access control)', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 'lambda' }) });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'cloudfront.amazonaws.com', Action: 'lambda:InvokeFunctionUrl' });
  });

  it('grants exactly the KeyValueStore actions on that store', () => {
    const roleId = stack.getLogicalId(writer.node.defaultChild as never);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    const statements = policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string[]; Resource: unknown }> }).Statement);
    assert.equal(statements.length, 1);
    assert.deepEqual([...(statements[0]?.Action ?? [])].sort(), [
      'cloudfront-keyvaluestore:DeleteKey',
      'cloudfront-keyvaluestore:DescribeKeyValueStore',
      'cloudfront-keyvaluestore:GetKey',
      'cloudfront-keyvaluestore:PutKey',
    ]);
    assert.match(JSON.stringify(statements[0]?.Resource), /PlaybackEdgeStore/);
  });

  it('keeps the derived-token secret out of the template (generated at deploy time)', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludeUppercase: true }) });
  });
});
