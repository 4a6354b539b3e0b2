/**
 * The producer of 24/7 channel jobs (lambdas/channel-jobs): an EventConsumer on the events after which a
 * channel may have no player (stream created, updated, enabled, ended), plus a scheduled sweep of every
 * stream with a fallback (covers a job lost from the queue or dead-lettered). What it reads and where it
 * sends is granted by the stack: streams, media and output leases read-only, `sqs:SendMessage` on ChannelJobs.
 *
 * Must never: grant itself anything, or subscribe to more events than its triggers.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CHANNEL_JOB_TRIGGERS } from '../../core/channels/channel-job-producer';
import { EventConsumer } from './event-consumer';

export interface ChannelJobProducerProps {
  readonly entry: string;
  readonly eventBus: events.IEventBus;
  readonly environment: Record<string, string>;
  /** How often every channel is checked. @default Duration.minutes(1) */
  readonly sweepInterval?: Duration;
  readonly logRetention?: logs.RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export class ChannelJobProducer extends Construct {
  readonly consumer: EventConsumer;
  readonly sweepRule: events.Rule;

  constructor(scope: Construct, id: string, props: ChannelJobProducerProps) {
    super(scope, id);
    const sweepInterval = props.sweepInterval ?? Duration.minutes(1);
    if (sweepInterval.toSeconds() < 60 || sweepInterval.toSeconds() % 60 !== 0) {
      throw new Error(`ChannelJobProducer ${this.node.path}: sweepInterval must be whole minutes (EventBridge rates), got ${sweepInterval.toHumanString()}.`);
    }
    this.consumer = new EventConsumer(this, 'Events', {
      entry: props.entry,
      serviceName: 'channel-jobs',
      description: 'Queues 24/7 channel jobs for streams with a fallback that nobody plays',
      eventBus: props.eventBus,
      eventTypes: [...CHANNEL_JOB_TRIGGERS],
      environment: props.environment,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    this.sweepRule = new events.Rule(this, 'Sweep', {
      description: 'Queues a channel job for every stream with a fallback that nobody plays',
      schedule: events.Schedule.rate(sweepInterval),
      // A missed run is covered by the next one.
      targets: [new targets.LambdaFunction(this.consumer.handler.function, { retryAttempts: 0 })],
    });
  }
}
