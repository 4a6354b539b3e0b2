/**
 * The default deploy's cost levers (issue 19, docs/deploy-aws.md "Cost per streamed hour"): with no
 * context keys the ingest runs on Fargate Spot beyond one on-demand task (the drain on SIGTERM covers a
 * Spot interruption as it covers a deploy), and `-c ingestSpotPercent=0` still gives all-on-demand; live
 * media playlists are bundled (the ingest is told so) and `live/*\/index.m3u8` reaches the playlist
 * origin function, cached with the playlist policy; `-c livePlaylists=objects` leaves them to S3.
 */
import { Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STOP_TIMEOUT } from '../../lib/constructs/ingest-service';
import { synthApp } from './support';

const ORIGIN_ID = 'low-latency-playlists';
type Behavior = { PathPattern: string; TargetOriginId: string; CachePolicyId: unknown };
const behaviorsOf = (t: Template) =>
  Object.values(t.findResources('AWS::CloudFront::Distribution')).flatMap((d) => (d.Properties.DistributionConfig.CacheBehaviors ?? []) as Behavior[]);
const ingestEnvOf = (t: Template) =>
  Object.values(t.findResources('AWS::ECS::TaskDefinition')).flatMap((d) => (d.Properties.ContainerDefinitions as Array<{ Name: string; Environment?: Array<{ Name: string; Value: unknown }> }>).filter((c) => c.Name === 'ingest').flatMap((c) => c.Environment ?? []));
const servicesOf = (t: Template) => Object.values(t.findResources('AWS::ECS::Service')).map((r) => r.Properties as Record<string, unknown>);

describe('default deploy cost levers', () => {
  it('places one on-demand ingest task, then every further task on Fargate Spot, by default', () => {
    const template = Template.fromJSON(synthApp().template);
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
    const ingest = servicesOf(template).filter((s) => Array.isArray(s.LoadBalancers));
    assert.ok(ingest.length >= 1, 'the ingest service is in the template');
    for (const service of ingest) {
      assert.equal(service.LaunchType, undefined);
      assert.deepEqual(service.CapacityProviderStrategy, [
        { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 100 },
      ]);
    }
    assert.ok(STOP_TIMEOUT.toSeconds() <= 120, 'the drain fits the two-minute Spot interruption notice');
  });

  it('bundles live media playlists by default: the ingest is told, and the CDN sends them to the playlist origin before *.m3u8', () => {
    const template = Template.fromJSON(synthApp().template);
    const env = ingestEnvOf(template).filter((e) => e.Name === 'STREAMPLANE_LIVE_PLAYLISTS');
    assert.ok(env.length >= 1 && env.every((e) => e.Value === 'bundle'), JSON.stringify(env));
    const behaviors = behaviorsOf(template);
    const patterns = behaviors.map((b) => b.PathPattern);
    const media = behaviors.find((b) => b.PathPattern === 'live/*/index.m3u8');
    assert.ok(media, `no live/*/index.m3u8 behavior in ${patterns.join(', ')}`);
    assert.equal(media.TargetOriginId.includes(ORIGIN_ID) || media.TargetOriginId === ORIGIN_ID, true, media.TargetOriginId);
    assert.ok(patterns.indexOf('live/*/index.m3u8') < patterns.indexOf('*.m3u8'), 'matched before the S3 playlist behavior');
    const s3Playlists = behaviors.find((b) => b.PathPattern === '*.m3u8');
    assert.deepEqual(media.CachePolicyId, s3Playlists?.CachePolicyId, 'cached exactly as the S3 playlists are');
  });

  it('runs all on demand with -c ingestSpotPercent=0, and leaves playlists to S3 with -c livePlaylists=objects', () => {
    const template = Template.fromJSON(synthApp({ ingestSpotPercent: '0', livePlaylists: 'objects' }).template);
    assert.ok(!behaviorsOf(template).some((b) => b.PathPattern === 'live/*/index.m3u8'));
    assert.ok(ingestEnvOf(template).filter((e) => e.Name === 'STREAMPLANE_LIVE_PLAYLISTS').every((e) => e.Value === 'objects'));
    for (const service of servicesOf(template).filter((s) => Array.isArray(s.LoadBalancers))) {
      assert.equal(service.LaunchType, 'FARGATE');
      assert.equal(service.CapacityProviderStrategy, undefined);
    }
  });

  it('stores one segment round object per sequence by default (the ingest is told), one per rendition with -c segmentObjects=rendition, and refuses anything else', () => {
    const segmentObjectsOf = (t: Template) => ingestEnvOf(t).filter((e) => e.Name === 'STREAMPLANE_SEGMENT_OBJECTS');
    const defaults = segmentObjectsOf(Template.fromJSON(synthApp().template));
    assert.ok(defaults.length >= 1 && defaults.every((e) => e.Value === 'round'), JSON.stringify(defaults));
    const rendition = segmentObjectsOf(Template.fromJSON(synthApp({ segmentObjects: 'rendition' }).template));
    assert.ok(rendition.length >= 1 && rendition.every((e) => e.Value === 'rendition'), JSON.stringify(rendition));
    assert.throws(() => synthApp({ segmentObjects: 'bytes' }), /segmentObjects: .*"round" or "rendition" \(got "bytes"\)/);
  });
});
