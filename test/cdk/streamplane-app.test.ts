/**
 * The whole app as `cdk synth` builds it: cdk-nag's AwsSolutions pack finds nothing unacknowledged (with
 * the defaults and with every option on), every acknowledgment says why, the pieces are wired to each
 * other with least privilege, and one snapshot of the template (asset hashes stripped) guards against
 * unintended changes. Refresh the snapshot with UPDATE_SNAPSHOTS=1 after an intended change.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { actionsOf, availableEntries, statementsOf, stripAssetHashes, synthApp, type NagViolation } from './support';

const SNAPSHOT = join(dirname(fileURLToPath(import.meta.url)), '__snapshots__', 'streamplane.template.json');
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc';

const defaults = synthApp();
const { stack } = defaults;
const template = Template.fromJSON(defaults.template);
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

const showViolations = (violations: NagViolation[]) => violations.map((v) => `${v.rule} at ${v.paths.join(', ')}: ${v.description}`).join('\n');

describe('the Streamplane app', () => {
  it('passes the cdk-nag AwsSolutions checks with the default configuration', () => {
    assert.deepEqual(defaults.violations, [], showViolations(defaults.violations));
  });

  it('passes them with every option on (RTMPS, narrow ingest ranges, destroy, alarm email, explicit env)', () => {
    const everything = synthApp({
      certificateArn: CERT,
      ingestDomainName: 'ingest.example.com',
      ingestAllowedCidrs: '203.0.113.0/24,198.51.100.7/32',
      removalPolicy: 'destroy',
      alarmEmail: 'ops@example.com',
      account: '123456789012',
      region: 'eu-west-1',
      ingestArchitecture: 'x86_64',
    });
    assert.deepEqual(everything.violations, [], showViolations(everything.violations));
    const t = Template.fromJSON(everything.template);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'TLS', Certificates: [{ CertificateArn: CERT }] });
    t.hasOutput('RtmpsIngestUrl', { Value: 'rtmps://ingest.example.com:443/live' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RTMP_SERVER_URL: 'rtmps://ingest.example.com:443/live' }) },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' } });
  });

  it('gives every acknowledged finding a specific written reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })));
    const nag = acknowledged.flatMap(({ path, data }) => Object.entries(data).filter(([rule]) => rule.includes('AwsSolutions')).map(([rule, reason]) => ({ path, rule, reason })));
    assert.ok(nag.length > 0);
    for (const { path, rule, reason } of nag) {
      assert.ok(reason.length >= 60, `${rule} at ${path} has no specific reason: "${reason}"`);
      // Wildcard acknowledgments name the resource they cover, never the whole rule.
      if (rule.includes('IAM5')) assert.match(rule, /IAM5\[Resource::/);
    }
    assert.ok(!nag.some(({ rule }) => /IAM4|IAM5\[Action/.test(rule)), 'no managed policies or wildcard actions are acknowledged');
  });

  it('matches the snapshot (asset hashes stripped)', () => {
    const actual = `${JSON.stringify(stripAssetHashes(defaults.template), null, 2)}\n`;
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) {
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(SNAPSHOT, actual);
    }
    assert.equal(actual, readFileSync(SNAPSHOT, 'utf8'), 'the template changed; if intended, rerun with UPDATE_SNAPSHOTS=1');
  });

  it('deploys every Lambda from an existing handler module', { todo: availableEntries().missing.length ? `handlers not written yet: ${availableEntries().missing.join(', ')}` : false }, () => {
    assert.deepEqual(availableEntries().missing, []);
  });
});

describe('wiring and least privilege', () => {
  const roleOf = (fn: { role: unknown }) => fn.role as never;

  it('connects the NLB listener on 1935 to the Fargate ingest service', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 1935,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id(stack.ingest.targetGroup) } }],
    });
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [{ ContainerName: 'ingest', ContainerPort: 1935, TargetGroupArn: { Ref: id(stack.ingest.targetGroup) } }] });
  });

  it('tells the ingest where everything is, and nothing secret', () => {
    const container = (Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: unknown }> }>)[0];
    const env = Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
    assert.deepEqual(Object.keys(env).sort(), [
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
      'STREAMPLANE_DATA_DIR',
      'STREAMPLANE_EVENT_BUS_NAME',
      'STREAMPLANE_HEARTBEAT_SECONDS',
      'STREAMPLANE_LADDER',
      'STREAMPLANE_LOG_FORMAT',
      'STREAMPLANE_MEDIA_BUCKET',
      'STREAMPLANE_MODE',
      'STREAMPLANE_PLAYBACK_BASE_URL',
      'STREAMPLANE_PUBLISH_AUTH_FUNCTION',
      'STREAMPLANE_RTMP_PORT',
      'STREAMPLANE_SEGMENT_SECONDS',
      'STREAMPLANE_TABLE_NAME',
      'TMPDIR',
    ]);
    assert.deepEqual(env.STREAMPLANE_MEDIA_BUCKET, { Ref: id(stack.media.bucket) });
    assert.deepEqual(env.STREAMPLANE_PUBLISH_AUTH_FUNCTION, { Ref: id(stack.publishAuth.function) });
    assert.equal(env.STREAMPLANE_LADDER, '1080,720,480,360');
    assert.equal(env.STREAMPLANE_SEGMENT_SECONDS, '2');
  });

  it('lets the ingest write media under live/ and recordings/ only, invoke publish auth only, and put events on the bus', () => {
    const statements = statementsOf(template, stack, stack.ingest.taskDefinition.taskRole);
    const bucketArn = { 'Fn::GetAtt': [id(stack.media.bucket), 'Arn'] };
    const s3Objects = statements.find((s) => actionsOf(s).includes('s3:PutObject'));
    assert.deepEqual(actionsOf(s3Objects ?? {}), ['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    assert.deepEqual(s3Objects?.Resource, [
      { 'Fn::Join': ['', [bucketArn, '/live/*']] },
      { 'Fn::Join': ['', [bucketArn, '/recordings/*']] },
    ]);
    const invoke = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));
    assert.deepEqual(invoke, [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(stack.publishAuth.function), 'Arn'] } }]);
    const events = statements.filter((s) => actionsOf(s).includes('events:PutEvents'));
    assert.deepEqual(events.map((s) => s.Resource), [{ 'Fn::GetAtt': [id(stack.eventBus), 'Arn'] }]);
    assert.ok(!statements.some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:') || a.startsWith('sqs:'))));
  });

  it('lets the auth hook read the registry (and move its own session), nothing else', () => {
    const statements = statementsOf(template, stack, roleOf(stack.publishAuth));
    const services = new Set(statements.flatMap((s) => actionsOf(s).map((a) => a.split(':')[0])));
    assert.deepEqual([...services].sort(), ['dynamodb', 'events', 'logs']);
    for (const s of statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))) {
      assert.deepEqual(s.Resource, { 'Fn::GetAtt': [id(stack.table.table), 'Arn'] });
      assert.ok(JSON.stringify(s.Condition).match(/"(KEY|STREAM|SEQ)#\*"/), 'confined to key, stream and sequence items');
    }
  });

  it('lets only the two API functions read the API token secret', () => {
    const readers = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'))
      .map(([, p]) => JSON.stringify(p.Properties.Roles));
    assert.deepEqual(readers.sort(), [JSON.stringify([{ Ref: id(stack.streamRegistry.role) }]), JSON.stringify([{ Ref: id(stack.webhooksApi.role) }])].sort());
  });

  it('gives every queue of the plane a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const deadLetterTargets = new Set(Object.values(queues).map((q) => JSON.stringify((q.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn)));
    for (const [logicalId, queue] of Object.entries(queues)) {
      const isDlq = deadLetterTargets.has(JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
      assert.ok(isDlq || queue.Properties?.RedrivePolicy, `${logicalId} has no dead-letter queue`);
    }
  });

  it('keeps the DynamoDB table recoverable and the media bucket private', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  it('runs every function on nodejs24.x arm64 and alarms on its errors', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    assert.equal(Object.keys(functions).length, 7);
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    const alarmed = new Set(
      Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' } })).map((a) =>
        JSON.stringify((a.Properties.Dimensions as Array<{ Value: unknown }>)[0]?.Value),
      ),
    );
    for (const logicalId of Object.keys(functions)) assert.ok(alarmed.has(JSON.stringify({ Ref: logicalId })), `${logicalId} has no error alarm`);
  });

  it('sends every alarm to the alarm topic and shows the ingest metrics on the dashboard', () => {
    const topic = { Ref: id(stack.monitoring.alarmTopic) };
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) assert.deepEqual(alarm.Properties.AlarmActions, [topic]);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);
    for (const metric of ['publish_accepted', 'publish_rejected', 'live_streams', 'transcoder_restarts', 'segment_upload_latency']) assert.ok(body.includes(metric), `dashboard lacks ${metric}`);
  });

  it('outputs the ingest endpoint, the API and how to get its token, and the playback domain', () => {
    for (const name of ['RtmpIngestUrl', 'IngestLoadBalancerDns', 'ApiUrl', 'ApiTokenCommand', 'PlaybackDomain', 'AlarmTopicArn']) template.hasOutput(name, {});
    template.hasOutput('RtmpIngestUrl', { Value: { 'Fn::Join': ['', ['rtmp://', { 'Fn::GetAtt': [id(stack.ingest.loadBalancer), 'DNSName'] }, ':1935/live']] } });
  });
});
