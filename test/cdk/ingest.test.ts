/**
 * The ingest side: the network without NAT, the Fargate service behind the NLB (RTMP on 1935, RTMPS on
 * 443 with a certificate), security groups, autoscaling, drain and scale-in protection, and the failover
 * wiring that watches its tasks.
 */
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestFailover } from '../../lib/constructs/ingest-failover';
import { IngestService } from '../../lib/constructs/ingest-service';
import { PlaneNetwork } from '../../lib/constructs/plane-network';
import { StreamTable } from '../../lib/constructs/stream-table';
import { actionsOf, FIXTURE_ENTRY, statementsOf, testStack } from './support';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc';

function build(options: { certificateArn?: string; allowedCidrs?: string[] } = {}) {
  const stack = testStack();
  const network = new PlaneNetwork(stack, 'Network');
  const ingest = new IngestService(stack, 'Ingest', {
    cluster: network.cluster,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-bookworm-slim'),
    minTasks: 2,
    maxTasks: 5,
    allowedCidrs: options.allowedCidrs ?? ['0.0.0.0/0'],
    environment: { STREAMPLANE_TABLE_NAME: 'table' },
    ...(options.certificateArn ? { certificateArn: options.certificateArn } : {}),
  });
  return { stack, network, ingest };
}

const { stack, network, ingest } = build();
const table = new StreamTable(stack, 'Registry');
const bus = new events.EventBus(stack, 'Bus');
const failover = new IngestFailover(stack, 'Failover', {
  entry: FIXTURE_ENTRY,
  cluster: network.cluster,
  service: ingest.service,
  table,
  eventBus: bus,
  heartbeatStaleAfter: Duration.seconds(60),
});
const template = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('PlaneNetwork', () => {
  it('spans two zones with public subnets only and no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true });
  });

  it('routes S3 and DynamoDB through free gateway endpoints and logs rejected traffic', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName));
    assert.equal(endpoints.length, 2);
    assert.ok(endpoints.some((e) => e.includes('.s3')) && endpoints.some((e) => e.includes('.dynamodb')));
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
  });

  it('runs a cluster with Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });
});

