/**
 * Event wiring: a rule routes plane events into a consumer's queue, which has a dead-letter queue (also
 * the rule's own DLQ for undeliverable events), encryption, TLS-only access, a visibility timeout of six
 * times the consumer's timeout, and alarms on dead letters and on message age. Work queues (the plane's
 * own messages) have the same guarantees, may share a consumer's dead-letter queue, and grant the
 * narrowest SQS actions.
 */
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventConsumer } from '../../lib/constructs/event-consumer';
import { RoutedQueue } from '../../lib/constructs/routed-queue';
import { WorkQueue } from '../../lib/constructs/work-queue';
import { FIXTURE_ENTRY, statementsOf, testStack } from './support';

const stack = testStack();
const bus = new events.EventBus(stack, 'Bus');
const routed = new RoutedQueue(stack, 'Routed', {
  eventBus: bus,
  eventPattern: { source: ['streamplane'], detailType: ['stream.ended'] },
  description: 'test',
  consumerTimeout: Duration.seconds(20),
  maxReceiveCount: 3,
});
const consumer = new EventConsumer(stack, 'Consumer', {
  entry: FIXTURE_ENTRY,
  serviceName: 'test-consumer',
  description: 'consumes everything',
  eventBus: bus,
  timeout: Duration.seconds(45),
});
const delayed = new EventConsumer(stack, 'Delayed', {
  entry: FIXTURE_ENTRY,
  serviceName: 'delayed-consumer',
  description: 'consumes ended streams a minute late, ten at a time',
  eventBus: bus,
  eventTypes: ['stream.ended'],
  timeout: Duration.seconds(50),
  deliveryDelay: Duration.seconds(60),
  maxConcurrency: 10,
});
// A work queue sharing the consumer's dead-letter queue, and one with its own.
const retries = new WorkQueue(stack, 'Retries', {
  visibilityTimeout: Duration.minutes(6),
  deadLetterQueue: consumer.inbox.deadLetterQueue,
  maxReceiveCount: 5,
  maxMessageAge: Duration.minutes(30),
  purpose: 'retries',
});
retries.consumeWith(consumer.handler.function, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), maxConcurrency: 4 });
const jobs = new WorkQueue(stack, 'Jobs', { visibilityTimeout: Duration.minutes(40), maxReceiveCount: 3, maxMessageAge: Duration.hours(1), purpose: 'jobs' });
const sender = new iam.Role(stack, 'Sender', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
const worker = new iam.Role(stack, 'Worker', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
retries.grantSend(sender);
jobs.grantConsume(worker);
const template = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('RoutedQueue', () => {
  it('gives every queue a dead-letter queue (and dead-letter queues need none)', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const deadLetterArns = new Set(
      Object.values(queues)
        .map((q) => JSON.stringify((q.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn))
        .filter((arn) => arn !== undefined),
    );
    for (const [logicalId, queue] of Object.entries(queues)) {
      const isDeadLetterQueue = deadLetterArns.has(JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
      assert.ok(isDeadLetterQueue || queue.Properties?.RedrivePolicy, `${logicalId} has no dead-letter queue`);
    }
    // Routed, Consumer and Delayed (queue + DLQ each), Retries (shares Consumer's DLQ), Jobs (queue + DLQ).
    assert.equal(Object.keys(queues).length, 9);
  });

  it('redrives after the configured receives, with a visibility timeout of six consumer timeouts', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 120,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(routed.deadLetterQueue), 'Arn'] }, maxReceiveCount: 3 },
    });
  });

  it('encrypts and refuses non-TLS access on every queue', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    for (const queue of [routed.queue, routed.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id(queue) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('routes the pattern from the bus into the queue, dead-lettering what it cannot deliver', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(bus) },
      EventPattern: { source: ['streamplane'], 'detail-type': ['stream.ended'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(routed.queue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(routed.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
    // Only this rule may send into the queue.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(routed.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [id(routed.rule), 'Arn'] } } } }),
        ]),
      },
    });
  });

  it('alarms on any dead letter and on messages waiting too long', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(routed.deadLetterQueue), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(routed.queue), 'QueueName'] } }],
      Threshold: 900,
    });
  });

  it('refuses a consumer timeout SQS cannot cover', () => {
    assert.throws(
      () => new RoutedQueue(testStack(), 'Q', { eventBus: bus, eventPattern: { source: ['x'] }, description: 'd', consumerTimeout: Duration.hours(3) }),
      /visibility timeout over SQS's 12 hours/,
    );
  });
});

describe('EventConsumer', () => {
  it('receives every plane event when no types are named', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['streamplane'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(consumer.inbox.queue), 'Arn'] } })],
    });
  });

  it('reads its queue with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(consumer.inbox.queue), 'Arn'] },
      FunctionName: { Ref: id(consumer.handler.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 270 });
  });

  it('can hold every event back before its consumer sees it, and cap concurrent invocations', () => {
    const queue = template.toJSON().Resources[id(delayed.inbox.queue)].Properties;
    assert.equal(queue.DelaySeconds, 60);
    assert.equal(queue.VisibilityTimeout, 300);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(delayed.inbox.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    assert.equal(template.toJSON().Resources[id(consumer.inbox.queue)].Properties.DelaySeconds, undefined);
  });

  it('refuses an empty list of event types', () => {
    assert.throws(() => new EventConsumer(testStack(), 'C', { entry: FIXTURE_ENTRY, serviceName: 'c', description: 'd', eventBus: bus, eventTypes: [] }), /eventTypes is empty/);
  });
});

describe('WorkQueue', () => {
  it('redrives into a shared dead-letter queue, encrypted and TLS-only, with the given visibility and retention', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 345600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(consumer.inbox.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(retries.queue) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    assert.equal(retries.deadLetterAlarm, undefined, 'the owner of a shared dead-letter queue alarms on it');
  });

  it('is consumed with partial batch failures and a concurrency cap', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(retries.queue), 'Arn'] },
      FunctionName: { Ref: id(consumer.handler.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('alarms when the oldest message is older than its own threshold, and on dead letters it owns', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(retries.queue), 'QueueName'] } }],
      Threshold: 1800,
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 2400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(jobs.deadLetterQueue), 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(jobs.deadLetterQueue), 'QueueName'] } }],
      Threshold: 0,
    });
    assert.equal(jobs.alarms.length, 2);
  });

  it('grants senders SendMessage only, and a polling consumer receive, delete and visibility changes only', () => {
    assert.deepEqual(statementsOf(template, stack, sender), [{ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(retries.queue), 'Arn'] } }]);
    assert.deepEqual(statementsOf(template, stack, worker), [
      { Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(jobs.queue), 'Arn'] } },
    ]);
  });

  it('refuses a visibility timeout SQS cannot hold, and a concurrency cap Lambda refuses', () => {
    assert.throws(() => new WorkQueue(testStack(), 'Q', { visibilityTimeout: Duration.hours(13), purpose: 'p' }), /visibilityTimeout must be from 1 second to 12 hours/);
    assert.throws(() => jobs.consumeWith(consumer.handler.function, { maxConcurrency: 1 }), /maxConcurrency must be a whole number from 2 to 1000/);
    assert.throws(
      () => new RoutedQueue(testStack(), 'R', { eventBus: bus, eventPattern: { source: ['x'] }, description: 'd', deliveryDelay: Duration.minutes(16) }),
      /deliveryDelay must be from 0 to 15 minutes/,
    );
  });
});
