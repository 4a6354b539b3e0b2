/**
 * MP4 exports off the live ingest (lib/constructs/mp4-export-worker.ts): a task definition of its own
 * (the ingest image, the export command, a remux-sized task, no ports), a role that reads recordings/ and
 * writes only `recording.mp4` keys and REC# items, an egress-only security group, and a dispatcher on the
 * export queue allowed to RunTask that one task definition in that one cluster and to pass only its roles;
 * the export tasks' STOPPED events routed to the export-stopped function, which may only keep REC# items.
 */
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessLogBucket } from '../../lib/constructs/access-log-bucket';
import { MediaBucket } from '../../lib/constructs/media-bucket';
import { Mp4ExportWorker, EXPORT_CONTAINER_NAME } from '../../lib/constructs/mp4-export-worker';
import { PlaneNetwork } from '../../lib/constructs/plane-network';
import { StreamTable } from '../../lib/constructs/stream-table';
import { WorkQueue } from '../../lib/constructs/work-queue';
import { actionsOf, FIXTURE_ENTRY, statementsOf, testStack } from './support';

const stack = testStack();
const accessLogs = new AccessLogBucket(stack, 'AccessLogs', { retentionDays: 14 });
const media = new MediaBucket(stack, 'Media', { accessLogBucket: accessLogs.bucket });
const table = new StreamTable(stack, 'Table');
const network = new PlaneNetwork(stack, 'Network');
const jobs = new WorkQueue(stack, 'Jobs', { visibilityTimeout: Duration.minutes(3), maxReceiveCount: 3, purpose: 'MP4 exports' });
const worker = new Mp4ExportWorker(stack, 'Exports', {
  cluster: network.cluster,
  jobs,
  table,
  media,
  dispatchEntry: FIXTURE_ENTRY,
  stoppedEntry: FIXTURE_ENTRY,
  image: ecs.ContainerImage.fromRegistry('example.invalid/streamplane-ingest:test'),
});
const template = Template.fromStack(stack);

const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const getAtt = (c: { node: { defaultChild?: unknown } }, attr = 'Arn') => ({ 'Fn::GetAtt': [logicalId(c), attr] });
const bucketArn = getAtt(media.bucket);
const tableArn = getAtt(table.table);
const grantsOf = (role: unknown) => statementsOf(template, stack, role as never).map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition }));
const recItems = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REC#*'] } };