describe('IngestService', () => {
  it('listens for RTMP on TCP 1935 and forwards to the Fargate service on 1935', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 1935,
      Protocol: 'TCP',
      LoadBalancerArn: { Ref: id(ingest.loadBalancer) },
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id(ingest.targetGroup) } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 1935,
      Protocol: 'TCP',
      TargetType: 'ip',
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
        { Key: 'preserve_client_ip.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      LoadBalancers: [{ ContainerName: 'ingest', ContainerPort: 1935, TargetGroupArn: { Ref: id(ingest.targetGroup) } }],
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100 }),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Type: 'network' });
  });

  it('terminates RTMPS on 443 at the NLB when a certificate is given, to the same targets', () => {
    const tls = build({ certificateArn: CERT });
    const t = Template.fromStack(tls.stack);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13'),
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tls.stack.getLogicalId(tls.ingest.targetGroup.node.defaultChild as never) } }],
    });
    assert.match(tls.ingest.rtmpsServerUrl ?? '', /^rtmps:\/\/.*:443\/live$/);
  });

  it('admits the allowed ranges to the NLB only, and the tasks only from the NLB', () => {
    const narrow = build({ certificateArn: CERT, allowedCidrs: ['203.0.113.0/24'] });
    const t = Template.fromStack(narrow.stack);
    const lbGroup = Object.values(t.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('NLB') } }))[0];
    assert.deepEqual(
      (lbGroup?.Properties.SecurityGroupIngress as Array<Record<string, unknown>>).map((r) => [r.CidrIp, r.FromPort, r.ToPort]),
      [
        ['203.0.113.0/24', 1935, 1935],
        ['203.0.113.0/24', 443, 443],
      ],
    );
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 1935,
      ToPort: 1935,
      SourceSecurityGroupId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['GroupId']) }),
    });
    t.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { CidrIp: Match.anyValue() }, 0);
  });

  it('runs arm64 tasks as configured, with a read-only root, a scratch volume and a graceful stop window', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Volumes: [{ Name: 'scratch' }],
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'ingest',
          ReadonlyRootFilesystem: true,
          StopTimeout: 120,
          LinuxParameters: { InitProcessEnabled: true },
          MountPoints: [{ ContainerPath: '/scratch', SourceVolume: 'scratch', ReadOnly: false }],
          PortMappings: [Match.objectLike({ ContainerPort: 1935, Protocol: 'tcp' })],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          Environment: [
            { Name: 'STREAMPLANE_RTMP_PORT', Value: '1935' },
            { Name: 'STREAMPLANE_DATA_DIR', Value: '/scratch/data' },
            { Name: 'TMPDIR', Value: '/scratch/tmp' },
            { Name: 'STREAMPLANE_LOG_FORMAT', Value: 'json' },
            { Name: 'STREAMPLANE_HEALTH_CHECK_HOST', Value: '0.0.0.0' },
            { Name: 'STREAMPLANE_DRAIN_SECONDS', Value: '30' },
            { Name: 'STREAMPLANE_REVISION_CHECK_SECONDS', Value: '30' },
            { Name: 'STREAMPLANE_TASK_VCPU', Value: '2' },
            { Name: 'STREAMPLANE_TABLE_NAME', Value: 'table' },
          ],
        }),
      ],
    });
  });

  it('scales on CPU between the configured bounds', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 5, ScalableDimension: 'ecs:service:DesiredCount' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        ScaleInCooldown: 300,
      }),
    });
  });

  it('scales on the fleet\'s used stream capacity (the ingest\'s own gauge), with headroom', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 70,
        CustomizedMetricSpecification: { Namespace: 'Streamplane', MetricName: 'stream_capacity_used_percent', Dimensions: [{ Name: 'service', Value: 'ingest' }], Statistic: 'Average' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      }),
    });
  });

  it('lets a task change its own scale-in protection and learn whether a deploy replaced it, on this cluster only', () => {
    const statements = statementsOf(template, stack, ingest.taskDefinition.taskRole);
    assert.deepEqual(statements.map((s) => actionsOf(s)), [['ecs:DescribeTasks', 'ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'], ['ecs:DescribeServices']]);
    const arnOf = (kind: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${kind}/`, { Ref: id(network.cluster) }, '/*']],
    });
    assert.deepEqual(statements.map((s) => s.Resource), [arnOf('task'), arnOf('service')]);
  });

  it('health-checks targets over HTTP on the app\'s self-check (as the container health check), not TCP, and never cuts live publishers itself', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: '8081',
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200' },
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'target_health_state.unhealthy.connection_termination.enabled', Value: 'false' }]),
    });
    // The NLB (and only the NLB) reaches the health port; the app listens on the task's address for it.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 8081,
      ToPort: 8081,
      SourceSecurityGroupId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['GroupId']) }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { FromPort: 8081, ToPort: 8081, IpProtocol: 'tcp' });
  });

  it('bounds a drain to fit the stop timeout', () => {
    const cluster = new PlaneNetwork(testStack(), 'N').cluster;
    assert.throws(() => new IngestService(cluster.stack, 'I', { cluster, drainSeconds: 90, allowedCidrs: ['0.0.0.0/0'], environment: {} }), /drainSeconds must be a whole number from 5 to 60 .* got 90/);
  });

  it('refuses bounds that cannot scale', () => {
    assert.throws(
      () => new IngestService(testStack(), 'I', { cluster: new PlaneNetwork(testStack(), 'N').cluster, minTasks: 3, maxTasks: 2, allowedCidrs: ['0.0.0.0/0'], environment: {} }),
      /1 <= minTasks <= maxTasks .* got minTasks=3, maxTasks=2/,
    );
  });
});

describe('IngestFailover', () => {
  it('routes STOPPED tasks of this service from the default bus into its queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: {
          clusterArn: [{ 'Fn::GetAtt': [id(network.cluster), 'Arn'] }],
          group: [{ 'Fn::Join': ['', ['service:', { 'Fn::GetAtt': [id(ingest.service), 'Name'] }]] }],
          lastStatus: ['STOPPED'],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(failover.taskEvents.queue), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(failover.taskEvents.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('sweeps heartbeats and reconnect deadlines every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(failover.handler.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  it('is configured with the table, the bus and the staleness threshold', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ TABLE_NAME: { Ref: id(table.table) }, EVENT_BUS_NAME: { Ref: id(bus) }, HEARTBEAT_STALE_SECONDS: '60' }),
      },
    });
  });

  it('may touch stream state, heartbeats, deadlines, the bus and its queue, and nothing else', () => {
    const statements = statementsOf(template, stack, failover.handler.role);
    const actions = statements.flatMap((s) => actionsOf(s)).sort();
    assert.deepEqual([...new Set(actions)], [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    const events = statements.find((s) => actionsOf(s).includes('events:PutEvents'));
    assert.deepEqual(events?.Resource, { 'Fn::GetAtt': [id(bus), 'Arn'] });
  });
});

describe('IngestService with SRT and MPEG-TS push', () => {
  function buildWith(certificateArn?: string) {
    const s = testStack();
    const net = new PlaneNetwork(s, 'Network');
    const svc = new IngestService(s, 'Ingest', {
      cluster: net.cluster,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-bookworm-slim'),
      allowedCidrs: ['0.0.0.0/0'],
      environment: {},
      srtIngest: true,
      httpIngest: true,
      ...(certificateArn ? { certificateArn } : {}),
    });
    return { svc, t: Template.fromStack(s) };
  }

  it('listens for SRT on UDP 9000 and MPEG-TS push on TCP 8080, each forwarded to the tasks on the same port', () => {
    const { svc, t } = buildWith();
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9000, Protocol: 'UDP' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8080, Protocol: 'TCP' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 9000, Protocol: 'UDP', TargetType: 'ip', HealthCheckProtocol: 'TCP', HealthCheckPort: '1935' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8080, Protocol: 'TCP', TargetType: 'ip' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          PortMappings: [Match.objectLike({ ContainerPort: 1935 }), Match.objectLike({ ContainerPort: 9000, Protocol: 'udp' }), Match.objectLike({ ContainerPort: 8080, Protocol: 'tcp' })],
          Environment: Match.arrayWith([{ Name: 'STREAMPLANE_SRT_PORT', Value: '9000' }, { Name: 'STREAMPLANE_HTTP_PORT', Value: '8080' }]),
        }),
      ],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'udp', FromPort: 9000, ToPort: 9000 });
    assert.match(JSON.stringify(Stack_resolve(svc.srtServerUrl)), /srt:\/\//);
    assert.match(JSON.stringify(Stack_resolve(svc.httpIngestBaseUrl)), /http:\/\/.*:8080\/ingest/);
  });

  it('serves MPEG-TS push over TLS on 8443 instead of plain 8080 when a certificate is given', () => {
    const { svc, t } = buildWith(CERT);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8443, Protocol: 'TLS', Certificates: [{ CertificateArn: CERT }] });
    const plain = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::Listener')).filter((l) => l.Properties.Port === 8080);
    assert.equal(plain.length, 0);
    assert.match(JSON.stringify(Stack_resolve(svc.httpIngestBaseUrl)), /https:\/\/.*:8443\/ingest/);
  });
});

function Stack_resolve(value: string | undefined): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value).replace(/\$\{Token\[[^\]]+\]\}/g, 'TOKEN'));
}
