/**
 * The whole app as `cdk synth` builds it: cdk-nag's AwsSolutions pack finds nothing unacknowledged (with
 * the defaults and with every option on), every acknowledgment says why, the pieces are wired to each
 * other with least privilege (exact statements: actions, resources and conditions), and one snapshot of
 * the template (asset hashes stripped) guards against unintended changes. Refresh the snapshot with
 * UPDATE_SNAPSHOTS=1 after an intended change. Two synths in all: the defaults, and every option on.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PlaneFunction } from '../../lib/constructs/plane-function';
import { actionsOf, availableEntries, statementsOf, stripAssetHashes, synthApp, type NagViolation } from './support';

const SNAPSHOT = join(dirname(fileURLToPath(import.meta.url)), '__snapshots__', 'streamplane.template.json');
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc';

const defaults = synthApp();
const { stack } = defaults;
const template = Template.fromJSON(defaults.template);
const everything = synthApp({
  certificateArn: CERT,
  ingestDomainName: 'ingest.example.com',
  ingestAllowedCidrs: '203.0.113.0/24,198.51.100.7/32',
  removalPolicy: 'destroy',
  alarmEmail: 'ops@example.com',
  account: '123456789012',
  region: 'eu-west-1',
  ingestArchitecture: 'x86_64',
  recordingRetentionDays: 30,
});
/** Logical ids depend on construct paths only, so they are the same in both synths. */
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const getAtt = (construct: { node: { defaultChild?: unknown } }, attribute = 'Arn') => ({ 'Fn::GetAtt': [id(construct), attribute] });
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: id(construct) });

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (t: Record<string, unknown>) => t.Resources as Record<string, Resource>;
const lifecycleRules = (t: Record<string, unknown>) => resourcesOf(t)[id(stack.media.bucket)]?.Properties.LifecycleConfiguration.Rules as unknown[];

const tableArn = getAtt(stack.table.table);
const indexArn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });
const bucketArn = getAtt(stack.media.bucket);
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
const leadingKeys = (...patterns: string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns } });
const listing = (prefix: string) => ({ actions: ['s3:ListBucket'], resource: bucketArn, condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } });
/** What Lambda's SQS event source needs on the queues it polls (granted by CDK). */
const EVENT_SOURCE_ACTIONS = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** A role's statements reduced to what matters, in template order. */
const grantsOf = (role: unknown) =>
  statementsOf(template, stack, role as never).map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition }));

/** A function's own configuration: its environment without the variables every function or the secrets extension gets. */
function configOf(fn: PlaneFunction): Record<string, unknown> {
  const variables = resourcesOf(defaults.template)[id(fn.function)]?.Properties.Environment.Variables as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(variables).filter(([key]) => !/^(POWERTOOLS_|NODE_OPTIONS$|PARAMETERS_SECRETS_EXTENSION_|SECRETS_MANAGER_|SSM_PARAMETER_STORE_)/.test(key)),
  );
}

function eventSourceOf(queue: { node: { defaultChild?: unknown } }): Record<string, unknown> {
  const found = Object.values(resourcesOf(defaults.template)).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties.EventSourceArn) === JSON.stringify(getAtt(queue)),
  );
  assert.equal(found.length, 1, 'one event source per queue');
  const { Tags: _tags, ...properties } = found[0]?.Properties ?? {};
  return properties;
}

const showViolations = (violations: NagViolation[]) => violations.map((v) => `${v.rule} at ${v.paths.join(', ')}: ${v.description}`).join('\n');

