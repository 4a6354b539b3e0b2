/**
 * The queue of pull jobs (pulled streams): the control API sends one job per start; ingest tasks with a
 * free pull slot receive it and hold it for as long as the pull runs there, extending its visibility
 * (containers/ingest/src/pulls/pull-job-consumer.ts). A task that dies stops extending, so the job
 * becomes visible again and another task takes it over. Encrypted, TLS-only, with a dead-letter queue
 * (a job handed out `maxReceiveCount` times without settling) and two alarms: dead letters, and jobs
 * waiting for a slot longer than `maxWait` (every task is full: raise `maxPullsPerTask` or the task count).
 *
 * The usual age-of-oldest-message alarm does not fit: a held job of a long pull is old and healthy.
 *
 * Must never: grant more than send (API) or receive/delete/extend (ingest).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface PullJobQueueProps {
  /** How long a held job stays invisible without an extension: about how long a dead task's pulls wait for a takeover. @default Duration.seconds(30) */
  readonly visibilityTimeout?: Duration;
  /** Receives before a job is dead-lettered. @default 10 */
  readonly maxReceiveCount?: number;
  /** Alarm when jobs wait for a free slot this long. @default Duration.minutes(5) */
  readonly maxWait?: Duration;
}

export class PullJobQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly visibilityTimeout: Duration;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: PullJobQueueProps = {}) {
    super(scope, id);
    this.visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(30);
    const visibility = this.visibilityTimeout.toSeconds();
    if (visibility < 6 || visibility > 600) throw new Error(`PullJobQueue ${this.node.path}: visibilityTimeout must be from 6 seconds to 10 minutes, got ${this.visibilityTimeout.toHumanString()}.`);
    const maxReceiveCount = props.maxReceiveCount ?? 10;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) throw new Error(`PullJobQueue ${this.node.path}: maxReceiveCount must be a whole number from 1 to 1000, got ${maxReceiveCount}.`);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      // A held job lives as long as its pull; SQS keeps a message at most 14 days (docs/relays.md).
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    const maxWait = props.maxWait ?? Duration.minutes(5);
    this.alarms = [
      new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
        alarmDescription: `Pull jobs of ${this.node.path} were dead-lettered after ${maxReceiveCount} receives: a pull that no ingest task could keep. Check the ingest logs for the stream ids, then redrive or delete.`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'WaitingAlarm', {
        alarmDescription: `Pull jobs of ${this.node.path} have waited for a free pull slot for ${maxWait.toHumanString()}: every ingest task runs maxPullsPerTask pulls. Raise maxPullsPerTask or ingestMaxTasks, or stop pulls.`,
        metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Minimum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: Math.max(1, Math.round(maxWait.toMinutes())),
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  /** The control API: `sqs:SendMessage` only. */
  grantSendJobs(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
  }

  /** An ingest task: receive, delete and extend the visibility of jobs (it polls the queue itself). */
  grantTakeJobs(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'], resourceArns: [this.queue.queueArn] });
  }
}
