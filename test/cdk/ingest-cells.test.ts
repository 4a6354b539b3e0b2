/**
 * Ingest cells in the synthesized app (`-c ingestCells=3`, with RTMPS on an ingest domain): three NLBs
 * with three ingest services in three distinct pairs of subnets, each cell's tasks told their cell and
 * scaled on their cell's capacity, all sharing one table, API, bus, bucket and distribution, one task role
 * (granted once) and one failover that watches every cell's service; the API is configured with every
 * cell's host; cdk-nag finds nothing; and the most cells allowed still fit CloudFormation's 500 resources.
 * One synth. (N = 1 is the default app: test/cdk/streamplane-app.test.ts and its snapshot.)
 */
import { Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_INGEST_CELLS } from '../../core/cells/ingest-cells';
import { synthApp, type NagViolation } from './support';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc';
const synth = synthApp({ ingestCells: 3, certificateArn: CERT, ingestDomainName: 'ingest.example.com', account: '123456789012', region: 'eu-west-1' });
const { stack } = synth;
const template = Template.fromJSON(synth.template);
type Resource = { Type: string; Properties: Record<string, any> };
const resources = synth.template.Resources as Record<string, Resource>;
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const show = (violations: NagViolation[]) => violations.map((v) => `${v.rule} at ${v.paths.join(', ')}`).join('\n');

describe('ingest cells (-c ingestCells=3)', () => {
  it('passes the cdk-nag AwsSolutions checks', () => {
    assert.deepEqual(synth.violations, [], show(synth.violations));
  });

  it('deploys three NLBs and three ingest services, each cell in subnets of its own', () => {
    assert.equal(stack.ingestCells.length, 3);
    assert.equal(stack.ingest, stack.ingestCells[0], 'cell 1 is the plane\'s original ingest (same construct paths)');
    assert.deepEqual(stack.ingestCells.map((c) => c.node.id), ['Ingest', 'IngestCell2', 'IngestCell3']);
    assert.equal(ofType('AWS::ElasticLoadBalancingV2::LoadBalancer').length, 3);
    assert.equal(ofType('AWS::ECS::Service').length, 3);
    const subnetSets = stack.ingestCells.map((cell) => {
      const nlb = resources[id(cell.loadBalancer)]?.Properties.Subnets as unknown[];
      const service = resources[id(cell.service)]?.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets as unknown[];
      assert.deepEqual(service, nlb, `${cell.cellId}: its tasks run in its NLB's subnets`);
      assert.equal(nlb.length, 2, 'one subnet per zone');
      return nlb.map((s) => JSON.stringify(s));
    });
    const all = subnetSets.flat();
    assert.equal(new Set(all).size, all.length, 'no two cells share a subnet');
    // Cell 1 keeps the plane's public subnets; the others get their own groups (/24 by default).
    assert.match(subnetSets[0]?.[0] ?? '', /NetworkVpcpublicSubnet1/);
    assert.match(subnetSets[2]?.[0] ?? '', /NetworkVpcingestcell3Subnet1/);
    for (const [, subnet] of ofType('AWS::EC2::Subnet')) assert.match(subnet.Properties.CidrBlock, /\/24$/);
  });

  it('gives every cell its listeners: RTMP, RTMPS, SRT and MPEG-TS push over TLS', () => {
    for (const cell of stack.ingestCells) {
      const ports = ofType('AWS::ElasticLoadBalancingV2::Listener')
        .filter(([, l]) => JSON.stringify(l.Properties.LoadBalancerArn) === JSON.stringify({ Ref: id(cell.loadBalancer) }))
        .map(([, l]) => `${l.Properties.Protocol}:${l.Properties.Port}`)
        .sort();
      assert.deepEqual(ports, ['TCP:1935', 'TLS:443', 'TLS:8443', 'UDP:9000'], cell.cellId);
    }
  });

  it('shares one control plane: one table, API, bus, media bucket and distribution', () => {
    assert.equal(ofType('AWS::DynamoDB::Table').length, 1);
    assert.equal(ofType('AWS::ApiGatewayV2::Api').length, 1);
    assert.equal(ofType('AWS::Events::EventBus').length, 1);
    assert.equal(ofType('AWS::CloudFront::Distribution').length, 1);
    assert.equal(ofType('AWS::S3::Bucket').length, 2, 'the media bucket and the access-log bucket');
  });

  it('tells each cell\'s tasks their cell, shares one task role, and scales each cell on its own capacity', () => {
    const taskRoles = new Set<string>();
    for (const cell of stack.ingestCells) {
      const definition = resources[id(cell.taskDefinition)]?.Properties;
      const env = Object.fromEntries((definition?.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));
      assert.equal(env.STREAMPLANE_INGEST_CELL, cell.cellId);
      taskRoles.add(JSON.stringify(definition?.TaskRoleArn));
    }
    assert.equal(taskRoles.size, 1, 'one task role, so every grant covers every cell');
    assert.equal(ofType('AWS::IAM::Role').filter(([logicalId]) => logicalId.startsWith('IngestCell')).length, 0, 'cells 2 and 3 make no roles');
    const capacityDimensions = ofType('AWS::ApplicationAutoScaling::ScalingPolicy')
      .map(([, p]) => p.Properties.TargetTrackingScalingPolicyConfiguration?.CustomizedMetricSpecification)
      .filter(Boolean)
      .map((m) => m.Dimensions);
    assert.deepEqual(capacityDimensions, ['cell-1', 'cell-2', 'cell-3'].map((cell) => [{ Name: 'cell', Value: cell }, { Name: 'service', Value: 'ingest' }]));
  });

  it('hands the control API every cell\'s host and lets it keep the per-cell counts', () => {
    const variables = resources[id(stack.streamRegistry.function)]?.Properties.Environment.Variables;
    assert.equal(variables.INGEST_CELLS, JSON.stringify(['ingest.example.com', 'cell-2.ingest.example.com', 'cell-3.ingest.example.com']));
    assert.equal(variables.RTMP_SERVER_URL, 'rtmps://ingest.example.com:443/live');
    const policy = JSON.stringify(resources[stack.getLogicalId(stack.streamRegistry.role.node.findChild('DefaultPolicy').node.defaultChild as never)]?.Properties.PolicyDocument);
    assert.match(policy, /"dynamodb:LeadingKeys":\["CELL#\*"\]/);
  });

  it('fails over the tasks of every cell, and alarms per cell when one has no healthy target', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { group: stack.ingestCells.map((cell) => ({ 'Fn::Join': ['', ['service:', { 'Fn::GetAtt': [id(cell.service), 'Name'] }]] })) } },
    });
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([logicalId]) => logicalId);
    for (const n of [2, 3]) assert.ok(alarms.some((a) => a.startsWith(`MonitoringIngestCell${n}NoHealthyTargets`)), `cell ${n} alarm`);
    assert.ok(synth.template.Outputs && 'IngestCell3LoadBalancerDns' in (synth.template.Outputs as object));
  });

  it('leaves room under CloudFormation\'s 500 resources for the most cells allowed', () => {
    const total = Object.keys(resources).length;
    const perCell = Object.keys(resources).filter((logicalId) => /IngestCell3|ingestcell3/.test(logicalId)).length;
    assert.ok(perCell >= 25 && perCell <= 40, `a cell is ${perCell} resources`);
    const atMax = total + (MAX_INGEST_CELLS - 3) * perCell;
    assert.ok(atMax <= 480, `${MAX_INGEST_CELLS} cells would be ${atMax} resources`);
  });
});
