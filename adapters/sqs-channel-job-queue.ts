/**
 * Channel jobs onto the SQS ChannelJobs queue (core/ports/channel-jobs.ts). The adapter takes its SDK
 * client as an option (tests pass a fake queue). Must never send a body the consumer's schema refuses.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { channelJobBody, type ChannelJob } from '../core/channels/channel-jobs';
import type { ChannelJobQueue } from '../core/ports/channel-jobs';

export class SqsChannelJobQueue implements ChannelJobQueue {
  private readonly client: SQSClient;

  constructor(private readonly options: { queueUrl: string; client?: SQSClient }) {
    this.client = options.client ?? new SQSClient({});
  }

  async send(job: ChannelJob): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify(channelJobBody.parse(job)) }));
  }
}
