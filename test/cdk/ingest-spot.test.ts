/**
 * Ingest tasks on Fargate Spot (`-c ingestSpotPercent`, lib/constructs/ingest-service.ts): off by default
 * (no capacity providers, the service launches on regular Fargate as before); on, the cluster gets the
 * Fargate capacity providers and the service a strategy with an on-demand base and the Spot share, inside
 * the 120 s stop timeout a Spot interruption notice allows. Bad values name what was given.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestService, STOP_TIMEOUT } from '../../lib/constructs/ingest-service';
import { PlaneNetwork } from '../../lib/constructs/plane-network';
import { loadConfig } from '../../lib/config';
import { testStack } from './support';

function build(spot: { spotPercent?: number; onDemandBase?: number } = {}) {
  const stack = testStack();
  const network = new PlaneNetwork(stack, 'Network');
  new IngestService(stack, 'Ingest', {
    cluster: network.cluster,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-bookworm-slim'),
    allowedCidrs: ['0.0.0.0/0'],
    environment: {},
    ...spot,
  });
  return Template.fromStack(stack);
}

describe('IngestService on Fargate Spot', () => {
  it('runs all tasks on demand by default: no capacity providers, the FARGATE launch type', () => {
    const template = build();
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
  });

  it('places the on-demand base first, then the Spot share of the rest, with the cluster\'s Fargate capacity providers', () => {
    const template = build({ spotPercent: 80, onDemandBase: 2 });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0]?.Properties as Record<string, unknown>;
    assert.equal(service.LaunchType, undefined, 'a capacity provider strategy replaces the launch type');
    assert.deepEqual(service.CapacityProviderStrategy, [
      { CapacityProvider: 'FARGATE', Base: 2, Weight: 20 },
      { CapacityProvider: 'FARGATE_SPOT', Weight: 80 },
    ]);
    assert.ok(STOP_TIMEOUT.toSeconds() <= 120, 'the drain fits the two-minute interruption notice');
  });

  it('refuses a Spot share without an on-demand task, or out of range, naming the values', () => {
    assert.throws(() => build({ spotPercent: 100, onDemandBase: 0 }), /onDemandBase must be at least 1/);
    assert.throws(() => build({ spotPercent: 120 }), /spotPercent and onDemandBase must be whole numbers from 0 to 100, got spotPercent=120, onDemandBase=1/);
    assert.throws(() => loadConfig((key) => ({ ingestSpotPercent: '50', ingestOnDemandBase: '0' } as Record<string, string>)[key]), /ingestOnDemandBase/);
    assert.equal(loadConfig((key) => ({ ingestSpotPercent: '100' })[key as 'ingestSpotPercent']).ingestOnDemandBase, 1);
  });
});
