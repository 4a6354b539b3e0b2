/**
 * What an operator looks at: one CloudWatch dashboard (ingest EMF metrics — publishes, rejects, live
 * streams, transcoder restarts, segment upload latency — next to the NLB, the Fargate service, the Lambdas
 * and the queues), alarms on Lambda errors and throttles, DynamoDB throttles, an overloaded task, failed S3
 * uploads, the failover sweep stopping, and the ingest losing healthy targets, and an SNS topic all
 * alarms of the plane notify (subscribe an address with the `alarmEmail` context key).
 *
 * Must never: alarm on things nobody can act on (every alarm description says what to look at).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IngestService } from './ingest-service';
import { METRICS_NAMESPACE, type PlaneFunction } from './plane-function';

/** A queue with its alarms (a RoutedQueue or a WorkQueue). Dead-letter queues shared by two are shown once. */
export interface MonitoredQueue {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarms: cloudwatch.Alarm[];
}

export interface PlaneMonitoringProps {
  readonly ingest: IngestService;
  /** Ingest cells 2… (each gets its own no-healthy-targets alarm). @default - none */
  readonly additionalIngestCells?: ReadonlyArray<IngestService & { readonly cellId: string; readonly cellNumber: number }>;
  /** Functions by display name. */
  readonly functions: Record<string, PlaneFunction>;
  /** Event inboxes and work queues by display name (their own alarms are wired to the topic). */
  readonly queues: Record<string, MonitoredQueue>;
  /** Subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** @default 'Streamplane' */
  readonly dashboardName?: string;
  /** The registry table: alarms on throttled reads and writes (hot partitions, on-demand limits). @default - none */
  readonly table?: dynamodb.ITable;
  /** The failover function: alarms when its one-minute sweep stops running. @default - none */
  readonly failover?: PlaneFunction;
  /** Per-task CPU (the busiest task, from the ingest's own report) that counts as overloaded. @default 90 */
  readonly taskCpuAlarmPercent?: number;
}

/**
 * The ingest's EMF metrics, as the ingest names them (containers/ingest/src: rtmp-ingest.ts,
 * session-manager.ts, live-session.ts). All carry the dimension service=ingest; `publish_rejected` also
 * carries `reason`, so it is a different CloudWatch metric per reason and the dashboard finds it by search.
 */
export const INGEST_METRICS = {
  publishes: 'publish_accepted',
  rejects: 'publish_rejected',
  liveStreams: 'live_streams',
  transcoderRestarts: 'transcoder_restarts',
  segmentUploadLatency: 'segment_upload_latency',
  eventPublishFailures: 'event_publish_failures',
  /** 1 while the task's own self-check fails (event loop stuck, pipeline without output while fed). */
  nodeUnhealthy: 'node_unhealthy',
  /** Streams on the task whose transcoder runs below realtime right now. */
  streamsBehindRealtime: 'streams_behind_realtime_now',
  /** The task's CPU use in percent (node-reporter.ts), one value per task: Maximum is the busiest task. */
  nodeCpuPercent: 'node_cpu_percent',
  /** Failed segment and playlist uploads to S3 (each retried), without a rendition dimension (packager.ts). */
  segmentUploadFailures: 'segment_upload_failures',
} as const;