describe('the Streamplane app', () => {
  it('passes the cdk-nag AwsSolutions checks with the default configuration', () => {
    assert.deepEqual(defaults.violations, [], showViolations(defaults.violations));
  });

  it('passes them with every option on (RTMPS, narrow ingest ranges, destroy, alarm email, explicit env, recording retention)', () => {
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
    // With a recording retention, recordings/ expires two days after it: a backstop behind the sweeper.
    assert.deepEqual(lifecycleRules(everything.template), [
      { ExpirationInDays: 1, Id: 'expire-live-segments', Prefix: 'live/', Status: 'Enabled' },
      { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Id: 'abort-incomplete-uploads', Status: 'Enabled' },
      { ExpirationInDays: 32, Id: 'expire-recordings', Prefix: 'recordings/', Status: 'Enabled' },
    ]);
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

  it('deploys every Lambda from an existing handler module', () => {
    // The synths above stand a fixture in for a missing handler so the other checks can run; this one fails.
    assert.deepEqual(availableEntries().missing, [], `handler modules missing: ${availableEntries().missing.join(', ')}`);
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
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: Match.arrayWith([{ ContainerName: 'ingest', ContainerPort: 1935, TargetGroupArn: { Ref: id(stack.ingest.targetGroup) } }]),
    });
  });

  it('opens SRT (UDP 9000) and MPEG-TS push (TCP 8080) on the NLB to the same service', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9000, Protocol: 'UDP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8080, Protocol: 'TCP' });
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0]?.Properties as { LoadBalancers: Array<{ ContainerPort: number }> };
    assert.deepEqual(service.LoadBalancers.map((l) => l.ContainerPort).sort(), [1935, 8080, 9000]);
  });

  it('tells the ingest exactly what its configuration reads (containers/ingest/src/config.ts, cloud/cloud-config.ts), and nothing secret', () => {
    const container = (Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]?.Properties.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: unknown }> }>)[0];
    const env = Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
    assert.deepEqual(env, {
      STREAMPLANE_RTMP_PORT: '1935',
      STREAMPLANE_SRT_PORT: '9000',
      STREAMPLANE_HTTP_PORT: '8080',
      STREAMPLANE_DATA_DIR: '/scratch/data',
      // Node's os.tmpdir() and ffmpeg: the root filesystem is read-only.
      TMPDIR: '/scratch/tmp',
      STREAMPLANE_LOG_FORMAT: 'json',
      // The health server on the task's address (the NLB probes /readyz), the drain bound and revision check.
      STREAMPLANE_HEALTH_CHECK_HOST: '0.0.0.0',
      STREAMPLANE_DRAIN_SECONDS: '30',
      STREAMPLANE_REVISION_CHECK_SECONDS: '30',
      // The admission budget's denominator (2048 CPU units).
      STREAMPLANE_TASK_VCPU: '2',
      STREAMPLANE_MEDIA_BUCKET: ref(stack.media.bucket),
      STREAMPLANE_TABLE_NAME: ref(stack.table.table),
      STREAMPLANE_EVENT_BUS_NAME: ref(stack.eventBus),
      STREAMPLANE_PUBLISH_AUTH_FUNCTION: ref(stack.publishAuth.function),
      STREAMPLANE_PLAYBACK_BASE_URL: { 'Fn::Join': ['', ['https://', getAtt(stack.playback.distribution, 'DomainName')]] },
      STREAMPLANE_SEGMENT_SECONDS: '2',
      STREAMPLANE_LIVE_PLAYLISTS: 'bundle',
      STREAMPLANE_SEGMENT_OBJECTS: 'round',
      STREAMPLANE_LADDER: '1080,720,480,360',
      STREAMPLANE_HEARTBEAT_SECONDS: '15',
      STREAMPLANE_CHANNEL_JOB_QUEUE_URL: ref(stack.channelJobs.queue),
      STREAMPLANE_CHANNEL_JOB_VISIBILITY_SECONDS: '30',
      STREAMPLANE_PULL_JOB_QUEUE_URL: ref(stack.pullJobs.queue),
      STREAMPLANE_PULL_JOB_VISIBILITY_SECONDS: '30',
      STREAMPLANE_MAX_PULLS: '4',
      STREAMPLANE_SIMULCAST_KMS_KEY_ARN: getAtt(stack.simulcastKeys.key),
      STREAMPLANE_MEDIA_PROBE_QUEUE_URL: ref(stack.mediaLibrary.probes.queue),
    });
  });

  it('lets the ingest write (never delete) media under live/ and recordings/, keep its sessions, recordings and monitoring reports, invoke publish auth, take channel and pull jobs (never MP4 exports), relay simulcast targets, and probe library uploads (read and delete media/ keys, settle MEDIA# items)', () => {
    assert.deepEqual(grantsOf(stack.ingest.taskDefinition.taskRole), [
      {
        actions: ['ecs:DescribeTasks', 'ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'],
        resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/', ref(stack.network.cluster), '/*']] },
        condition: undefined,
      },
      // Whether a deploy replaced this task's revision (the drain): the service's deployments, read only.
      {
        actions: ['ecs:DescribeServices'],
        resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':service/', ref(stack.network.cluster), '/*']] },
        condition: undefined,
      },
      { actions: ['s3:GetObject', 's3:PutObject'], resource: [objectsUnder('live/'), objectsUnder('recordings/')], condition: undefined },
      listing('live/'),
      listing('recordings/'),
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SEQ#*') },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('HEARTBEAT#*') },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('HEALTH#*', 'SESSION#*', 'NODE#*') },
      { actions: ['events:PutEvents'], resource: getAtt(stack.eventBus), condition: undefined },
      { actions: ['lambda:InvokeFunction'], resource: getAtt(stack.publishAuth.function), condition: undefined },
      // 24/7 channel, pull and media-probe jobs: one statement, the three queues (MP4 exports run in tasks of their own).
      { actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'], resource: [getAtt(stack.channelJobs.queue), getAtt(stack.mediaLibrary.probes.queue), getAtt(stack.pullJobs.queue)], condition: undefined },
      // The output lease: which task writes a stream's playlists (read, conditional replace; never delete).
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('LEASE#*') },
      // Simulcast relays: list a live stream's targets and write their status (never create or delete them), decrypt their keys.
      { actions: ['dynamodb:Query', 'dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SIMULCAST#*') },
      { actions: ['kms:Decrypt'], resource: getAtt(stack.simulcastKeys.key), condition: { StringEquals: { 'kms:EncryptionContext:streamplane': 'simulcast-key' } } },
      { actions: ['s3:DeleteObject', 's3:GetObject'], resource: objectsUnder('media/'), condition: undefined },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('MEDIA#*') },
    ]);
  });

  it('lets the auth hook read the registry (and move its own session), nothing else', () => {
    const statements = statementsOf(template, stack, roleOf(stack.publishAuth));
    const services = new Set(statements.flatMap((s) => actionsOf(s).map((a) => a.split(':')[0])));
    assert.deepEqual([...services].sort(), ['dynamodb', 'events', 'logs']);
    for (const s of statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))) {
      assert.deepEqual(s.Resource, tableArn);
      assert.ok(JSON.stringify(s.Condition).match(/"(KEY|STREAM|SEQ)#\*"/), 'confined to key, stream and sequence items');
    }
  });

  it('configures the stream registry with what it reads, including the reconnect-window default of new streams', () => {
    const env = configOf(stack.streamRegistry);
    assert.deepEqual(Object.keys(env).sort(), ['API_TOKEN_SECRET_ARN', 'DEFAULT_RECONNECT_WINDOW_SECONDS', 'EVENT_BUS_NAME', 'HTTP_INGEST_BASE_URL', 'INGEST_CELLS', 'PLAYBACK_BASE_URL', 'PULL_JOB_QUEUE_URL', 'RTMP_SERVER_URL', 'SRT_SERVER_URL', 'TABLE_NAME']);
    assert.equal(env.DEFAULT_RECONNECT_WINDOW_SECONDS, '60');
    // One cell: its NLB's name (the stream counters start with the first deploy, so a later second cell balances).
    assert.deepEqual(env.INGEST_CELLS, { 'Fn::Join': ['', ['["', getAtt(stack.ingest.loadBalancer, 'DNSName'), '"]']] });
    assert.deepEqual(env.PULL_JOB_QUEUE_URL, ref(stack.pullJobs.queue));
  });

  it('lets the control API send pull jobs (and nothing else on that queue)', () => {
    const statements = statementsOf(template, stack, roleOf(stack.streamRegistry)).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    assert.deepEqual(statements.map((s) => [actionsOf(s), s.Resource]), [[['sqs:SendMessage'], getAtt(stack.pullJobs.queue)]]);
  });

  it('lets only the six API functions read the API token secret, and only playback-auth and the edge sync the derived-token secret', () => {
    const readersOf = (secretLogicalId: string) =>
      Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue') && JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secretLogicalId}"`))
        .map(([, p]) => JSON.stringify(p.Properties.Roles));
    const secretReaders = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'))
      .map(([, p]) => JSON.stringify(p.Properties.Roles));
    const apiRoles = [stack.streamRegistry, stack.webhooksApi, stack.recordingsApi, stack.playbackApi, stack.simulcastApi, stack.mediaApi].map((fn) => JSON.stringify([ref(fn.role)]));
    const playbackRoles = [stack.playbackAuth, stack.playbackEdgeSync.handler].map((fn) => JSON.stringify([ref(fn.role)]));
    assert.deepEqual(readersOf(id(stack.apiToken)).sort(), apiRoles.sort());
    assert.deepEqual(readersOf(id(stack.playbackEdge.secret)).sort(), playbackRoles.sort());
    assert.deepEqual(secretReaders.sort(), [...apiRoles, ...playbackRoles].sort(), 'no other role reads any secret');
  });

  it('gives every queue of the plane a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const deadLetterTargets = new Set(Object.values(queues).map((q) => JSON.stringify((q.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn)));
    for (const [logicalId, queue] of Object.entries(queues)) {
      const isDlq = deadLetterTargets.has(JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
      assert.ok(isDlq || queue.Properties?.RedrivePolicy, `${logicalId} has no dead-letter queue`);
    }
  });

  it('keeps the DynamoDB table recoverable and the media bucket private, with live/ expiring and recordings kept by default', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    assert.deepEqual(lifecycleRules(defaults.template), [
      { ExpirationInDays: 1, Id: 'expire-live-segments', Prefix: 'live/', Status: 'Enabled' },
      { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Id: 'abort-incomplete-uploads', Status: 'Enabled' },
    ]);
  });

  it('runs every function on nodejs24.x arm64 and alarms on its errors', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    // Eleven plane functions of the first rounds, simulcast-api, simulcast-cleanup, media-api, ll-playlist, channel-jobs, the MP4 export dispatcher and export-stopped, and the console deployer.
    assert.equal(Object.keys(functions).length, 19);
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    const alarmed = new Set(
      Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' } })).map((a) =>
        JSON.stringify((a.Properties.Dimensions as Array<{ Value: unknown }>)[0]?.Value),
      ),
    );
    for (const logicalId of Object.keys(functions)) assert.ok(alarmed.has(JSON.stringify({ Ref: logicalId })), `${logicalId} has no error alarm`);
  });

  it('reserves concurrency for publish auth, so no other function can starve publishes (and none for the rest)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Decides whether a stream key may publish (invoked by the ingest)', ReservedConcurrentExecutions: 20 });
    const reserved = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.ReservedConcurrentExecutions !== undefined);
    assert.equal(reserved.length, 1);
  });

  it('alarms when the ingest could not publish an event after its retries (the metric the EventBridge publisher emits)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Streamplane',
      MetricName: 'event_publish_failures',
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('sends every alarm to the alarm topic and shows the ingest metrics on the dashboard as the ingest emits them', () => {
    const topic = ref(stack.monitoring.alarmTopic);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) assert.deepEqual(alarm.Properties.AlarmActions, [topic]);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);
    // Emitted with the dimension service=ingest only (rtmp-ingest.ts, session-manager.ts, live-session.ts).
    for (const metric of ['publish_accepted', 'live_streams', 'transcoder_restarts', 'segment_upload_latency']) {
      assert.ok(body.includes(`\\"Streamplane\\",\\"${metric}\\",\\"service\\",\\"ingest\\"`), `dashboard lacks ${metric} (service=ingest)`);
    }
    // publish_rejected also carries a reason dimension: only a search finds every reason.
    assert.ok(body.includes(`SEARCH('Namespace=\\\\\\"Streamplane\\\\\\" MetricName=\\\\\\"publish_rejected\\\\\\" service=\\\\\\"ingest\\\\\\"', 'Sum', 60)`), 'dashboard searches publish_rejected');
    assert.ok(!body.includes('\\"publish_rejected\\",\\"service\\"'), 'no publish_rejected metric without its reason dimension');
    // The retry queue's dead-letter queue is the dispatcher inbox's: shown once; the work queues' own ages are shown.
    assert.equal(body.split(id(stack.webhookDispatcher.inbox.deadLetterQueue)).length - 1, 1);
    for (const queue of [stack.webhookRetries.queue, stack.mp4Exports.queue, stack.mp4Exports.deadLetterQueue]) assert.ok(body.includes(id(queue)), `dashboard lacks ${queue.node.path}`);
  });

  it('outputs the ingest endpoint, the API and how to get its token, the playback domain, and the webhook redrive queues', () => {
    for (const name of ['RtmpIngestUrl', 'IngestLoadBalancerDns', 'ApiUrl', 'ApiTokenCommand', 'PlaybackDomain', 'AlarmTopicArn']) template.hasOutput(name, {});
    template.hasOutput('RtmpIngestUrl', { Value: { 'Fn::Join': ['', ['rtmp://', getAtt(stack.ingest.loadBalancer, 'DNSName'), ':1935/live']] } });
    template.hasOutput('WebhookDeadLetterQueueArn', { Value: getAtt(stack.webhookDispatcher.inbox.deadLetterQueue) });
    template.hasOutput('WebhookRetryQueueArn', { Value: getAtt(stack.webhookRetries.queue) });
  });

  it('routes /v1/webhooks… to the webhooks API, the recordings paths to the recordings API, everything else to the registry', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey as string, JSON.stringify(r.Properties.Target)] as const);
    const integrationOf = (fn: PlaneFunction) =>
      Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).find(([, r]) => JSON.stringify(r.Properties.IntegrationUri).includes(id(fn.function)))?.[0] ?? '?';
    const keysOf = (fn: PlaneFunction) => routes.filter(([, target]) => target.includes(integrationOf(fn))).map(([key]) => key).sort();
    assert.deepEqual(keysOf(stack.streamRegistry), ['$default']);
    assert.deepEqual(keysOf(stack.webhooksApi), ['ANY /v1/webhooks', 'ANY /v1/webhooks/{proxy+}']);
    assert.deepEqual(keysOf(stack.recordingsApi), ['ANY /v1/recordings', 'ANY /v1/recordings/{proxy+}', 'ANY /v1/streams/{id}/recordings']);
  });
});

describe('webhooks', () => {
  const dispatcher = stack.webhookDispatcher;
  const inbox = dispatcher.inbox;
  const retries = stack.webhookRetries;
  const queueProps = (queue: { node: { defaultChild?: unknown } }) => {
    const { Tags: _tags, ...properties } = resourcesOf(defaults.template)[id(queue)]?.Properties ?? {};
    return properties;
  };

  it('keeps retries in their own queue: SQS-encrypted, six dispatcher timeouts invisible, four days, dead-lettered with the inbox after 5 receives', () => {
    assert.deepEqual(queueProps(retries.queue), {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: getAtt(inbox.deadLetterQueue), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: Match.absent(), Timeout: 60, Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'webhook-dispatcher' }) } });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(retries.queue)],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  it('reads both lanes with the same function, in batches with partial failures and a concurrency cap', () => {
    const expected = (queue: { node: { defaultChild?: unknown } }) => ({
      EventSourceArn: getAtt(queue),
      FunctionName: ref(dispatcher.handler.function),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    assert.deepEqual(eventSourceOf(inbox.queue), expected(inbox.queue));
    assert.deepEqual(eventSourceOf(retries.queue), expected(retries.queue));
  });

  it('alarms on the retry queue only once messages wait longer than the 15-minute delay hops allow', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(retries.queue, 'QueueName') }],
      Threshold: Match.anyValue(),
      AlarmActions: [ref(stack.monitoring.alarmTopic)],
    });
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage' && JSON.stringify(a.Properties.Dimensions).includes(id(retries.queue)),
    );
    assert.ok((alarm?.Properties.Threshold as number) > 15 * 60);
  });

  it('tells the dispatcher and the webhooks API the queues their configuration reads', () => {
    assert.deepEqual(configOf(dispatcher.handler), {
      TABLE_NAME: ref(stack.table.table),
      EVENT_BUS_NAME: ref(stack.eventBus),
      WEBHOOK_RETRY_QUEUE_URL: ref(retries.queue),
      WEBHOOK_DLQ_URL: ref(inbox.deadLetterQueue),
    });
    assert.deepEqual(configOf(stack.webhooksApi), {
      TABLE_NAME: ref(stack.table.table),
      WEBHOOK_RETRY_QUEUE_URL: ref(retries.queue),
      API_TOKEN_SECRET_ARN: ref(stack.apiToken),
    });
  });

  it('lets the dispatcher keep WEBHOOK items, list endpoints (no sequence counter: its one event has no stream), send retries and dead letters, and put events', () => {
    assert.deepEqual(grantsOf(dispatcher.handler.role), [
      { actions: LOG_ACTIONS, resource: getAtt(dispatcher.handler.logGroup), condition: undefined },
      { actions: EVENT_SOURCE_ACTIONS, resource: [getAtt(inbox.queue), getAtt(retries.queue)], condition: undefined },
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('WEBHOOK*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('WEBHOOKS', 'WEBHOOKS#*') },
      { actions: ['sqs:SendMessage'], resource: [getAtt(inbox.deadLetterQueue), getAtt(retries.queue)], condition: undefined },
      { actions: ['events:PutEvents'], resource: getAtt(stack.eventBus), condition: undefined },
    ]);
  });

  it('lets the webhooks API manage WEBHOOK items, query them (table and gsi1), queue redeliveries, and read the token', () => {
    assert.deepEqual(grantsOf(stack.webhooksApi.role), [
      { actions: LOG_ACTIONS, resource: getAtt(stack.webhooksApi.logGroup), condition: undefined },
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resource: tableArn,
        condition: leadingKeys('WEBHOOK*'),
      },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('WEBHOOK*') },
      { actions: ['sqs:SendMessage'], resource: getAtt(retries.queue), condition: undefined },
      { actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resource: ref(stack.apiToken), condition: undefined },
    ]);
  });
});

describe('simulcast', () => {
  const context = { StringEquals: { 'kms:EncryptionContext:streamplane': 'simulcast-key' } };

  it('keeps stream keys under a rotating KMS key, and routes /v1/streams/{id}/simulcast-targets to the simulcast API', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: 'Streamplane: envelope encryption of simulcast target stream keys' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
    assert.ok(routes.includes('ANY /v1/streams/{id}/simulcast-targets'));
    assert.ok(routes.includes('ANY /v1/streams/{id}/simulcast-targets/{proxy+}'));
    assert.deepEqual(configOf(stack.simulcastApi), {
      TABLE_NAME: ref(stack.table.table),
      SIMULCAST_KMS_KEY_ARN: getAtt(stack.simulcastKeys.key),
      API_TOKEN_SECRET_ARN: ref(stack.apiToken),
    });
  });

  it('lets the simulcast API manage SIMULCAST# items, read stream items, only encrypt (GenerateDataKey) in its context, and read the token', () => {
    assert.deepEqual(grantsOf(stack.simulcastApi.role), [
      { actions: LOG_ACTIONS, resource: getAtt(stack.simulcastApi.logGroup), condition: undefined },
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resource: tableArn,
        condition: leadingKeys('SIMULCAST#*'),
      },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['kms:GenerateDataKey'], resource: getAtt(stack.simulcastKeys.key), condition: context },
      { actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resource: ref(stack.apiToken), condition: undefined },
    ]);
  });

  it('deletes a deleted stream\'s targets: stream.deleted routed to the cleanup consumer, which may only query and delete SIMULCAST# items (no KMS)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['streamplane'], 'detail-type': ['stream.deleted'] },
      Targets: [Match.objectLike({ Arn: getAtt(stack.simulcastCleanup.inbox.queue) })],
    });
    assert.deepEqual(configOf(stack.simulcastCleanup.handler), { TABLE_NAME: ref(stack.table.table) });
    assert.deepEqual(grantsOf(stack.simulcastCleanup.handler.role), [
      { actions: LOG_ACTIONS, resource: getAtt(stack.simulcastCleanup.handler.logGroup), condition: undefined },
      { actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resource: getAtt(stack.simulcastCleanup.inbox.queue), condition: undefined },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:Query'], resource: tableArn, condition: leadingKeys('SIMULCAST#*') },
    ]);
  });
});

describe('recordings', () => {
  const finalizer = stack.recordingFinalizer;
  const api = stack.recordingsApi;
  const exports = stack.mp4Exports;

  it('holds stream.ended back a minute in the finalizer queue (the ingest drains late uploads), keeping its dead-letter queue', () => {
    const queue = resourcesOf(defaults.template)[id(finalizer.inbox.queue)]?.Properties;
    assert.equal(queue?.DelaySeconds, 60);
    assert.deepEqual(queue?.RedrivePolicy, { deadLetterTargetArn: getAtt(finalizer.inbox.deadLetterQueue), maxReceiveCount: 5 });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['streamplane'], 'detail-type': ['stream.ended'] },
      Targets: [Match.objectLike({ Arn: getAtt(finalizer.inbox.queue), DeadLetterConfig: { Arn: getAtt(finalizer.inbox.deadLetterQueue) } })],
    });
  });

  it('tells the finalizer its bucket, playback base and the queue\'s receive count', () => {
    assert.deepEqual(configOf(finalizer.handler), {
      TABLE_NAME: ref(stack.table.table),
      EVENT_BUS_NAME: ref(stack.eventBus),
      MEDIA_BUCKET: ref(stack.media.bucket),
      PLAYBACK_BASE_URL: { 'Fn::Join': ['', ['https://', getAtt(stack.playback.distribution, 'DomainName')]] },
      MAX_RECEIVE_COUNT: String(finalizer.inbox.maxReceiveCount),
    });
  });

  it('lets the finalizer read and write recordings/ (no live/, no deletes), keep REC# items, read streams and put events', () => {
    assert.deepEqual(grantsOf(finalizer.handler.role), [
      { actions: LOG_ACTIONS, resource: getAtt(finalizer.handler.logGroup), condition: undefined },
      { actions: EVENT_SOURCE_ACTIONS, resource: getAtt(finalizer.inbox.queue), condition: undefined },
      { actions: ['s3:GetObject', 's3:PutObject'], resource: objectsUnder('recordings/'), condition: undefined },
      listing('recordings/'),
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:UpdateItem'], resource: tableArn, condition: leadingKeys('SEQ#*') },
      { actions: ['events:PutEvents'], resource: getAtt(stack.eventBus), condition: undefined },
    ]);
  });

  it('tells the recordings API its table, bucket, playback base, token and export queue', () => {
    assert.deepEqual(configOf(api), {
      TABLE_NAME: ref(stack.table.table),
      MEDIA_BUCKET: ref(stack.media.bucket),
      PLAYBACK_BASE_URL: { 'Fn::Join': ['', ['https://', getAtt(stack.playback.distribution, 'DomainName')]] },
      API_TOKEN_SECRET_ARN: ref(stack.apiToken),
      MP4_EXPORT_QUEUE_URL: ref(exports.queue),
    });
  });

  it('lets the recordings API read, mark and delete recordings with their objects (never reading media), list by stream, and queue exports', () => {
    assert.deepEqual(grantsOf(api.role), [
      { actions: LOG_ACTIONS, resource: getAtt(api.logGroup), condition: undefined },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('RECS#*') },
      { actions: ['s3:DeleteObject'], resource: objectsUnder('recordings/'), condition: undefined },
      listing('recordings/'),
      { actions: ['sqs:SendMessage'], resource: getAtt(exports.queue), condition: undefined },
      { actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resource: ref(stack.apiToken), condition: undefined },
    ]);
  });

  it('lets only the channel-jobs producer send channel jobs, reading streams, media and output leases and nothing else', () => {
    const role = stack.channelJobProducer.consumer.handler.role;
    const statements = grantsOf(role);
    assert.deepEqual(statements.filter((g) => (g.actions as string[]).some((a) => a.startsWith('dynamodb:') || a === 'sqs:SendMessage')), [
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('STREAM#*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi1'), condition: leadingKeys('STREAMS', 'STREAMS#*') },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('MEDIA#*') },
      { actions: ['dynamodb:GetItem'], resource: tableArn, condition: leadingKeys('LEASE#*') },
      { actions: ['sqs:SendMessage'], resource: getAtt(stack.channelJobs.queue), condition: undefined },
    ]);
    const senders = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('"sqs:SendMessage"') && JSON.stringify(p).includes(id(stack.channelJobs.queue)));
    assert.equal(senders.length, 1, 'one policy may send channel jobs');
  });

  it('queues 24/7 channel jobs for the ingest, encrypted, with a dead-letter queue and alarms of their own', () => {
    const queue = resourcesOf(defaults.template)[id(stack.channelJobs.queue)]?.Properties;
    assert.equal(queue?.SqsManagedSseEnabled, true);
    assert.ok(queue?.RedrivePolicy, 'a dead-letter queue');
    assert.ok(stack.channelJobs.deadLetterAlarm, 'an alarm on dead letters');
    assert.ok(stack.channelJobs.messageAgeAlarm, 'an alarm on the age of the oldest job');
  });

  it('queues MP4 exports for the dispatcher (visibility six times its timeout, as Lambda asks) with a dead-letter queue of their own', () => {
    const queue = resourcesOf(defaults.template)[id(exports.queue)]?.Properties;
    const dispatcher = resourcesOf(defaults.template)[id(stack.mp4ExportWorker.dispatcher.function)]?.Properties;
    assert.ok((queue?.VisibilityTimeout as number) >= 6 * (dispatcher?.Timeout as number), `visibility ${queue?.VisibilityTimeout}s, dispatcher timeout ${dispatcher?.Timeout}s`);
    assert.equal(queue?.SqsManagedSseEnabled, true);
    assert.deepEqual(queue?.RedrivePolicy, { deadLetterTargetArn: getAtt(exports.deadLetterQueue), maxReceiveCount: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(exports.deadLetterQueue, 'QueueName') }],
      Threshold: 0,
    });
  });
});

describe('recording retention', () => {
  const retention = everything.stack.recordingRetention as PlaneFunction;
  const withRetention = Template.fromJSON(everything.template);

  it('with recordingRetentionDays 30: a sweep function told its table, bucket and retention, run daily without retries, alarmed on errors', () => {
    assert.ok(retention, 'the function exists');
    const fn = resourcesOf(everything.template)[id(retention.function)]?.Properties;
    assert.equal(fn?.Timeout, 15 * 60);
    const { POWERTOOLS_SERVICE_NAME, ...variables } = fn?.Environment.Variables as Record<string, unknown>;
    assert.equal(POWERTOOLS_SERVICE_NAME, 'recording-retention');
    assert.deepEqual(
      Object.fromEntries(Object.entries(variables).filter(([key]) => !/^(POWERTOOLS_|NODE_OPTIONS$)/.test(key))),
      { TABLE_NAME: ref(stack.table.table), MEDIA_BUCKET: ref(stack.media.bucket), RECORDING_RETENTION_DAYS: '30' },
    );
    const rules = Object.values(withRetention.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.Targets).includes(id(retention.function)));
    assert.equal(rules.length, 1, 'one rule invokes it');
    assert.equal(rules[0]?.Properties.ScheduleExpression, 'rate(1 day)');
    assert.deepEqual(rules[0]?.Properties.Targets, [{ Arn: getAtt(retention.function), Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 0 } }]);
    withRetention.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(retention.function),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(everything.stack.recordingRetentionSchedule as never),
    });
    withRetention.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: ref(retention.function) }] });
  });

  it('lets the sweep read the settled recordings of gsi2, read, mark and delete REC# items, and list and delete under recordings/ only (never reading media)', () => {
    const grants = statementsOf(withRetention, everything.stack, retention.role).map((s) => ({ actions: actionsOf(s), resource: s.Resource, condition: s.Condition }));
    assert.deepEqual(grants, [
      { actions: LOG_ACTIONS, resource: getAtt(retention.logGroup), condition: undefined },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn, condition: leadingKeys('REC#*') },
      { actions: ['dynamodb:Query'], resource: indexArn('gsi2'), condition: leadingKeys('RECS_SETTLED', 'RECS_SETTLED#*') },
      { actions: ['s3:DeleteObject'], resource: objectsUnder('recordings/'), condition: undefined },
      listing('recordings/'),
    ]);
  });

  it('with recordingRetentionDays 0 (the default): no sweep function, schedule or permissions', () => {
    assert.equal(stack.recordingRetention, undefined);
    assert.equal(stack.recordingRetentionSchedule, undefined);
    const sweepFunctions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => (f.Properties.Environment?.Variables as Record<string, unknown> | undefined)?.POWERTOOLS_SERVICE_NAME === 'recording-retention',
    );
    assert.deepEqual(sweepFunctions, []);
    assert.deepEqual(Object.values(template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression === 'rate(1 day)'), []);
    assert.ok(!JSON.stringify(defaults.template).includes('RECS_SETTLED'), 'nobody may read the settled recordings');
  });
});
