/**
 * The ingest-cell checks for a plane of N cells, run by ingest-cells.test.ts (3 cells, RTMPS on an ingest
 * domain) and ingest-cells-scale.test.ts (10 and 20 cells): N NLBs with N ingest services in N distinct
 * pairs of subnets (cells 2… in nested stacks of their own), each cell's tasks told their cell and scaled
 * on their cell's capacity, all sharing one table, API, bus, bucket and distribution, one task role
 * (granted once) and one failover that watches every cell's service; the API is configured with every
 * cell's host; cdk-nag finds nothing in any stack; every stack stays under CloudFormation's 500 resources.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellTemplates } from './cells-templates';
import { synthApp, type NagViolation } from './support';

const show = (violations: NagViolation[]) => violations.map((v) => `${v.rule} at ${v.paths.join(', ')}`).join('\n');
const CLOUDFORMATION_MAX_RESOURCES = 500;

export function ingestCellsSuite(cells: number, context: Record<string, unknown>, hosts: (n: number) => string): void {
  const synth = synthApp({ ingestCells: cells, account: '123456789012', region: 'eu-west-1', ...context });
  const { stack } = synth;
  const t = cellTemplates(synth);
  const plane = t.all[0];
  assert.ok(plane);
  const counts = t.all.map((s) => ({ name: s.stack.node.path, resources: Object.keys(s.template.Resources).length }));
  const largest = counts.reduce((a, b) => (b.resources > a.resources ? b : a));
  const nestedSizes = counts.slice(1).map((c) => c.resources);

  describe(`ingest cells (-c ingestCells=${cells})`, () => {
    it('passes the cdk-nag AwsSolutions checks in every stack, nested ones included', () => {
      assert.deepEqual(synth.violations, [], show(synth.violations));
      assert.equal(t.all.length, cells, 'the plane and one nested stack per cell after the first');
    });

    it(`keeps every stack under CloudFormation's ${CLOUDFORMATION_MAX_RESOURCES} resources (plane ${counts[0]?.resources}, each further cell ${Math.max(0, ...nestedSizes)}: margin ${CLOUDFORMATION_MAX_RESOURCES - largest.resources})`, () => {
      for (const c of counts) assert.ok(c.resources < CLOUDFORMATION_MAX_RESOURCES, `${c.name}: ${c.resources} resources`);
    });

    it('deploys N NLBs and N ingest services, each cell in subnets of its own that no other cell uses', () => {
      assert.equal(stack.ingestCells.length, cells);
      assert.equal(stack.ingest, stack.ingestCells[0], 'cell 1 is the plane\'s original ingest (same construct paths)');
      assert.deepEqual(
        stack.ingestCells.map((c) => c.node.scopes[2]?.node.id),
        Array.from({ length: cells }, (_, i) => (i === 0 ? 'Ingest' : `IngestCell${i + 1}`)),
      );
      assert.equal(t.ofType('AWS::ElasticLoadBalancingV2::LoadBalancer').length, cells);
      assert.equal(t.ofType('AWS::ECS::Service').length, cells);
      const cidrSets = stack.ingestCells.map((cell) => {
        const where = t.templateOf(cell.loadBalancer);
        assert.equal(t.templateOf(cell.service), where, `${cell.cellId}: NLB and service in one stack`);
        const nlb = t.resourceOf(cell.loadBalancer).Properties.Subnets as Array<{ Ref: string }>;
        const service = t.resourceOf(cell.service).Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets as unknown[];
        assert.deepEqual(service, nlb, `${cell.cellId}: its tasks run in its NLB's subnets`);
        assert.equal(nlb.length, 2, 'one subnet per zone');
        return nlb.map((ref) => {
          const subnet = where.template.Resources[ref.Ref];
          assert.equal(subnet?.Type, 'AWS::EC2::Subnet', `${cell.cellId}: its subnets are in its own stack`);
          return subnet?.Properties.CidrBlock as string;
        });
      });
      const all = cidrSets.flat();
      assert.equal(new Set(all).size, all.length, 'no two cells share a subnet');
      const every = t.ofType('AWS::EC2::Subnet').map((s) => s.resource.Properties.CidrBlock as string);
      assert.equal(every.length, cells * 2, 'two subnets per cell, and no others');
      assert.ok(disjoint(every), `subnet ranges overlap: ${every.join(' ')}`);
      for (const cidr of every) assert.match(cidr, new RegExp(`^10\\.0\\.\\d+\\.\\d+/${context.ingestCellSubnetMask ?? 24}$`));
      // Cell 1 keeps the plane's public subnets; the others make their own in their nested stacks.
      assert.match(JSON.stringify(t.resourceOf(stack.ingest.loadBalancer).Properties.Subnets[0]), /NetworkVpcpublicSubnet1/);
    });

    it('routes every cell\'s subnets to the internet and keeps S3 and DynamoDB on gateway endpoints', () => {
      for (const cell of stack.ingestCells.slice(1)) {
        const where = t.templateOf(cell.service);
        const types = Object.values(where.template.Resources).map((r) => r.Type);
        assert.equal(types.filter((type) => type === 'AWS::EC2::Route').length, 2, `${cell.cellId}: a default route per subnet`);
        const endpoints = Object.values(where.template.Resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint');
        assert.deepEqual(endpoints.map((e) => e.Properties.VpcEndpointType), ['Gateway', 'Gateway'], cell.cellId);
        for (const e of endpoints) assert.equal((e.Properties.RouteTableIds as unknown[]).length, 2);
      }
    });

    it('gives every cell its listeners: RTMP, SRT and MPEG-TS push', () => {
      const expected = context.certificateArn ? ['TCP:1935', 'TLS:443', 'TLS:8443', 'UDP:9000'] : ['TCP:1935', 'TCP:8080', 'UDP:9000'];
      for (const cell of stack.ingestCells) {
        const lb = t.idOf(cell.loadBalancer);
        const ports = Object.values(t.templateOf(cell.loadBalancer).template.Resources)
          .filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener' && JSON.stringify(r.Properties.LoadBalancerArn) === JSON.stringify({ Ref: lb }))
          .map((l) => `${l.Properties.Protocol}:${l.Properties.Port}`)
          .sort();
        assert.deepEqual(ports, expected, cell.cellId);
      }
    });

    it('shares one control plane: one table, API, bus, media bucket and distribution', () => {
      assert.equal(t.ofType('AWS::DynamoDB::Table').length, 1);
      assert.equal(t.ofType('AWS::ApiGatewayV2::Api').length, 1);
      assert.equal(t.ofType('AWS::Events::EventBus').length, 1);
      assert.equal(t.ofType('AWS::CloudFront::Distribution').length, 1);
      assert.equal(t.ofType('AWS::S3::Bucket').length, 2, 'the media bucket and the access-log bucket');
    });

    it('tells each cell\'s tasks their cell, shares one task role (least privilege granted once), and scales each cell on its own capacity', () => {
      const taskRoles = new Set<string>();
      const executionRoles = new Set<string>();
      for (const cell of stack.ingestCells) {
        const where = t.templateOf(cell.taskDefinition);
        const definition = t.resourceOf(cell.taskDefinition).Properties;
        const env = Object.fromEntries((definition.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));
        assert.equal(env.STREAMPLANE_INGEST_CELL, cell.cellId);
        taskRoles.add(JSON.stringify(t.inPlane(definition.TaskRoleArn, where)));
        executionRoles.add(JSON.stringify(t.inPlane(definition.ExecutionRoleArn, where)));
      }
      assert.equal(taskRoles.size, 1, 'one task role, so every grant covers every cell');
      assert.equal(executionRoles.size, 1, 'one execution role');
      for (const nested of t.all.slice(1)) {
        const iam = Object.values(nested.template.Resources).filter((r) => r.Type.startsWith('AWS::IAM::'));
        assert.deepEqual(iam, [], `${nested.stack.node.path} makes no roles or policies`);
      }
      // The shared execution role may write each cell's own log group, named one by one (no wildcard log groups).
      const executionRole = stack.ingest.taskDefinition.obtainExecutionRole();
      const policy = Object.values(plane.template.Resources).find(
        (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: t.idOf(executionRole) }]),
      );
      const logStatements = (policy?.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>).filter((s) => JSON.stringify(s.Action).includes('logs:'));
      const logGroups = logStatements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
      assert.equal(logGroups.length, cells, `one log group per cell: ${JSON.stringify(logGroups)}`);
      assert.doesNotMatch(JSON.stringify(logGroups), /"\*"/);
      const capacityDimensions = t
        .ofType('AWS::ApplicationAutoScaling::ScalingPolicy')
        .map(({ resource }) => resource.Properties.TargetTrackingScalingPolicyConfiguration?.CustomizedMetricSpecification)
        .filter(Boolean)
        .map((m) => m.Dimensions);
      assert.deepEqual(capacityDimensions, Array.from({ length: cells }, (_, i) => [{ Name: 'cell', Value: `cell-${i + 1}` }, { Name: 'service', Value: 'ingest' }]));
    });

    it('hands the control API every cell\'s host and lets it keep the per-cell counts', () => {
      const variables = t.resourceOf(stack.streamRegistry.function).Properties.Environment.Variables;
      const configured = t.throughOutputs(variables.INGEST_CELLS);
      if (typeof configured === 'string') {
        assert.equal(configured, JSON.stringify(Array.from({ length: cells }, (_, i) => hosts(i + 1))));
      } else {
        // NLB DNS names: cell 1's from the plane, every other from its own nested stack's NLB.
        const text = JSON.stringify(configured);
        for (let n = 2; n <= cells; n++) assert.ok(text.includes(`"stack":"IngestCell${n}"`), `cell ${n}'s host`);
      }
      const policy = JSON.stringify(plane.template.Resources[plane.stack.getLogicalId(stack.streamRegistry.role.node.findChild('DefaultPolicy').node.defaultChild as never)]?.Properties.PolicyDocument);
      assert.match(policy, /"dynamodb:LeadingKeys":\["CELL#\*"\]/);
    });

    it('fails over the tasks of every cell, and alarms per cell when one has no healthy target', () => {
      const rule = Object.values(plane.template.Resources).find((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern?.detail?.group);
      const groups = t.throughOutputs(rule?.Properties.EventPattern.detail.group) as unknown[];
      assert.equal(groups.length, cells);
      stack.ingestCells.forEach((cell, i) => {
        const serviceName = { 'Fn::GetAtt': [t.idOf(cell.service), 'Name'] };
        const expected = i === 0 ? serviceName : { stack: `IngestCell${i + 1}`, value: serviceName };
        assert.deepEqual(groups[i], { 'Fn::Join': ['', ['service:', expected]] }, cell.cellId);
      });
      const alarms = Object.keys(plane.template.Resources).filter((logicalId) => plane.template.Resources[logicalId]?.Type === 'AWS::CloudWatch::Alarm');
      for (let n = 2; n <= cells; n++) assert.ok(alarms.some((a) => a.startsWith(`MonitoringIngestCell${n}NoHealthyTargets`)), `cell ${n} alarm`);
      assert.ok(plane.template.Outputs && `IngestCell${cells}LoadBalancerDns` in plane.template.Outputs);
    });
  });
}

/** Whether IPv4 CIDR ranges overlap none of the others. */
function disjoint(cidrs: string[]): boolean {
  const ranges = cidrs.map((cidr) => {
    const [address = '', bits = '32'] = cidr.split('/');
    const start = address.split('.').reduce((v, o) => v * 256 + Number(o), 0);
    return [start, start + 2 ** (32 - Number(bits))] as const;
  });
  return ranges.every(([a, b], i) => ranges.every(([c, d], j) => i === j || b <= c || d <= a));
}
