/**
 * Event wiring: a rule routes plane events into a consumer's queue, which has a dead-letter queue (also
 * the rule's own DLQ for undeliverable events), encryption, TLS-only access, a visibility timeout of six
 * times the consumer's timeout, and alarms on dead letters and on message age.
 */
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventConsumer } from '../../lib/constructs/event-consumer';
import { RoutedQueue } from '../../lib/constructs/routed-queue';
import { FIXTURE_ENTRY, testStack } from './support';

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
    assert.equal(Object.keys(queues).length, 4);
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

  it('refuses an empty list of event types', () => {
    assert.throws(() => new EventConsumer(testStack(), 'C', { entry: FIXTURE_ENTRY, serviceName: 'c', description: 'd', eventBus: bus, eventTypes: [] }), /eventTypes is empty/);
  });
});
