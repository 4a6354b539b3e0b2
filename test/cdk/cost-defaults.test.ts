/**
 * The default deploy's cost levers (issue 19, docs/deploy-aws.md "Cost per streamed hour"): with no
 * context keys the ingest runs on Fargate Spot beyond one on-demand task (the drain on SIGTERM covers a
 * Spot interruption as it covers a deploy), and `-c ingestSpotPercent=0` still gives all-on-demand.
 */
import { Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STOP_TIMEOUT } from '../../lib/constructs/ingest-service';
import { synthApp } from './support';

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

  it('runs all on demand with -c ingestSpotPercent=0', () => {
    const template = Template.fromJSON(synthApp({ ingestSpotPercent: '0' }).template);
    for (const service of servicesOf(template).filter((s) => Array.isArray(s.LoadBalancers))) {
      assert.equal(service.LaunchType, 'FARGATE');
      assert.equal(service.CapacityProviderStrategy, undefined);
    }
  });
});
