/**
 * A consumer's inbox: an EventBridge rule that routes matching events into an SQS queue, the queue's
 * dead-letter queue (for messages the consumer failed `maxReceiveCount` times, and for events the rule
 * could not deliver), and alarms on both the dead-letter depth and the age of the oldest message, so a
 * stuck consumer is noticed before its messages expire. Both queues are encrypted and TLS-only.
 *
 * Must never: create a queue without a dead-letter queue, or a visibility timeout shorter than the
 * consumer's timeout (messages would be handed out twice while still being worked on).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_DELIVERY_DELAY_SECONDS, messageAgeAlarm, sqsEventSource, type ConsumeOptions } from './work-queue';

export interface RoutedQueueProps {
  /** The bus the rule listens on. @default - the account's default bus (where AWS services put their events) */
  readonly eventBus?: events.IEventBus;
  /** Which events go into the queue. */
  readonly eventPattern: events.EventPattern;
  /** Shown on the rule. */
  readonly description: string;
  /** Timeout of the function that will consume the queue; the visibility timeout is six times it. @default Duration.seconds(30) */
  readonly consumerTimeout?: Duration;
  /** Deliveries before a message is dead-lettered. @default 5 */
  readonly maxReceiveCount?: number;
  /** Alarm when the oldest message is older than this. @default Duration.minutes(15) */
  readonly maxMessageAge?: Duration;
  /**
   * How long every message waits in the queue before its consumer may see it (at most 15 minutes), for
   * consumers that must not act on an event at once. @default - none
   */
  readonly deliveryDelay?: Duration;
}

export class RoutedQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly messageAgeAlarm: cloudwatch.Alarm;
  /** Deliveries of a message before it is dead-lettered (consumers that act on their last try need it). */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: RoutedQueueProps) {
    super(scope, id);
    const consumerTimeout = props.consumerTimeout ?? Duration.seconds(30);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    this.maxReceiveCount = maxReceiveCount;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`RoutedQueue ${this.node.path}: maxReceiveCount must be a whole number from 1 to 1000, got ${maxReceiveCount}.`);
    }
    const visibilityTimeout = Duration.seconds(consumerTimeout.toSeconds() * 6);
    if (visibilityTimeout.toSeconds() > 43200) {
      throw new Error(`RoutedQueue ${this.node.path}: consumerTimeout ${consumerTimeout.toSeconds()}s makes a visibility timeout over SQS's 12 hours; expected at most 7200s.`);
    }

    const deliveryDelay = props.deliveryDelay;
    if (deliveryDelay !== undefined && (deliveryDelay.toSeconds() < 0 || deliveryDelay.toSeconds() > MAX_DELIVERY_DELAY_SECONDS)) {
      throw new Error(`RoutedQueue ${this.node.path}: deliveryDelay must be from 0 to 15 minutes (SQS's limit), got ${deliveryDelay.toHumanString()}.`);
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      ...(deliveryDelay !== undefined ? { deliveryDelay } : {}),
    });
    this.rule = new events.Rule(this, 'Rule', {
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      eventPattern: props.eventPattern,
      description: props.description,
      targets: [
        new targets.SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `Messages of ${this.node.path} were dead-lettered: its consumer kept failing on them (or the rule could not deliver). Inspect them, fix the cause, then redrive the dead-letter queue.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.messageAgeAlarm = messageAgeAlarm(this, this.queue, props.maxMessageAge ?? Duration.minutes(15), 'its consumer');
  }

  /** Hands the queue to `fn` (which may only receive and delete its messages), with partial batch failures. */
  consumeWith(fn: lambda.IFunction, options: ConsumeOptions = {}): void {
    fn.addEventSource(sqsEventSource(this.queue, options));
  }

  /** Both alarms, for the dashboard and the alarm topic. */
  get alarms(): cloudwatch.Alarm[] {
    return [this.deadLetterAlarm, this.messageAgeAlarm];
  }
}
