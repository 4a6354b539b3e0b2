/**
 * Failover of the ingest: the failover function (lambdas/failover) with its two triggers — ECS "Task
 * State Change" events of the ingest service (task STOPPED), routed from the account's default bus
 * through a queue with a dead-letter queue, and a one-minute schedule that recovers tasks whose heartbeat
 * went stale and ends sessions whose reconnect window ran out after their task was lost. It may read and
 * move streams through their session states, keep heartbeats and reconnect deadlines, and put events on
 * the plane's bus; nothing else.
 *
 * Must never: react to tasks of other services or clusters (the rule matches this cluster and the ingest
 * cells' services).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PlaneFunction } from './plane-function';
import { RoutedQueue } from './routed-queue';
import type { StreamTable } from './stream-table';

export interface IngestFailoverProps {
  /** lambdas/failover/handler.ts */
  readonly entry: string;
  readonly cluster: ecs.ICluster;
  /** The ingest service whose tasks are watched. */
  readonly service: ecs.IService;
  /** The other ingest cells' services, watched the same way. @default - none */
  readonly additionalServices?: ReadonlyArray<ecs.IService>;
  readonly table: StreamTable;
  readonly eventBus: events.IEventBus;
  /** A heartbeat older than this marks its task lost; several heartbeat intervals. @default Duration.seconds(60) */
  readonly heartbeatStaleAfter?: Duration;
  /** How often stale heartbeats and reconnect deadlines are checked. @default Duration.minutes(1) */
  readonly sweepInterval?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export class IngestFailover extends Construct {
  readonly handler: PlaneFunction;
  readonly taskEvents: RoutedQueue;
  readonly sweepRule: events.Rule;

  constructor(scope: Construct, id: string, props: IngestFailoverProps) {
    super(scope, id);
    const staleAfter = props.heartbeatStaleAfter ?? Duration.seconds(60);
    const sweepInterval = props.sweepInterval ?? Duration.minutes(1);
    if (staleAfter.toSeconds() < 10 || staleAfter.toSeconds() > 3600) {
      throw new Error(`IngestFailover: heartbeatStaleAfter must be from 10 seconds to 1 hour, got ${staleAfter.toHumanString()}.`);
    }
    if (sweepInterval.toSeconds() < 60 || sweepInterval.toSeconds() % 60 !== 0) {
      throw new Error(`IngestFailover: sweepInterval must be whole minutes (EventBridge schedules are per minute), got ${sweepInterval.toHumanString()}.`);
    }
    const timeout = Duration.seconds(50);
    this.handler = new PlaneFunction(this, 'Handler', {
      entry: props.entry,
      serviceName: 'failover',
      description: 'Recovers streams of lost ingest tasks and ends sessions whose reconnect window expired',
      timeout,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        HEARTBEAT_STALE_SECONDS: String(staleAfter.toSeconds()),
      },
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      ...(props.logRemovalPolicy !== undefined ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    props.table.grantSessionTransitions(this.handler.role);
    props.table.grantFailoverBookkeeping(this.handler.role);
    // Backup ingest across tasks: reads the standby's report and releases a lost task's output lease.
    props.table.grantHoldOutputLeases(this.handler.role);
    props.eventBus.grantPutEventsTo(this.handler.role);

    this.taskEvents = new RoutedQueue(this, 'TaskStopped', {
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [props.cluster.clusterArn],
          group: [props.service, ...(props.additionalServices ?? [])].map((service) => `service:${service.serviceName}`),
          lastStatus: ['STOPPED'],
        },
      },
      description: 'Ingest tasks that stopped: their streams fail over',
      consumerTimeout: timeout,
    });
    this.taskEvents.consumeWith(this.handler.function, { batchSize: 5 });

    this.sweepRule = new events.Rule(this, 'Sweep', {
      description: 'Checks ingest heartbeats and reconnect deadlines',
      schedule: events.Schedule.rate(sweepInterval),
      // A missed run is covered by the next one; retrying a late sweep would only overlap it.
      targets: [new targets.LambdaFunction(this.handler.function, { retryAttempts: 0 })],
    });
  }
}
