/**
 * The media library's cloud path: bucket EventBridge notifications (no custom resource), a rule that
 * sends only `media/<id>/source` uploads of this bucket to the probe queue (with DLQ and alarms), and the
 * least-privilege grants: the API presigns PutObject under media/ (no read, no list), the probe worker
 * reads and deletes media/ keys, the table grants stay on MEDIA# items.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessLogBucket } from '../../lib/constructs/access-log-bucket';
import { MediaBucket } from '../../lib/constructs/media-bucket';
import { MediaLibrary } from '../../lib/constructs/media-library';
import { StreamTable } from '../../lib/constructs/stream-table';
import { LIBRARY_PREFIX } from '../../core/media/layout';
import { actionsOf, statementsOf, testStack } from './support';

const stack = testStack();
const logs = new AccessLogBucket(stack, 'AccessLogs', { retentionDays: 14 });
const media = new MediaBucket(stack, 'Media', { accessLogBucket: logs.bucket });
const table = new StreamTable(stack, 'Table');
const library = new MediaLibrary(stack, 'MediaLibrary', { media });
const api = new iam.Role(stack, 'Api', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
const worker = new iam.Role(stack, 'Worker', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
media.grantPresignPutUnder(api, LIBRARY_PREFIX);
media.grantDeleteKeysUnder(api, LIBRARY_PREFIX);
table.grantMediaApi(api);
media.grantReadDeleteKeysUnder(worker, LIBRARY_PREFIX);
library.grantConsumeProbes(worker);
table.grantSettleMedia(worker);
const template = Template.fromStack(stack);

const bucketId = stack.getLogicalId(media.bucket.node.defaultChild as never);
const queueId = stack.getLogicalId(library.probes.queue.node.defaultChild as never);
const mediaObjects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/media/*']] };

describe('MediaLibrary', () => {
  it('turns on EventBridge notifications as a bucket property, with no notifications custom resource', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    assert.equal(Object.keys(template.findResources('Custom::S3BucketNotifications')).length, 0);
  });

  it('routes only Object Created events of media/*/source keys of this bucket to the probe queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [{ Ref: bucketId }] }, object: { key: [{ wildcard: 'media/*/source' }] } } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } })],
    });
  });

  it('gives the probe queue a dead-letter queue after 3 receives, alarms on dead letters and age, and a visibility longer than a probe', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 900, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }), SqsManagedSseEnabled: true });
    assert.equal(library.probes.alarms.length, 2);
  });

  it('lets the API presign PUTs and delete known keys under media/ only — no read, no list — and keeps its table access to MEDIA# items, the library and the stream list', () => {
    const statements = statementsOf(template, stack, api);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    assert.deepEqual(s3.map((s) => [actionsOf(s), s.Resource]), [[['s3:DeleteObject', 's3:PutObject'], mediaObjects]]);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    assert.deepEqual(dynamo.map((s) => [actionsOf(s), s.Condition]), [
      [['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MEDIA#*'] } }],
      [['dynamodb:Query'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MEDIA', 'MEDIA#*', 'STREAMS', 'STREAMS#*'] } }],
    ]);
  });

  it('lets the probe worker read and delete media/ keys, take probe jobs, and settle MEDIA# items (stream-less sequence numbers need no counter item)', () => {
    const statements = statementsOf(template, stack, worker).map((s) => [actionsOf(s), s.Resource, s.Condition]);
    assert.deepEqual(statements, [
      [['s3:DeleteObject', 's3:GetObject'], mediaObjects, undefined],
      [['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'], { 'Fn::GetAtt': [queueId, 'Arn'] }, undefined],
      [['dynamodb:GetItem', 'dynamodb:PutItem'], { 'Fn::GetAtt': [stack.getLogicalId(table.table.node.defaultChild as never), 'Arn'] }, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['MEDIA#*'] } }],
    ]);
  });
});
