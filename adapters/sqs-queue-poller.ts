/**
 * Long-polls an SQS queue from a long-running process (the ingest container) and hands each batch to an
 * SQS-event handler, the same handler shape a Lambda event source would call. Messages the handler
 * reports as failed (or all of them, if it throws) are left for redelivery and, after the queue's
 * maxReceiveCount, its dead-letter queue; the rest are deleted.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { silentLogger, type Logger } from '../core/ports/logger';

export interface SqsQueuePollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Messages per receive; long jobs (an MP4 export) take one at a time. */
  batchSize?: number;
  waitSeconds?: number;
  logger?: Logger;
  /** Pause after a failed receive, so a broken queue does not become a busy loop. */
  errorBackoffMs?: number;
}

export class SqsQueuePoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();

  constructor(private readonly options: SqsQueuePollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  /** Receives once and handles what came; resolves with the number of messages deleted. */
  async pollOnce(): Promise<number> {
    const { client, queueUrl } = this.options;
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.options.batchSize ?? 1,
        WaitTimeSeconds: this.options.waitSeconds ?? 20,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: this.abort.signal },
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return 0;
    const records = messages.map((m): SQSRecord => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
        SenderId: '',
        ApproximateFirstReceiveTimestamp: '',
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueUrl,
      awsRegion: '',
    }));
    let failed: Set<string>;
    try {
      const result = await this.options.handler({ Records: records });
      failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (err) {
      (this.options.logger ?? silentLogger).error('queue poller: handler failed; messages will be redelivered', { queueUrl, error: err instanceof Error ? err.message : String(err) });
      failed = new Set(records.map((r) => r.messageId));
    }
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length > 0) {
      await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }));
    }
    return done.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce();
      } catch (err) {
        if (!this.running) return;
        (this.options.logger ?? silentLogger).warn('queue poller: receive failed', { queueUrl: this.options.queueUrl, error: err instanceof Error ? err.message : String(err) });
        await new Promise((resolve) => setTimeout(resolve, this.options.errorBackoffMs ?? 5_000));
      }
    }
  }
}