describe('Mp4ExportWorker', () => {
  it('defines an export task of its own: the ingest image running export-main.ts, 1 vCPU / 2 GiB, read-only root, scratch volume, no ports, its own logs', () => {
    const defs = template.findResources('AWS::ECS::TaskDefinition');
    assert.equal(Object.keys(defs).length, 1);
    const def = Object.values(defs)[0]?.Properties;
    assert.equal(def?.Cpu, '1024');
    assert.equal(def?.Memory, '2048');
    assert.deepEqual(def?.RuntimePlatform, { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    const [container, ...others] = def?.ContainerDefinitions as Array<Record<string, unknown>>;
    assert.equal(others.length, 0);
    assert.equal(container?.Name, EXPORT_CONTAINER_NAME);
    assert.deepEqual(container?.Command, ['node', '--import', 'tsx', 'containers/ingest/src/export-main.ts']);
    assert.equal(container?.ReadonlyRootFilesystem, true);
    assert.equal(container?.PortMappings, undefined);
    assert.deepEqual(container?.MountPoints, [{ ContainerPath: '/scratch', ReadOnly: false, SourceVolume: 'scratch' }]);
    const env = Object.fromEntries((container?.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));
    assert.deepEqual(env, {
      STREAMPLANE_MEDIA_BUCKET: { Ref: logicalId(media.bucket) },
      STREAMPLANE_TABLE_NAME: { Ref: logicalId(table.table) },
      STREAMPLANE_DATA_DIR: '/scratch/data',
      TMPDIR: '/scratch/tmp',
      STREAMPLANE_EXPORT_TIMEOUT_SECONDS: '1800',
    });
    assert.deepEqual((container?.LogConfiguration as { Options: Record<string, unknown> }).Options['awslogs-group'], { Ref: logicalId(worker.logGroup) });
  });

  it('lets the export task read recordings/ (objects and the listing), put only recording.mp4 keys, and keep REC# items — nothing else', () => {
    assert.deepEqual(grantsOf(worker.taskDefinition.taskRole), [
      { actions: ['s3:GetObject'], resource: { 'Fn::Join': ['', [bucketArn, '/recordings/*']] }, condition: undefined },
      { actions: ['s3:ListBucket'], resource: bucketArn, condition: { StringLike: { 's3:prefix': ['recordings/*'] } } },
      { actions: ['s3:PutObject'], resource: { 'Fn::Join': ['', [bucketArn, '/recordings/*/recording.mp4']] }, condition: undefined },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: recItems },
    ]);
  });

  it('gives the export task HTTPS out and nothing in', () => {
    const sg = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('MP4 export') } });
    const props = Object.values(sg)[0]?.Properties;
    assert.deepEqual(props?.SecurityGroupEgress, [{ CidrIp: '0.0.0.0/0', Description: 'HTTPS to AWS APIs', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]);
    assert.equal(props?.SecurityGroupIngress, undefined);
  });

  it('runs the dispatcher on the export queue with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(jobs.queue),
      FunctionName: { Ref: logicalId(worker.dispatcher.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(worker.dispatcher.function)]?.Properties;
    assert.ok(3 * 60 >= 6 * (fn?.Timeout as number), 'the queue visibility covers six dispatcher timeouts');
  });

  it('tells the dispatcher the cluster, task definition, container, public subnets, security group and receive count', () => {
    const vars = template.findResources('AWS::Lambda::Function')[logicalId(worker.dispatcher.function)]?.Properties.Environment.Variables as Record<string, unknown>;
    const subnets = network.vpc.publicSubnets.map((s) => ({ Ref: logicalId(s as never) }));
    assert.deepEqual(vars.EXPORT_CLUSTER_ARN, getAtt(network.cluster));
    assert.deepEqual(vars.EXPORT_TASK_DEFINITION_ARN, { Ref: logicalId(worker.taskDefinition) });
    assert.equal(vars.EXPORT_CONTAINER_NAME, EXPORT_CONTAINER_NAME);
    assert.deepEqual(vars.EXPORT_SUBNET_IDS, { 'Fn::Join': ['', subnets.flatMap((s, i) => (i === 0 ? [s] : [',', s]))] });
    assert.deepEqual(vars.EXPORT_SECURITY_GROUP_IDS, getAtt(worker.securityGroup, 'GroupId'));
    assert.equal(vars.MAX_RECEIVE_COUNT, '3');
    assert.deepEqual(vars.TABLE_NAME, { Ref: logicalId(table.table) });
  });

  it('lets the dispatcher RunTask only the export task definition in this cluster, pass only its two roles to ECS tasks, and mark REC# items', () => {
    const grants = grantsOf(worker.dispatcher.role).filter((g) => !g.actions.every((a) => a.startsWith('logs:')));
    assert.deepEqual(grants, [
      { actions: ['ecs:RunTask'], resource: { Ref: logicalId(worker.taskDefinition) }, condition: { ArnEquals: { 'ecs:cluster': getAtt(network.cluster) } } },
      {
        actions: ['iam:PassRole'],
        resource: [getAtt(worker.taskDefinition.executionRole as never), getAtt(worker.taskDefinition.taskRole as never)],
        condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: recItems },
      { actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resource: getAtt(jobs.queue), condition: undefined },
    ]);
  });

  it('routes the export tasks\' STOPPED events (this cluster, started by the dispatcher) to the export-stopped function, which may only keep REC# items', () => {
    const stopped = worker.stoppedHandler;
    const stops = worker.taskStops;
    assert.ok(stopped && stops);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { clusterArn: [getAtt(network.cluster)], startedBy: ['streamplane-mp4-export'], lastStatus: ['STOPPED'] },
      },
      Targets: Match.arrayWith([Match.objectLike({ Arn: getAtt(stops.queue) })]),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(stops.queue),
      FunctionName: { Ref: logicalId(stopped.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const vars = template.findResources('AWS::Lambda::Function')[logicalId(stopped.function)]?.Properties.Environment.Variables as Record<string, unknown>;
    assert.deepEqual(vars, { ...vars, TABLE_NAME: { Ref: logicalId(table.table) }, EXPORT_CONTAINER_NAME: EXPORT_CONTAINER_NAME });
    const grants = grantsOf(stopped.role).filter((g) => !g.actions.every((a) => a.startsWith('logs:')));
    assert.deepEqual(grants, [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: recItems },
      { actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resource: getAtt(stops.queue), condition: undefined },
    ]);
  });

  it('refuses task sizes Fargate does not have, naming what was given', () => {
    const other = testStack('Other');
    const net = new PlaneNetwork(other, 'Network');
    const q = new WorkQueue(other, 'Jobs', { visibilityTimeout: Duration.minutes(3), purpose: 'x' });
    const t = new StreamTable(other, 'Table');
    const m = new MediaBucket(other, 'Media', { accessLogBucket: new AccessLogBucket(other, 'Logs', { retentionDays: 14 }).bucket });
    assert.throws(() => new Mp4ExportWorker(other, 'E', { cluster: net.cluster, jobs: q, table: t, media: m, dispatchEntry: FIXTURE_ENTRY, cpu: 3000 }), /cpu must be one of .* got 3000/);
    assert.throws(() => new Mp4ExportWorker(other, 'F', { cluster: net.cluster, jobs: q, table: t, media: m, dispatchEntry: FIXTURE_ENTRY, ephemeralStorageGiB: 5 }), /ephemeralStorageGiB .* got 5/);
  });
});