export class PlaneMonitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PlaneMonitoringProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Streamplane alarms', enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.alarmTopic);

    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarms.push(
        new cloudwatch.Alarm(this, `${name}Errors`, {
          alarmDescription: `The ${name} function failed invocations in the last 5 minutes. Look for level ERROR in its log group.`,
          metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const healthyTargets = props.ingest.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' });
    this.alarms.push(
      new cloudwatch.Alarm(this, 'IngestNoHealthyTargets', {
        alarmDescription: 'No ingest task is healthy behind the NLB: encoders cannot publish. Look at the ECS service events and the ingest log group.',
        metric: healthyTargets,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );
    // Every further ingest cell: its own NLB, so its own alarm (the streams assigned to it cannot publish elsewhere).
    for (const cell of props.additionalIngestCells ?? []) {
      this.alarms.push(
        new cloudwatch.Alarm(this, `IngestCell${cell.cellNumber}NoHealthyTargets`, {
          alarmDescription: `No ingest task of ${cell.cellId} is healthy behind its NLB: encoders of the streams assigned to ${cell.cellId} cannot publish. Look at that cell's ECS service events and log group.`,
          metric: cell.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }
    this.alarms.push(
      new cloudwatch.Alarm(this, 'IngestEventPublishFailures', {
        alarmDescription: 'The ingest could not put events on the bus after its retries: webhooks and the registry miss them. Look for "event" errors in the ingest log group.',
        metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: INGEST_METRICS.eventPublishFailures, dimensionsMap: { service: 'ingest' }, statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    const ingestGauge = (metricName: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'ingest' }, statistic: 'Maximum', period: Duration.minutes(1) });
    this.alarms.push(
      new cloudwatch.Alarm(this, 'IngestNodeUnhealthy', {
        alarmDescription: 'An ingest task fails its own health check (event loop stuck, or a pipeline publishes no playlists while fed). ECS replaces it; see GET /v1/nodes and the ingest log group.',
        metric: ingestGauge(INGEST_METRICS.nodeUnhealthy),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'StreamsBehindRealtime', {
        alarmDescription: 'A transcoder has run slower than realtime for 3 minutes: viewers see stalls. See GET /v1/nodes (worstTranscoderSpeed) and stream.behind_realtime events.',
        metric: ingestGauge(INGEST_METRICS.streamsBehindRealtime),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    // Throttled functions drop or delay work silently (an SQS consumer retries, an invoke fails fast).
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarms.push(
        new cloudwatch.Alarm(this, `${name}Throttles`, {
          alarmDescription: `The ${name} function was throttled in the last 5 minutes (account or reserved concurrency used up). See its ConcurrentExecutions and the account's Lambda concurrency quota.`,
          metric: fn.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    if (props.table) {
      const throttles = new cloudwatch.MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: props.table.metric('ReadThrottleEvents', { period: Duration.minutes(1), statistic: 'Sum' }),
          writes: props.table.metric('WriteThrottleEvents', { period: Duration.minutes(1), statistic: 'Sum' }),
        },
        label: 'throttled requests',
        period: Duration.minutes(1),
      });
      this.alarms.push(
        new cloudwatch.Alarm(this, 'TableThrottles', {
          alarmDescription: 'DynamoDB throttled reads or writes of the registry table for 3 minutes: a hot partition (docs/scale.md) or the table\'s on-demand limits. See CloudWatch Contributor Insights for the table and the ingest and Lambda logs for retried calls.',
          metric: throttles,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    this.alarms.push(
      new cloudwatch.Alarm(this, 'IngestTaskCpuHigh', {
        alarmDescription: `An ingest task ran above ${props.taskCpuAlarmPercent ?? 90}% CPU for 5 minutes: its transcoders fall behind realtime. See GET /v1/nodes (cpuPercent per task); raise ingestCpu or lower the per-task stream budget.`,
        metric: ingestGauge(INGEST_METRICS.nodeCpuPercent),
        threshold: props.taskCpuAlarmPercent ?? 90,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'SegmentUploadFailures', {
        alarmDescription: 'The ingest failed more than 10 segment uploads to S3 in each of two 5-minute periods (each is retried until it succeeds, but viewers stall meanwhile). Look for "upload failed" in the ingest log group and at S3 5xx/throttling.',
        metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: INGEST_METRICS.segmentUploadFailures, dimensionsMap: { service: 'ingest' }, statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 10,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    if (props.failover) {
      this.alarms.push(
        new cloudwatch.Alarm(this, 'FailoverSweepStopped', {
          alarmDescription: 'The failover sweep (every minute) did not run for 5 minutes: lost tasks\' streams are not recovered and reconnect windows do not expire. Check the Failover Sweep rule (enabled?) and the function\'s log group.',
          metric: props.failover.function.metricInvocations({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // No datapoint at all is the failure this alarm is for.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);
    for (const queue of Object.values(props.queues)) for (const alarm of queue.alarms) alarm.addAlarmAction(notify);

    const ingestMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'ingest' }, statistic, period: Duration.minutes(1), label });
    // One line per rejection reason (bad key, disabled stream, rate limited, gate error, …).
    const rejectsByReason = new cloudwatch.MathExpression({
      expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${INGEST_METRICS.rejects}" service="ingest"', 'Sum', 60)`,
      usingMetrics: {},
      label: "rejected (${PROP('Dim.reason')})",
      period: Duration.minutes(1),
    });
    // A dead-letter queue shared by two queues is shown once, under the name of the first.
    const deadLetterQueues: Array<{ dlq: sqs.IQueue; name: string }> = [];
    for (const [name, q] of Object.entries(props.queues)) {
      if (!deadLetterQueues.some((d) => d.dlq === q.deadLetterQueue)) deadLetterQueues.push({ dlq: q.deadLetterQueue, name });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? 'Streamplane',
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Publishes and rejects',
        left: [ingestMetric(INGEST_METRICS.publishes, 'Sum', 'accepted'), rejectsByReason],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Live streams', left: [ingestMetric(INGEST_METRICS.liveStreams, 'Maximum', 'live streams')], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Transcoder restarts', left: [ingestMetric(INGEST_METRICS.transcoderRestarts, 'Sum', 'restarts')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Segment upload latency (ms)',
        left: [ingestMetric(INGEST_METRICS.segmentUploadLatency, 'p50', 'p50'), ingestMetric(INGEST_METRICS.segmentUploadLatency, 'p99', 'p99')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Ingest tasks: CPU and memory (%)',
        left: [props.ingest.service.metricCpuUtilization({ period: Duration.minutes(1) }), props.ingest.service.metricMemoryUtilization({ period: Duration.minutes(1) })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'NLB: connections and healthy targets',
        left: [props.ingest.loadBalancer.metrics.activeFlowCount({ period: Duration.minutes(1) }), props.ingest.loadBalancer.metrics.newFlowCount({ period: Duration.minutes(1) })],
        right: [healthyTargets],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: Object.entries(props.functions).map(([name, fn]) => fn.function.metricErrors({ period: Duration.minutes(5), label: name })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p99 (ms)',
        left: Object.entries(props.functions).map(([name, fn]) => fn.function.metricDuration({ period: Duration.minutes(5), statistic: 'p99', label: name })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Queues: oldest message (s)',
        left: Object.entries(props.queues).map(([name, q]) => q.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), label: name })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues: messages',
        left: deadLetterQueues.map(({ dlq, name }) => dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: name })),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms, ...Object.values(props.queues).flatMap((q) => q.alarms)], width: 24 }),
    );
  }
}
