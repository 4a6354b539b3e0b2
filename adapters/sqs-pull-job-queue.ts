/**
 * The pull-job queue in AWS: the control API sends `{ streamId, requestedAt }` to SQS; ingest tasks with
 * a free pull slot take the jobs (containers/ingest/src/pulls/pull-job-consumer.ts).
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { PullJob, PullJobQueue } from '../core/ports/pull-jobs';

export class SqsPullJobQueue implements PullJobQueue {
  private readonly client: SQSClient;

  constructor(private readonly options: { queueUrl: string; client?: SQSClient }) {
    this.client = options.client ?? new SQSClient({});
  }

  async enqueue(job: PullJob): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify({ streamId: job.streamId, requestedAt: job.requestedAt }) }));
  }
}
