/**
 * A queue the plane sends its own work to (not routed from the bus): the webhook dispatcher's retry
 * queue, the MP4 export jobs. Encrypted, TLS-only, with a dead-letter queue — its own, or one it shares
 * with another queue of the same consumer so an operator redrives one place — and an alarm on the age of
 * the oldest message (plus one on dead letters when the dead-letter queue is its own).
 *
 * Grants are the narrowest SQS actions of each role: senders get `sqs:SendMessage` only (the plane knows
 * its queue URLs, so no GetQueueUrl/GetQueueAttributes), and a consumer that is not a Lambda event source
 * gets receive, delete and visibility changes only.
 *
 * Must never: create a queue without a dead-letter queue, or a visibility timeout shorter than the work
 * its consumer does on one message (it would be handed out twice while still being worked on).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS limits (RoutedQueue checks its delivery delay against the same one). */
const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_DELIVERY_DELAY_SECONDS = 900;

export interface WorkQueueProps {
  /** How long a received message stays invisible: longer than the consumer's work on one message. */
  readonly visibilityTimeout: Duration;
  /** @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** Receives before a message is dead-lettered. @default 5 */
  readonly maxReceiveCount?: number;
  /**
   * A dead-letter queue shared with another queue of the same consumer (its alarm lives with its owner).
   * @default - a dead-letter queue of its own (14 days), with an alarm on any message in it
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Alarm when the oldest message is older than this. @default Duration.minutes(15) */
  readonly maxMessageAge?: Duration;
  /** What a stuck queue means, for the age alarm's description. */
  readonly purpose: string;
}

export interface ConsumeOptions {
  /** @default 10 */
  readonly batchSize?: number;
  /** @default Duration.seconds(1) */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent invocations the event source may run (2–1000). @default - as many as Lambda scales to */
  readonly maxConcurrency?: number;
}

/** `sqs:SendMessage` on `queue` and nothing else. */
export function grantSendOnly(queue: sqs.IQueue, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
}

/** A Lambda event source on `queue` that reports partial batch failures (the plane's only way to consume). */
/** Fires when the queue's oldest message has waited longer than `maxAge`: `consumer` is stuck or too slow. */
export function messageAgeAlarm(scope: Construct, queue: sqs.Queue, maxAge: Duration, consumer: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, 'MessageAgeAlarm', {
    alarmDescription: `The oldest message of ${scope.node.path} waits longer than ${maxAge.toHumanString()}: ${consumer} is stuck or too slow.`,
    metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: maxAge.toSeconds(),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 5,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export function sqsEventSource(queue: sqs.IQueue, options: ConsumeOptions = {}): SqsEventSource {
  const concurrency = options.maxConcurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > 1000)) {
    throw new Error(`sqsEventSource: maxConcurrency must be a whole number from 2 to 1000 (Lambda's limits for SQS), got ${concurrency}.`);
  }
  return new SqsEventSource(queue, {
    batchSize: options.batchSize ?? 10,
    maxBatchingWindow: options.maxBatchingWindow ?? Duration.seconds(1),
    reportBatchItemFailures: true,
    ...(concurrency !== undefined ? { maxConcurrency: concurrency } : {}),
  });
}

export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Set when the dead-letter queue is this construct's own. */
  readonly deadLetterAlarm?: cloudwatch.Alarm;
  readonly messageAgeAlarm: cloudwatch.Alarm;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const visibility = props.visibilityTimeout.toSeconds();
    if (visibility < 1 || visibility > MAX_VISIBILITY_SECONDS) {
      throw new Error(`WorkQueue ${this.node.path}: visibilityTimeout must be from 1 second to 12 hours, got ${props.visibilityTimeout.toHumanString()}.`);
    }
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`WorkQueue ${this.node.path}: maxReceiveCount must be a whole number from 1 to 1000, got ${maxReceiveCount}.`);
    }
    this.maxReceiveCount = maxReceiveCount;

    if (props.deadLetterQueue) {
      this.deadLetterQueue = props.deadLetterQueue;
    } else {
      const own = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      this.deadLetterQueue = own;
      this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
        alarmDescription: `Messages of ${this.node.path} were dead-lettered after ${maxReceiveCount} receives (${props.purpose}). Inspect them, fix the cause, then redrive the dead-letter queue.`,
        metric: own.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.messageAgeAlarm = messageAgeAlarm(this, this.queue, props.maxMessageAge ?? Duration.minutes(15), props.purpose);
  }

  /** Hands the queue to `fn` as an event source with partial batch failures. */
  consumeWith(fn: lambda.IFunction, options: ConsumeOptions = {}): void {
    fn.addEventSource(sqsEventSource(this.queue, options));
  }

  /** Send messages (nothing else: no receive, no queue attributes). */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    return grantSendOnly(this.queue, grantee);
  }

  /** Receive, delete and extend the visibility of messages: a consumer that polls the queue itself (not a Lambda). */
  grantConsume(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
      resourceArns: [this.queue.queueArn],
    });
  }

  /** Its alarms, for the dashboard and the alarm topic. */
  get alarms(): cloudwatch.Alarm[] {
    return this.deadLetterAlarm ? [this.deadLetterAlarm, this.messageAgeAlarm] : [this.messageAgeAlarm];
  }
}
